import { describe, expect, it } from 'vitest';
import type { Tensor } from '../tensor/tensor.js';
import { attributionHeatmapPng } from './attribution-heatmap-png.js';
import { drawText, GLYPH_HEIGHT, textWidth } from './bitmap-font.js';
import { colormapColor } from './colormap.js';
import { renderAttributionHeatmap, type RgbaImage } from './heatmap.js';
import { appendHeatmapLegend } from './heatmap-legend.js';

const tensor = (shape: number[], values: number[]): Tensor<'float32'> => ({ dtype: 'float32', shape, data: Float32Array.from(values) });
const pixel = (img: RgbaImage, x: number, y: number) => Array.from(img.data.subarray((y * img.width + x) * 4, (y * img.width + x) * 4 + 3));

function pngSize(png: Uint8Array): [number, number] {
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  return [view.getUint32(16), view.getUint32(20)];
}

describe('heatmap legend', () => {
  const heatmap = renderAttributionHeatmap(tensor([4, 4], Array.from({ length: 16 }, (_, i) => i - 8)), { width: 224, height: 224 });

  it('adds a strip under the heatmap with the colour bar of the map, blue to red for signed attributions', () => {
    const out = appendHeatmapLegend(heatmap, 'diverging', { title: 'occlusion of "7"' });
    expect(out.width).toBe(224);
    expect(out.height).toBeGreaterThan(224 + 20);
    // The heatmap itself is unchanged.
    expect(Array.from(out.data.subarray(0, heatmap.data.length))).toEqual(Array.from(heatmap.data));
    // The bar: find its row by its left end, which is the map's colour at -1.
    const left = colormapColor('diverging', -1);
    const barRow = Array.from({ length: out.height - 224 }, (_, i) => 224 + i).find((y) => pixel(out, 4, y).join() === left.join());
    expect(barRow, 'a row whose left end is the colour of -1').toBeDefined();
    expect(pixel(out, out.width - 5, barRow!)).toEqual([...colormapColor('diverging', 1)]);
    const middle = pixel(out, Math.round(out.width / 2), barRow!);
    colormapColor('diverging', 0).forEach((v, c) => expect(Math.abs(middle[c]! - v)).toBeLessThanOrEqual(8));
  });

  it('writes the title and the meaning of the ends in dark ink', () => {
    const plain = appendHeatmapLegend(heatmap, 'diverging');
    const titled = appendHeatmapLegend(heatmap, 'diverging', { title: 'occlusion of "7"' });
    expect(titled.height).toBe(plain.height + GLYPH_HEIGHT + 4);
    const ink = (img: RgbaImage, y0: number, y1: number) => {
      let n = 0;
      for (let y = y0; y < y1; y++) for (let x = 0; x < img.width; x++) if (pixel(img, x, y).join() === '29,35,48') n++;
      return n;
    };
    expect(ink(titled, 224, 224 + 4 + GLYPH_HEIGHT)).toBeGreaterThan(40);
    expect(ink(plain, plain.height - 4 - GLYPH_HEIGHT, plain.height)).toBeGreaterThan(30);
  });

  it('cuts a title wider than the image and draws unknown characters as "?"', () => {
    expect(textWidth('abc')).toBe(17);
    expect(textWidth('abc', 2)).toBe(34);
    const img: RgbaImage = { data: new Uint8ClampedArray(20 * 10 * 4), width: 20, height: 10, channels: 4 };
    drawText(img, '\u{1F600}', 0, 0, 1, [1, 2, 3]);
    const lit = [...Array(200).keys()].filter((p) => img.data[p * 4] === 1).length;
    expect(lit).toBe(9); // the "?" glyph's pixels
    expect(() => appendHeatmapLegend(heatmap, 'diverging', { title: 'x'.repeat(500) })).not.toThrow();
  });

  it('is drawn by attributionHeatmapPng when asked, and not otherwise', async () => {
    const attributions = tensor([2, 2], [1, 0, 0, -1]);
    const without = await attributionHeatmapPng(attributions, { width: 224, height: 224 });
    const withLegend = await attributionHeatmapPng(attributions, { width: 224, height: 224, legend: { title: 'saliency of "3"' } });
    expect(pngSize(without)).toEqual([224, 224]);
    const [w, h] = pngSize(withLegend);
    expect(w).toBe(224);
    expect(h).toBeGreaterThan(240);
  });
});
