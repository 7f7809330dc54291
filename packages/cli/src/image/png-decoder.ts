import { inflateSync } from 'node:zlib';
import { ServableError, type ImageInput } from '@servable/core';

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** A decoded PNG: 8-bit pixels, row by row, channels interleaved (1 gray, 3 RGB, 4 RGBA). */
export interface DecodedImage extends ImageInput {
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;
  readonly channels: 1 | 3 | 4;
}

function bad(subject: string, expected: string, received: string, fix = 'convert the image to an 8-bit non-interlaced PNG'): ServableError {
  return new ServableError('INVALID_INPUT', `${subject}: expected ${expected}, got ${received} — ${fix}`, { details: { subject, expected, received, fix } });
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/**
 * Decodes a non-interlaced PNG with 8-bit samples (gray, gray + alpha, RGB, RGBA) or a palette
 * (1, 2, 4 or 8 bits per index, `tRNS` transparency). Gray + alpha comes back as gray (alpha
 * dropped); a palette as RGB, or RGBA when it has transparency.
 * @param bytes - the file
 * @param subject - named in errors (the file name)
 * @throws ServableError `INVALID_INPUT` naming what the file has and what is supported
 */
export function decodePng(bytes: Uint8Array, subject = 'image'): DecodedImage {
  if (bytes.length < 8 || SIGNATURE.some((b, i) => bytes[i] !== b)) throw bad(subject, 'a PNG file (signature 89 50 4E 47)', 'other bytes');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 8;
  let width = 0;
  let height = 0;
  let bitDepth = 0;
  let colorType = -1;
  let palette: Uint8Array | undefined;
  let transparency: Uint8Array | undefined;
  const idat: Uint8Array[] = [];
  while (pos + 8 <= bytes.length) {
    const length = view.getUint32(pos);
    const type = String.fromCharCode(...bytes.subarray(pos + 4, pos + 8));
    const data = bytes.subarray(pos + 8, pos + 8 + length);
    if (data.length !== length) throw bad(subject, `a complete ${type} chunk of ${length} bytes`, `${data.length} bytes (a truncated file)`);
    pos += 12 + length;
    if (type === 'IHDR') {
      const h = new DataView(data.buffer, data.byteOffset, data.byteLength);
      width = h.getUint32(0);
      height = h.getUint32(4);
      bitDepth = data[8]!;
      colorType = data[9]!;
      if (data[12] !== 0) throw bad(subject, 'a non-interlaced PNG', 'an Adam7-interlaced one');
    } else if (type === 'PLTE') palette = data;
    else if (type === 'tRNS') transparency = data;
    else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') break;
  }
  if (width === 0 || height === 0) throw bad(subject, 'an IHDR chunk with a positive width and height', `${width}×${height}`);
  if (width * height > 64 * 1024 * 1024) throw bad(subject, 'at most 64 megapixels', `${width}×${height}`, 'resize the image first');
  const samplesPerPixel = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 }[colorType as 0 | 2 | 3 | 4 | 6];
  if (samplesPerPixel === undefined) throw bad(subject, 'color type 0, 2, 3, 4 or 6', `color type ${colorType}`);
  const depthOk = colorType === 3 ? [1, 2, 4, 8].includes(bitDepth) : bitDepth === 8;
  if (!depthOk) throw bad(subject, colorType === 3 ? 'a palette of 1, 2, 4 or 8 bits' : '8 bits per sample', `${bitDepth} bits`);
  if (colorType === 3 && !palette) throw bad(subject, 'a PLTE chunk for a palette image', 'none');
  let raw: Uint8Array;
  try {
    raw = new Uint8Array(inflateSync(Buffer.concat(idat)));
  } catch (cause) {
    throw bad(subject, 'zlib-compressed IDAT data', `data that does not inflate (${(cause as Error).message})`);
  }
  const bitsPerPixel = bitDepth * samplesPerPixel;
  const stride = Math.ceil((width * bitsPerPixel) / 8);
  const bpp = Math.max(1, bitsPerPixel >> 3);
  if (raw.length < height * (stride + 1)) throw bad(subject, `${height * (stride + 1)} bytes of pixel data`, `${raw.length}`);
  const rows = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const out = rows.subarray(y * stride, (y + 1) * stride);
    const prev = y > 0 ? rows.subarray((y - 1) * stride, y * stride) : undefined;
    for (let x = 0; x < stride; x++) {
      const a = x >= bpp ? out[x - bpp]! : 0;
      const b = prev ? prev[x]! : 0;
      const c = prev && x >= bpp ? prev[x - bpp]! : 0;
      let v = line[x]!;
      if (filter === 1) v += a;
      else if (filter === 2) v += b;
      else if (filter === 3) v += (a + b) >> 1;
      else if (filter === 4) v += paeth(a, b, c);
      else if (filter !== 0) throw bad(subject, 'row filters 0–4', `filter ${filter} on row ${y}`);
      out[x] = v & 0xff;
    }
  }
  const pixels = width * height;
  if (colorType === 0) return { data: rows, width, height, channels: 1 };
  if (colorType === 2) return { data: rows, width, height, channels: 3 };
  if (colorType === 6) return { data: rows, width, height, channels: 4 };
  if (colorType === 4) {
    const gray = new Uint8Array(pixels);
    for (let p = 0; p < pixels; p++) gray[p] = rows[p * 2]!;
    return { data: gray, width, height, channels: 1 };
  }
  const channels = transparency ? 4 : 3;
  const out = new Uint8Array(pixels * channels);
  const perByte = 8 / bitDepth;
  const mask = (1 << bitDepth) - 1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const byte = rows[y * stride + Math.floor(x / perByte)]!;
      const shift = 8 - bitDepth * ((x % perByte) + 1);
      const index = (byte >> shift) & mask;
      if (index * 3 + 2 >= palette!.length) throw bad(subject, `palette indices below ${palette!.length / 3}`, `index ${index}`);
      const o = (y * width + x) * channels;
      out[o] = palette![index * 3]!;
      out[o + 1] = palette![index * 3 + 1]!;
      out[o + 2] = palette![index * 3 + 2]!;
      if (channels === 4) out[o + 3] = transparency![index] ?? 255;
    }
  }
  return { data: out, width, height, channels };
}
