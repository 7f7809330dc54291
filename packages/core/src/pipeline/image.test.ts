import { describe, expect, it } from 'vitest';
import { ServableError } from '../errors/servable-error.js';
import type { ModelManifest } from '../model/manifest.js';
import type { TensorSpec } from '../model/signature.js';
import { imageTarget, isImageInput, preprocessImage, resizeBilinear } from './image.js';
import { normalizeInput } from './normalize.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return ServableError.isInstance(e) ? e.code : String(e);
  }
  return undefined;
}

const close = (actual: ArrayLike<number>, expected: number[]) => {
  expect(actual.length).toBe(expected.length);
  expected.forEach((v, i) => expect(actual[i]).toBeCloseTo(v, 4));
};

describe('resizeBilinear', () => {
  it('upsamples with pixel centres aligned (hand-computed)', () => {
    const src = new Float32Array([0, 10, 20, 30]);
    const out = resizeBilinear(src, 2, 2, 1, 4, 4);
    // fx for x = 0..3 is 0 (clamped), 0.25, 0.75, 1 (clamped); the same for rows.
    close(out, [
      0, 2.5, 7.5, 10,
      5, 7.5, 12.5, 15,
      15, 17.5, 22.5, 25,
      20, 22.5, 27.5, 30,
    ]);
  });

  it('downsamples by two as the mean of each 2×2 block', () => {
    const src = Float32Array.from({ length: 16 }, (_, i) => i);
    close(resizeBilinear(src, 4, 4, 1, 2, 2), [2.5, 4.5, 10.5, 12.5]);
  });

  it('keeps channels apart and returns the input when the size is unchanged', () => {
    const rgb = new Float32Array([0, 100, 200, 10, 110, 210]);
    close(resizeBilinear(rgb, 2, 1, 3, 1, 1), [5, 105, 205]);
    expect(resizeBilinear(rgb, 2, 1, 3, 2, 1)).toBe(rgb);
  });
});

describe('imageTarget', () => {
  it('infers the layout from the input shape', () => {
    expect(imageTarget({ name: 'x', dtype: 'float32', shape: ['batch', 28, 28] })).toEqual({ layout: 'NHW', height: 28, width: 28, channels: 1 });
    expect(imageTarget({ name: 'x', dtype: 'float32', shape: ['batch', 3, 224, 224] })).toEqual({ layout: 'NCHW', channels: 3, height: 224, width: 224 });
    expect(imageTarget({ name: 'x', dtype: 'float32', shape: ['batch', 224, 224, 3] })).toEqual({ layout: 'NHWC', height: 224, width: 224, channels: 3 });
    expect(imageTarget({ name: 'x', dtype: 'float32', shape: ['batch', 'h', 'w', 'c'] })).toEqual({ layout: 'NHWC', height: undefined, width: undefined, channels: 3 });
    expect(imageTarget({ name: 'x', dtype: 'float32', shape: ['batch', 3, 2, 2] }, { layout: 'NCHW' }).layout).toBe('NCHW');
    expect(codeOf(() => imageTarget({ name: 'x', dtype: 'float32', shape: ['batch', 4] }))).toBe('SHAPE_MISMATCH');
  });

  it('recognizes image-like values', () => {
    expect(isImageInput({ data: new Uint8ClampedArray(4), width: 1, height: 1 })).toBe(true);
    expect(isImageInput({ data: [1, 2], width: 1, height: 1 })).toBe(false);
  });
});

describe('preprocessImage', () => {
  // 2×2 RGBA: red, green (transparent), blue, grey.
  const rgba = { data: new Uint8ClampedArray([255, 0, 0, 255, 0, 255, 0, 0, 0, 0, 255, 7, 100, 100, 100, 255]), width: 2, height: 2 };
  const gray = [0.299 * 255, 0.587 * 255, 0.114 * 255, 100];

  it('RGBA → grayscale → bilinear resize → invert → scale → mean/std → NHW', () => {
    const spec: TensorSpec = { name: 'pixels', dtype: 'float32', shape: ['batch', 4, 4] };
    const steps = { grayscale: true, invert: true, scale: 1 / 255, mean: [0.5], std: [0.25] };
    const { values, shape } = preprocessImage(rgba, spec, steps);
    expect(shape).toEqual([4, 4]);
    const [a, b, c, d] = gray as [number, number, number, number];
    const finish = (v: number) => ((255 - v) / 255 - 0.5) / 0.25;
    expect(values[0]).toBeCloseTo(finish(a), 4);
    expect(values[3]).toBeCloseTo(finish(b), 4);
    expect(values[12]).toBeCloseTo(finish(c), 4);
    expect(values[15]).toBeCloseTo(finish(d), 4);
    // (1, 1): fx = fy = 0.25 between the four source pixels.
    const mid = (a * 0.75 + b * 0.25) * 0.75 + (c * 0.75 + d * 0.25) * 0.25;
    expect(values[5]).toBeCloseTo(finish(mid), 4);
  });

  it('drops alpha and lays RGB out as NHWC or NCHW with per-channel mean and std', () => {
    const img = { data: new Uint8Array([10, 20, 30, 255, 40, 50, 60, 255]), width: 2, height: 1, channels: 4 as const };
    const steps = { scale: 0.1, mean: [1, 2, 3], std: [1, 2, 4] };
    const nhwc = preprocessImage(img, { name: 'x', dtype: 'float32', shape: ['batch', 1, 2, 3] }, { ...steps, layout: 'NHWC' });
    expect(nhwc.shape).toEqual([1, 2, 3]);
    close(nhwc.values, [0, 0, 0, 3, 1.5, 0.75]);
    const nchw = preprocessImage(img, { name: 'x', dtype: 'float32', shape: ['batch', 3, 1, 2] }, { ...steps, layout: 'NCHW' });
    expect(nchw.shape).toEqual([3, 1, 2]);
    close(nchw.values, [0, 3, 0, 1.5, 0, 0.75]);
  });

  it('repeats a gray image over three channels', () => {
    const out = preprocessImage({ data: new Uint8Array([7, 9]), width: 2, height: 1 }, { name: 'x', dtype: 'float32', shape: ['batch', 1, 2, 3] }, { layout: 'NHWC' });
    close(out.values, [7, 7, 7, 9, 9, 9]);
  });

  it('refuses bad sizes, channel counts and mean/std lengths', () => {
    const spec: TensorSpec = { name: 'pixels', dtype: 'float32', shape: ['batch', 2, 2] };
    expect(codeOf(() => preprocessImage({ data: new Uint8Array(4), width: 0, height: 2 }, spec))).toBe('INVALID_INPUT');
    expect(codeOf(() => preprocessImage({ data: new Uint8Array(5), width: 2, height: 2 }, spec))).toBe('INVALID_INPUT');
    expect(codeOf(() => preprocessImage({ data: new Uint8Array(8), width: 2, height: 2 }, spec))).toBe('INVALID_INPUT');
    try {
      preprocessImage({ data: new Uint8Array(12), width: 2, height: 2 }, spec);
      expect.unreachable();
    } catch (e) {
      expect((e as ServableError).code).toBe('SHAPE_MISMATCH');
      expect((e as Error).message).toContain('input "pixels"');
      expect((e as Error).message).toContain('3 channel(s)');
      expect((e as Error).message).toContain('grayscale');
    }
    expect(codeOf(() => preprocessImage({ data: new Uint8Array(12), width: 2, height: 2 }, { name: 'x', dtype: 'float32', shape: ['batch', 2, 2, 3] }, { mean: [1, 2] }))).toBe('MANIFEST_INVALID');
  });
});

describe('normalizeInput with images', () => {
  const manifest = { preprocessing: { image: { grayscale: true, resize: { width: 4, height: 4 }, scale: 1 / 255 } } } as unknown as ModelManifest;
  const sig = { inputs: [{ name: 'pixels', dtype: 'float32' as const, shape: ['batch', 4, 4] }], outputs: [] };
  const img = (v: number) => ({ data: new Uint8ClampedArray(2 * 2 * 4).fill(v), width: 2, height: 2 });

  it('one image is one example; an array of images is a batch', () => {
    const single = normalizeInput(img(255), sig, manifest);
    expect(single.single).toBe(true);
    expect(single.feeds.pixels!.shape).toEqual([1, 4, 4]);
    close(single.feeds.pixels!.data as Float32Array, new Array(16).fill(1));
    const batch = normalizeInput([img(0), img(255)], sig, manifest);
    expect(batch.single).toBe(false);
    expect(batch.feeds.pixels!.shape).toEqual([2, 4, 4]);
    expect(batch.feeds.pixels!.data[16]).toBeCloseTo(1, 5);
  });

  it('rounds and clamps into an integer input', () => {
    const u8 = { inputs: [{ name: 'pixels', dtype: 'uint8' as const, shape: ['batch', 2, 2] }], outputs: [] };
    const r = normalizeInput({ data: new Float32Array([-3, 1.6, 300, 7]), width: 2, height: 2, channels: 1 }, u8);
    expect(Array.from(r.feeds.pixels!.data as Uint8Array)).toEqual([0, 2, 255, 7]);
  });

  it('refuses images of different sizes when nothing resizes them', () => {
    const free = { inputs: [{ name: 'p', dtype: 'float32' as const, shape: ['batch', 'h', 'w'] }], outputs: [] };
    const a = { data: new Uint8Array(4), width: 2, height: 2 };
    const b = { data: new Uint8Array(6), width: 3, height: 2 };
    expect(codeOf(() => normalizeInput([a, b], free))).toBe('SHAPE_MISMATCH');
  });
});
