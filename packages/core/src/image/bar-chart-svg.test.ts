import { describe, expect, it } from 'vitest';
import { attributionBarChartSvg } from './bar-chart-svg.js';

const features = (svg: string) => [...svg.matchAll(/data-feature="(\d+)"/g)].map((m) => Number(m[1]));

describe('attributionBarChartSvg', () => {
  const values = [2.4, -1.2, 0.001, 0, 0.4, -0.05];

  it('lists the top features by |attribution|, positive right in red, negative left in blue', () => {
    const svg = attributionBarChartSvg({ dtype: 'float32', shape: [6], data: Float32Array.from(values) }, { top: 3, featureNames: ['age', 'income', 'c', 'd', 'tenure', 'f'] });
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(features(svg)).toEqual([0, 1, 4]);
    const rect = (i: number) => new RegExp(`data-feature="${i}">\\n<text[^\\n]*>[^<]*</text>\\n<rect x="([\\d.]+)" y="[\\d.]+" width="([\\d.]+)" height="[\\d.]+" fill="(#[0-9a-f]+)"`).exec(svg)!;
    const [age, income] = [rect(0), rect(1)];
    expect(age[3]).toBe('#b2182b');
    expect(income[3]).toBe('#2166ac');
    expect(Number(income[1]) + Number(income[2])).toBeCloseTo(Number(age[1]), 0);
    expect(Number(age[2]) / Number(income[2])).toBeCloseTo(2, 1);
    expect(svg).toContain('>age</text>');
    expect(svg).toContain('>-1.2</text>');
  });

  it('escapes names and titles', () => {
    const svg = attributionBarChartSvg([1, -1], { featureNames: ['a<b', 'x & "y"'], title: 'Why <class 7>?' });
    expect(svg).toContain('a&lt;b');
    expect(svg).toContain('x &amp; &quot;y&quot;');
    expect(svg).toContain('<title>Why &lt;class 7&gt;?</title>');
    expect(svg).not.toMatch(/a<b/);
  });

  it('names defaults and refuses names that do not match the features', () => {
    expect(attributionBarChartSvg([0.5, 0.25])).toContain('>feature 0</text>');
    expect(() => attributionBarChartSvg([1, 2, 3], { featureNames: ['a'] })).toThrow(/bar chart option "featureNames": expected 3 names, one per feature, got 1/);
    expect(() => attributionBarChartSvg([1], { top: 0 })).toThrow(/"top": expected a positive integer/);
  });
});
