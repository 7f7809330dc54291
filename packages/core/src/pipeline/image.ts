import { ServableError, describeMismatch } from '../errors/servable-error.js';
import type { ImagePreprocessing } from '../model/manifest.js';
import type { TensorSpec } from '../model/signature.js';
import { formatSpec } from '../model/signature.js';

/**
 * Image-like input: pixels row by row, interleaved channels (1 = gray, 3 = RGB, 4 = RGBA).
 * A browser `ImageData` fits as is.
 */
export interface ImageInput {
  /** Pixel values, `width × height × channels` of them, row by row with channels interleaved (bytes 0–255, or floats). */
  readonly data: Uint8Array | Uint8ClampedArray | Float32Array;
  /** Width in pixels, a positive integer. */
  readonly width: number;
  /** Height in pixels, a positive integer. */
  readonly height: number;
  /** Channels per pixel; inferred from `data.length / (width × height)` when omitted. */
  readonly channels?: 1 | 3 | 4;
}

/** True when `value` has `data`, `width` and `height` like {@link ImageInput}. */
export function isImageInput(value: unknown): value is ImageInput {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    (v.data instanceof Uint8Array || v.data instanceof Uint8ClampedArray || v.data instanceof Float32Array) &&
    typeof v.width === 'number' &&
    typeof v.height === 'number'
  );
}

/** Where the image goes in the tensor: layout and the size and channels it must have. */
export interface ImageTarget {
  /** Axis order of the input tensor: channels last (`NHWC`), channels first (`NCHW`) or no channel axis (`NHW`). */
  readonly layout: 'NHWC' | 'NCHW' | 'NHW';
  /** Width in pixels the input requires; undefined when its width dimension is not fixed. */
  readonly width?: number;
  /** Height in pixels the input requires; undefined when its height dimension is not fixed. */
  readonly height?: number;
  /** Channels the input requires (1 for `NHW`; 3 when the shape does not fix it). */
  readonly channels: number;
}

/** Works out the layout and size an input expects, from the manifest or from its shape. */
export function imageTarget(spec: TensorSpec, steps: ImagePreprocessing = {}): ImageTarget {
  const dims = spec.shape;
  const fixed = (d: unknown) => (typeof d === 'number' && d > 0 ? d : undefined);
  let layout = steps.layout;
  if (!layout) {
    if (dims.length === 3) layout = 'NHW';
    else if (dims.length === 4) {
      const c1 = fixed(dims[1]);
      const c3 = fixed(dims[3]);
      layout = c1 !== undefined && c1 <= 4 && !(c3 !== undefined && c3 <= 4) ? 'NCHW' : 'NHWC';
    } else {
      throw new ServableError(
        'SHAPE_MISMATCH',
        describeMismatch(`input "${spec.name}"`, 'an image input of rank 3 [batch, H, W] or rank 4 (NHWC/NCHW)', formatSpec(spec), 'pass a tensor or an array instead of an image'),
      );
    }
  }
  if (layout === 'NHW') return { layout, height: fixed(dims[1]), width: fixed(dims[2]), channels: 1 };
  if (layout === 'NCHW') return { layout, channels: fixed(dims[1]) ?? 3, height: fixed(dims[2]), width: fixed(dims[3]) };
  return { layout, height: fixed(dims[1]), width: fixed(dims[2]), channels: fixed(dims[3]) ?? 3 };
}

/**
 * Resizes interleaved float pixels with bilinear interpolation (pixel centres aligned, as
 * OpenCV's `INTER_LINEAR` and PIL's bilinear without antialiasing).
 */
export function resizeBilinear(src: Float32Array, width: number, height: number, channels: number, outWidth: number, outHeight: number): Float32Array {
  if (width === outWidth && height === outHeight) return src;
  const out = new Float32Array(outWidth * outHeight * channels);
  const sx = width / outWidth;
  const sy = height / outHeight;
  for (let y = 0; y < outHeight; y++) {
    const fy = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), height - 1);
    const y0 = Math.floor(fy);
    const y1 = Math.min(y0 + 1, height - 1);
    const wy = fy - y0;
    for (let x = 0; x < outWidth; x++) {
      const fx = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), width - 1);
      const x0 = Math.floor(fx);
      const x1 = Math.min(x0 + 1, width - 1);
      const wx = fx - x0;
      for (let c = 0; c < channels; c++) {
        const a = src[(y0 * width + x0) * channels + c]!;
        const b = src[(y0 * width + x1) * channels + c]!;
        const d = src[(y1 * width + x0) * channels + c]!;
        const e = src[(y1 * width + x1) * channels + c]!;
        out[(y * outWidth + x) * channels + c] = (a * (1 - wx) + b * wx) * (1 - wy) + (d * (1 - wx) + e * wx) * wy;
      }
    }
  }
  return out;
}

/**
 * Applies the manifest's image steps to one image and returns the example's values in the
 * target layout (without the batch axis) and their shape.
 * @param image - the image
 * @param spec - the input it feeds
 * @param steps - preprocessing from the manifest
 */
export function preprocessImage(
  image: ImageInput,
  spec: TensorSpec,
  steps: ImagePreprocessing = {},
): {
  /** The example's preprocessed values, in the target layout. */
  values: Float32Array;
  /** Shape of `values`, without the batch axis. */
  shape: number[];
} {
  const subject = `input "${spec.name}"`;
  const { width, height } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new ServableError('INVALID_INPUT', describeMismatch(`${subject} image`, 'positive integer width and height', `${width}×${height}`));
  }
  const pixels = width * height;
  const channels = image.channels ?? image.data.length / pixels;
  if (![1, 3, 4].includes(channels) || image.data.length !== pixels * channels) {
    throw new ServableError(
      'INVALID_INPUT',
      describeMismatch(`${subject} image`, `${pixels} pixels × 1, 3 or 4 channels`, `${image.data.length} values for ${width}×${height}`, 'check width, height and channels'),
    );
  }
  const target = imageTarget(spec, steps);
  let c = channels === 4 ? 3 : channels;
  const outW = steps.resize?.width ?? target.width ?? width;
  const outH = steps.resize?.height ?? target.height ?? height;
  const gray = Boolean(steps.grayscale) && c === 3;
  const channelsAfter = gray ? 1 : c;
  if (channelsAfter !== target.channels && !(channelsAfter === 1 && target.channels === 3)) {
    throw new ServableError(
      'SHAPE_MISMATCH',
      describeMismatch(subject, `${target.channels} channel(s) ${formatSpec(spec)}`, `an image with ${channelsAfter} channel(s)`, channelsAfter === 3 ? 'set preprocessing.image.grayscale in servable.json' : 'convert the image'),
    );
  }
  // The common case (no grayscale, no resize, no channel expansion) reads the pixels in place;
  // the others go through one float buffer first.
  let src: ArrayLike<number> = image.data;
  let stride = channels;
  if (gray || channelsAfter !== target.channels || outW !== width || outH !== height) {
    let buf: Float32Array = new Float32Array(pixels * c);
    for (let p = 0; p < pixels; p++) for (let k = 0; k < c; k++) buf[p * c + k] = image.data[p * channels + k]!;
    if (gray) {
      const g = new Float32Array(pixels);
      for (let p = 0; p < pixels; p++) g[p] = 0.299 * buf[p * 3]! + 0.587 * buf[p * 3 + 1]! + 0.114 * buf[p * 3 + 2]!;
      buf = g;
      c = 1;
    }
    if (c !== target.channels) {
      const rgb = new Float32Array(pixels * 3);
      for (let p = 0; p < pixels; p++) rgb[p * 3] = rgb[p * 3 + 1] = rgb[p * 3 + 2] = buf[p]!;
      buf = rgb;
      c = 3;
    }
    src = resizeBilinear(buf, width, height, c, outW, outH);
    stride = c;
  }
  const scale = steps.scale ?? 1;
  const mean = steps.mean;
  const std = steps.std;
  if ((mean && mean.length !== c && mean.length !== 1) || (std && std.length !== c && std.length !== 1)) {
    throw new ServableError('MANIFEST_INVALID', describeMismatch('preprocessing.image mean/std', `1 or ${c} values`, `${mean?.length ?? 0}/${std?.length ?? 0}`));
  }
  // ((invert ? 255 − v : v) × scale − mean) / std as one multiply-add per value: v × a + b.
  const a = new Float64Array(c);
  const b = new Float64Array(c);
  for (let k = 0; k < c; k++) {
    const m = mean ? mean[mean.length === 1 ? 0 : k]! : 0;
    const sd = std ? std[std.length === 1 ? 0 : k]! : 1;
    a[k] = ((steps.invert ? -1 : 1) * scale) / sd;
    b[k] = ((steps.invert ? 255 * scale : 0) - m) / sd;
  }
  const plane = outW * outH;
  const values = new Float32Array(plane * c);
  if (target.layout === 'NCHW') {
    for (let k = 0; k < c; k++) {
      const ak = a[k]!;
      const bk = b[k]!;
      const base = k * plane;
      for (let p = 0, q = k; p < plane; p++, q += stride) values[base + p] = src[q]! * ak + bk;
    }
    return { values, shape: [c, outH, outW] };
  }
  for (let k = 0; k < c; k++) {
    const ak = a[k]!;
    const bk = b[k]!;
    for (let p = 0, q = k, o = k; p < plane; p++, q += stride, o += c) values[o] = src[q]! * ak + bk;
  }
  return target.layout === 'NHW' ? { values, shape: [outH, outW] } : { values, shape: [outH, outW, c] };
}
