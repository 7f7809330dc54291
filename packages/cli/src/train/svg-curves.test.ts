import { describe, expect, it } from 'vitest';
import { renderCurvesSvg } from './svg-curves.js';

describe('renderCurvesSvg', () => {
  it('draws one panel per metric family with a line per series', () => {
    const svg = renderCurvesSvg({ loss: [1, 0.5, 0.25], val_loss: [1.1, 0.6, 0.4], accuracy: [0.5, 0.8, 0.9] });
    expect(svg.startsWith('<?xml')).toBe(true);
    expect(svg).toContain('width="840"');
    expect(svg.match(/<polyline/g)).toHaveLength(3);
    expect(svg).toContain('>val_loss<');
    expect(svg).toContain('>accuracy<');
    const loss = /<polyline fill="none" stroke="#2563eb" stroke-width="2" points="([^"]+)"/.exec(svg)![1]!.split(' ').map((p) => Number(p.split(',')[1]));
    expect(loss[0]).toBeLessThan(loss[2]!);
  });

  it('escapes names and survives a single epoch', () => {
    const svg = renderCurvesSvg({ 'a<b': [1] });
    expect(svg).toContain('a&lt;b');
    expect(svg).toContain('<circle');
  });
});
