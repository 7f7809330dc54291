import { ServableError, describeMismatch } from '../errors/servable-error.js';
import type { ImagePreprocessing } from '../model/manifest.js';
import { formatShape, shapeSize } from '../tensor/tensor.js';
import type { PatchSize } from './explanation.js';

/**
 * How the elements of one example are arranged: a flat list of features (tabular input, and
 * any rank other than 2 or 3), or an image grid with a height, a width and channels.
 */
export type ExampleLayout =
  | { readonly kind: 'tabular'; readonly size: number }
  | {
      readonly kind: 'image';
      readonly size: number;
      readonly height: number;
      readonly width: number;
      readonly channels: number;
      /** Element offset of pixel (y, x), channel c. */
      readonly offset: (y: number, x: number, c: number) => number;
    };

/**
 * Works out the layout of one example of shape `shape` (no batch axis). Rank 2 is an image
 * `[H, W]`; rank 3 follows `preprocessing.image.layout` when set, else `[C, H, W]` when the first
 * axis has at most 4 entries and the last more, and `[H, W, C]` otherwise.
 */
export function exampleLayout(shape: readonly number[], steps?: ImagePreprocessing): ExampleLayout {
  const size = shapeSize(shape);
  if (shape.length === 2) {
    const [height, width] = shape as [number, number];
    return { kind: 'image', size, height, width, channels: 1, offset: (y, x) => y * width + x };
  }
  if (shape.length === 3) {
    const [a, b, c] = shape as [number, number, number];
    const chw = steps?.layout ? steps.layout === 'NCHW' : a <= 4 && c > 4;
    if (chw) return { kind: 'image', size, height: b, width: c, channels: a, offset: (y, x, ch) => (ch * b + y) * c + x };
    return { kind: 'image', size, height: a, width: b, channels: c, offset: (y, x, ch) => (y * b + x) * c + ch };
  }
  return { kind: 'tabular', size };
}

/** A patch size as width and height, checked. */
export function patchDims(value: PatchSize | undefined, name: string, fallback: number): { width: number; height: number } {
  const dims = value === undefined ? { width: fallback, height: fallback } : typeof value === 'number' ? { width: value, height: value } : value;
  for (const [axis, v] of Object.entries(dims)) {
    if (!Number.isInteger(v) || v < 1) {
      throw new ServableError('INVALID_ARGUMENT', describeMismatch(`explain option "${name}"`, 'a positive integer or {width, height} of positive integers', `${axis} ${String(v)}`, 'give a size in pixels of the model input'));
    }
  }
  return dims;
}

/** The default patch side for an image: about a seventh of its shorter side, at least 1. */
export function defaultPatchSide(layout: ExampleLayout): number {
  return layout.kind === 'image' ? Math.max(1, Math.round(Math.min(layout.height, layout.width) / 7)) : 1;
}

function starts(extent: number, patch: number, stride: number): number[] {
  const last = Math.max(0, extent - patch);
  const out: number[] = [];
  for (let s = 0; s < last; s += stride) out.push(s);
  out.push(last);
  return out;
}

/**
 * The element offsets of every patch position on an image, every channel of a pixel together.
 * Positions advance by `stride` and the last one touches the far edge, so every pixel is covered.
 */
export function imageWindows(layout: Extract<ExampleLayout, { kind: 'image' }>, patch: { width: number; height: number }, stride: { width: number; height: number }): Int32Array[] {
  const ph = Math.min(patch.height, layout.height);
  const pw = Math.min(patch.width, layout.width);
  const windows: Int32Array[] = [];
  for (const y0 of starts(layout.height, ph, stride.height)) {
    for (const x0 of starts(layout.width, pw, stride.width)) {
      const w = new Int32Array(ph * pw * layout.channels);
      let k = 0;
      for (let y = y0; y < y0 + ph; y++) for (let x = x0; x < x0 + pw; x++) for (let c = 0; c < layout.channels; c++) w[k++] = layout.offset(y, x, c);
      windows.push(w);
    }
  }
  return windows;
}

/** Non-overlapping patches tiling an image (the last row and column may be smaller). */
export function imageTiles(layout: Extract<ExampleLayout, { kind: 'image' }>, patch: { width: number; height: number }): Int32Array[] {
  const tiles: Int32Array[] = [];
  for (let y0 = 0; y0 < layout.height; y0 += patch.height) {
    for (let x0 = 0; x0 < layout.width; x0 += patch.width) {
      const y1 = Math.min(layout.height, y0 + patch.height);
      const x1 = Math.min(layout.width, x0 + patch.width);
      const t = new Int32Array((y1 - y0) * (x1 - x0) * layout.channels);
      let k = 0;
      for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) for (let c = 0; c < layout.channels; c++) t[k++] = layout.offset(y, x, c);
      tiles.push(t);
    }
  }
  return tiles;
}

/** One group per element: per-feature masking for tabular input. */
export function elementGroups(size: number): Int32Array[] {
  return Array.from({ length: size }, (_, i) => Int32Array.of(i));
}

/** `[28, 28]` image or `[6]` features, for messages. */
export function describeLayout(shape: readonly number[], layout: ExampleLayout): string {
  return layout.kind === 'image' ? `a ${layout.height}×${layout.width} image of ${formatShape(shape)}` : `${layout.size} features of ${formatShape(shape)}`;
}
