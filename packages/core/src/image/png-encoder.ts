import { ServableError, describeMismatch } from '../errors/servable-error.js';
import { crc32 } from './crc32.js';
import { zlibCompress, zlibStored } from './zlib-deflate.js';

/** 8-bit pixels, row by row, interleaved channels (1 gray, 2 gray+alpha, 3 RGB, 4 RGBA). A browser `ImageData` fits. */
export interface PixelImage {
  /** Pixel bytes, `width × height × channels` of them. */
  readonly data: Uint8Array | Uint8ClampedArray;
  /** Width in pixels, a positive integer. */
  readonly width: number;
  /** Height in pixels, a positive integer. */
  readonly height: number;
  /** Channels per pixel (default: `data.length / (width × height)`). */
  readonly channels?: 1 | 2 | 3 | 4;
}

/** Options of {@link encodePng}. */
export interface PngOptions {
  /**
   * `auto` (default): deflate with the engine's `CompressionStream` when it has one, stored
   * blocks otherwise; `none`: stored blocks always (bigger, byte-for-byte predictable).
   */
  readonly compression?: 'auto' | 'none';
}

const SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);
const COLOR_TYPE: Record<number, number> = { 1: 0, 2: 4, 3: 2, 4: 6 };

function checkImage(image: PixelImage): number {
  const { width, height, data } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || width > 0x7fffffff || height > 0x7fffffff) {
    throw new ServableError('INVALID_ARGUMENT', describeMismatch('PNG image', 'positive integer width and height', `${width}×${height}`));
  }
  const channels = image.channels ?? data.length / (width * height);
  if (![1, 2, 3, 4].includes(channels) || data.length !== width * height * channels) {
    throw new ServableError(
      'INVALID_ARGUMENT',
      describeMismatch('PNG image', `${width * height} pixels × 1, 2, 3 or 4 channels`, `${data.length} bytes for ${width}×${height}`, 'check width, height and channels'),
    );
  }
  return channels;
}

function chunk(type: string, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + body.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, body.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(body, 8);
  view.setUint32(8 + body.length, crc32(out.subarray(4, 8 + body.length)));
  return out;
}

function header(width: number, height: number, channels: number): Uint8Array {
  const ihdr = new Uint8Array(13);
  const view = new DataView(ihdr.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  ihdr[8] = 8; // bit depth
  ihdr[9] = COLOR_TYPE[channels]!;
  // compression 0 (deflate), filter method 0, no interlace
  return ihdr;
}

/**
 * Scanlines with their filter bytes. `adaptive` picks, per row, the filter among None, Sub and
 * Up with the smallest sum of absolute residuals (libpng's heuristic), which helps deflate;
 * without it every row uses None.
 */
function scanlines(image: PixelImage, channels: number, adaptive: boolean): Uint8Array<ArrayBuffer> {
  const { width, height, data } = image;
  const stride = width * channels;
  const out = new Uint8Array(height * (stride + 1));
  const sub = new Uint8Array(stride);
  const up = new Uint8Array(stride);
  for (let y = 0; y < height; y++) {
    const row = data.subarray(y * stride, (y + 1) * stride);
    const o = y * (stride + 1);
    if (!adaptive) {
      out[o] = 0;
      out.set(row, o + 1);
      continue;
    }
    let costNone = 0;
    let costSub = 0;
    let costUp = 0;
    for (let i = 0; i < stride; i++) {
      const v = row[i]!;
      sub[i] = (v - (i >= channels ? row[i - channels]! : 0)) & 0xff;
      up[i] = (v - (y > 0 ? data[(y - 1) * stride + i]! : 0)) & 0xff;
      costNone += v < 128 ? v : 256 - v;
      costSub += sub[i]! < 128 ? sub[i]! : 256 - sub[i]!;
      costUp += up[i]! < 128 ? up[i]! : 256 - up[i]!;
    }
    if (costUp <= costSub && costUp < costNone) {
      out[o] = 2;
      out.set(up, o + 1);
    } else if (costSub < costNone) {
      out[o] = 1;
      out.set(sub, o + 1);
    } else {
      out[o] = 0;
      out.set(row, o + 1);
    }
  }
  return out;
}

function assemble(image: PixelImage, channels: number, idat: Uint8Array): Uint8Array {
  const parts = [SIGNATURE, chunk('IHDR', header(image.width, image.height, channels)), chunk('IDAT', idat), chunk('IEND', new Uint8Array(0))];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/**
 * Encodes 8-bit pixels as a PNG file, in plain TypeScript (browsers and Node alike): deflated by
 * the engine's `CompressionStream` where there is one, stored blocks otherwise.
 * @param image - pixels (gray, gray+alpha, RGB or RGBA)
 * @param options - compression
 * @returns the PNG file's bytes
 * @throws ServableError `INVALID_ARGUMENT` when the size and the data disagree
 */
export async function encodePng(image: PixelImage, options: PngOptions = {}): Promise<Uint8Array> {
  const channels = checkImage(image);
  if (options.compression === 'none') return encodePngSync(image);
  return assemble(image, channels, await zlibCompress(scanlines(image, channels, true)));
}

/**
 * Encodes 8-bit pixels as a PNG file synchronously, with stored (uncompressed) deflate blocks.
 * @param image - pixels (gray, gray+alpha, RGB or RGBA)
 * @throws ServableError `INVALID_ARGUMENT` when the size and the data disagree
 */
export function encodePngSync(image: PixelImage): Uint8Array {
  const channels = checkImage(image);
  return assemble(image, channels, zlibStored(scanlines(image, channels, false)));
}
