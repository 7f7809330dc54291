import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ServableError } from '../errors/servable-error.js';
import type { Tensor } from '../tensor/tensor.js';
import { attributionHeatmapPng } from './attribution-heatmap-png.js';
import { drawHeatmapOnCanvas, type CanvasPixels, type HeatmapCanvasContext } from './canvas-heatmap.js';
import { colormapColor } from './colormap.js';
import { renderAttributionHeatmap, type RgbaImage } from './heatmap.js';

const tensor = (shape: number[], values: number[]): Tensor<'float32'> => ({ dtype: 'float32', shape, data: Float32Array.from(values) });
const pixel = (img: RgbaImage | CanvasPixels, x: number, y: number) => Array.from(img.data.subarray((y * img.width + x) * 4, (y * img.width + x) * 4 + 4));

const RED = [178, 24, 43, 255];
const WHITE = [247, 247, 247, 255];
const BLUE = [33, 102, 172, 255];

describe('renderAttributionHeatmap', () => {
  it('colours positive red, zero white and negative blue, in crisp blocks', () => {
    const img = renderAttributionHeatmap(tensor([2, 2], [1, 0, 0, -1]), { width: 4, height: 4, clipPercentile: 100 });
    expect([img.width, img.height]).toEqual([4, 4]);
    for (const [x, y] of [[0, 0], [1, 1]]) expect(pixel(img, x!, y!)).toEqual(RED);
    for (const [x, y] of [[2, 0], [3, 1], [0, 2]]) expect(pixel(img, x!, y!)).toEqual(WHITE);
    expect(pixel(img, 3, 3)).toEqual(BLUE);
  });

  it('sums channels of [C, H, W] and [H, W, C] attributions into one value per pixel', () => {
    // Channel values cancel at pixel 0 and add up at pixel 1; the other pixels are 0.
    const chwValues = new Array<number>(15).fill(0);
    [chwValues[0], chwValues[5], chwValues[10]] = [1, 1, -2];
    [chwValues[1], chwValues[6], chwValues[11]] = [1, 1, 1];
    const chw = renderAttributionHeatmap(tensor([3, 1, 5], chwValues), { width: 5, height: 1, clipPercentile: 100 });
    expect([0, 1, 2].map((x) => pixel(chw, x, 0))).toEqual([WHITE, RED, WHITE]);
    const hwcValues = new Array<number>(15).fill(0);
    hwcValues.splice(0, 6, 1, 1, -2, 1, 1, 1);
    const hwc = renderAttributionHeatmap(tensor([1, 5, 3], hwcValues), { width: 5, height: 1, clipPercentile: 100 });
    expect([0, 1, 2].map((x) => pixel(hwc, x, 0))).toEqual([WHITE, RED, WHITE]);
    // [3, 1, 2] is ambiguous; the layout option settles it.
    const small = renderAttributionHeatmap(tensor([3, 1, 2], [1, 1, 1, 1, -2, 1]), { width: 2, height: 1, clipPercentile: 100, layout: 'NCHW' });
    expect([pixel(small, 0, 0), pixel(small, 1, 0)]).toEqual([WHITE, RED]);
  });

  it('blends over a base image: no attribution shows the base, full attribution mixes by opacity', () => {
    const base = { data: new Uint8Array([10, 20, 30, 200, 100, 50]), width: 2, height: 1, channels: 3 as const };
    const img = renderAttributionHeatmap(tensor([1, 2], [0, 5]), { base, width: 2, height: 1, opacity: 0.5, colormap: 'heat', clipPercentile: 100 });
    expect(pixel(img, 0, 0)).toEqual([10, 20, 30, 255]);
    const [r, g, b] = colormapColor('heat', 1);
    const mixed = pixel(img, 1, 0);
    [(200 + r) / 2, (100 + g) / 2, (50 + b) / 2].forEach((v, c) => expect(Math.abs(mixed[c]! - v)).toBeLessThanOrEqual(0.5));
    expect(mixed[3]).toBe(255);
    // A small base is magnified with the grid (about 256 px); a large one sets the size.
    const small = renderAttributionHeatmap(tensor([1, 2], [0, 5]), { base });
    expect([small.width, small.height]).toEqual([256, 128]);
    const large = { data: new Uint8Array(300 * 150), width: 300, height: 150, channels: 1 as const };
    const big = renderAttributionHeatmap(tensor([1, 2], [0, 5]), { base: large });
    expect([big.width, big.height]).toEqual([300, 150]);
  });

  it('clips at the percentile so one outlier does not wash out the rest', () => {
    const values = Array.from({ length: 100 }, (_, i) => (i === 0 ? 1000 : 1));
    const img = renderAttributionHeatmap(tensor([10, 10], values), { width: 10, height: 10, colormap: 'gray', clipPercentile: 99 });
    expect(pixel(img, 5, 5)).toEqual([255, 255, 255, 255]);
    const unclipped = renderAttributionHeatmap(tensor([10, 10], values), { width: 10, height: 10, colormap: 'gray', clipPercentile: 100 });
    expect(pixel(unclipped, 5, 5)[0]).toBeLessThan(2);
  });

  it('refuses tabular attributions and points to the bar chart', () => {
    const err = (() => {
      try {
        renderAttributionHeatmap(tensor([6], [1, 2, 3, 4, 5, 6]));
      } catch (e) {
        return e;
      }
    })();
    expect(ServableError.isInstance(err) && err.code).toBe('INVALID_ARGUMENT');
    expect((err as Error).message).toMatch(/attributions: expected an image shape .* got \[6\] — draw tabular attributions with attributionBarChartSvg/);
  });
});

describe('attributionHeatmapPng', () => {
  it('writes a PNG whose pixels are the rendered heatmap, 256 px wide by default for 8×8', async () => {
    const values = Array.from({ length: 64 }, (_, i) => (i % 9) - 4);
    const attributions = tensor([1, 8, 8], values);
    const png = await attributionHeatmapPng(attributions, { compression: 'none' });
    const view = new DataView(png.buffer, png.byteOffset);
    expect(String.fromCharCode(...png.subarray(12, 16))).toBe('IHDR');
    expect([view.getUint32(16), view.getUint32(20)]).toEqual([256, 256]);
    const idatLength = view.getUint32(33);
    const raw = inflateSync(png.subarray(41, 41 + idatLength));
    const expected = renderAttributionHeatmap(attributions);
    const stride = 256 * 4;
    for (const y of [0, 100, 255]) {
      expect(raw[y * (stride + 1)]).toBe(0);
      expect(Buffer.compare(raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1)), Buffer.from(expected.data.subarray(y * stride, (y + 1) * stride)))).toBe(0);
    }
  });
});

describe('drawHeatmapOnCanvas', () => {
  function fakeContext(width: number, height: number, withRead: boolean) {
    const screen = new Uint8ClampedArray(width * height * 4).fill(100);
    const puts: { x: number; y: number; image: CanvasPixels }[] = [];
    const ctx: HeatmapCanvasContext = {
      canvas: { width, height },
      createImageData: (w, h) => ({ data: new Uint8ClampedArray(w * h * 4), width: w, height: h }),
      putImageData: (image, x, y) => void puts.push({ x, y, image }),
      ...(withRead
        ? {
            getImageData: (sx: number, sy: number, sw: number, sh: number) => {
              const data = new Uint8ClampedArray(sw * sh * 4);
              for (let y = 0; y < sh; y++) data.set(screen.subarray(((sy + y) * width + sx) * 4, ((sy + y) * width + sx + sw) * 4), y * sw * 4);
              return { data, width: sw, height: sh };
            },
          }
        : {}),
    };
    return { ctx, puts };
  }

  it('blends over what the canvas shows, at the given place and size', () => {
    const { ctx, puts } = fakeContext(10, 10, true);
    drawHeatmapOnCanvas(ctx, tensor([2, 2], [0, 0, 0, 1]), { x: 2, y: 3, width: 4, height: 4, opacity: 1, colormap: 'gray', clipPercentile: 100 });
    expect(puts).toHaveLength(1);
    const { x, y, image } = puts[0]!;
    expect([x, y, image.width, image.height]).toEqual([2, 3, 4, 4]);
    expect(pixel(image, 0, 0)).toEqual([100, 100, 100, 255]);
    expect(pixel(image, 3, 3)).toEqual([255, 255, 255, 255]);
  });

  it('paints the heatmap alone over the whole canvas when it cannot read it back', () => {
    const { ctx, puts } = fakeContext(6, 6, false);
    drawHeatmapOnCanvas(ctx, tensor([3, 3], [1, 0, 0, 0, 0, 0, 0, 0, -1]), { clipPercentile: 100 });
    const { image } = puts[0]!;
    expect([image.width, image.height]).toEqual([6, 6]);
    expect(pixel(image, 0, 0)).toEqual(RED);
    expect(pixel(image, 3, 3)).toEqual(WHITE);
    expect(pixel(image, 5, 5)).toEqual(BLUE);
  });

  it('names what it needs when given something that is not a 2D context', () => {
    expect(() => drawHeatmapOnCanvas({} as HeatmapCanvasContext, tensor([1, 1], [1]))).toThrow(/expected a 2D canvas context with createImageData and putImageData/);
  });
});
