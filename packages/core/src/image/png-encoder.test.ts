import { crc32 as zlibCrc32, deflateSync, inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ServableError } from '../errors/servable-error.js';
import { adler32 } from './adler32.js';
import { crc32 } from './crc32.js';
import { encodePng, encodePngSync } from './png-encoder.js';
import { zlibStored } from './zlib-deflate.js';

interface DecodedPng {
  width: number;
  height: number;
  bitDepth: number;
  colorType: number;
  chunks: string[];
  pixels: Uint8Array;
}

const CHANNELS: Record<number, number> = { 0: 1, 4: 2, 2: 3, 6: 4 };

/** A small PNG reader built on node:zlib: checks every chunk's CRC and undoes the row filters. */
function decodePng(file: Uint8Array): DecodedPng {
  expect(Array.from(file.subarray(0, 8))).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const chunks: string[] = [];
  const idat: Uint8Array[] = [];
  let ihdr: DataView | undefined;
  let o = 8;
  while (o < file.length) {
    const length = view.getUint32(o);
    const type = String.fromCharCode(...file.subarray(o + 4, o + 8));
    const body = file.subarray(o + 8, o + 8 + length);
    const crc = view.getUint32(o + 8 + length);
    expect(crc, `CRC of ${type}`).toBe(zlibCrc32(file.subarray(o + 4, o + 8 + length)));
    chunks.push(type);
    if (type === 'IHDR') ihdr = new DataView(body.buffer, body.byteOffset, body.byteLength);
    if (type === 'IDAT') idat.push(body);
    o += 12 + length;
  }
  expect(o).toBe(file.length);
  const width = ihdr!.getUint32(0);
  const height = ihdr!.getUint32(4);
  const colorType = ihdr!.getUint8(9);
  const channels = CHANNELS[colorType]!;
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  expect(raw.length).toBe(height * (stride + 1));
  const pixels = new Uint8Array(width * height * channels);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    for (let i = 0; i < stride; i++) {
      const v = raw[y * (stride + 1) + 1 + i]!;
      const left = i >= channels ? pixels[y * stride + i - channels]! : 0;
      const up = y > 0 ? pixels[(y - 1) * stride + i]! : 0;
      if (filter === 0) pixels[y * stride + i] = v;
      else if (filter === 1) pixels[y * stride + i] = (v + left) & 0xff;
      else if (filter === 2) pixels[y * stride + i] = (v + up) & 0xff;
      else throw new Error(`unexpected filter ${filter}`);
    }
  }
  return { width, height, bitDepth: ihdr!.getUint8(8), colorType, chunks, pixels };
}

function gradientImage(width: number, height: number, channels: 1 | 3 | 4) {
  const data = new Uint8Array(width * height * channels);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) for (let c = 0; c < channels; c++) data[(y * width + x) * channels + c] = (x * 7 + y * 13 + c * 50) & 0xff;
  return { data, width, height, channels };
}

describe('crc32 and adler32', () => {
  it('agree with node:zlib on known and random data', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    const bytes = Uint8Array.from({ length: 20000 }, (_, i) => (i * 2654435761) >>> 24);
    expect(crc32(bytes)).toBe(zlibCrc32(bytes));
    expect(crc32(bytes.subarray(5000), crc32(bytes.subarray(0, 5000)))).toBe(zlibCrc32(bytes));
    const deflated = deflateSync(bytes);
    expect(adler32(bytes)).toBe(deflated.readUInt32BE(deflated.length - 4));
    expect(adler32(new Uint8Array(0))).toBe(1);
  });

  it('zlibStored writes a stream node:zlib inflates, across several 64 KiB blocks', () => {
    const bytes = Uint8Array.from({ length: 150_000 }, (_, i) => (i * 31) & 0xff);
    expect(Buffer.compare(inflateSync(zlibStored(bytes)), Buffer.from(bytes))).toBe(0);
    expect(inflateSync(zlibStored(new Uint8Array(0))).length).toBe(0);
  });
});

describe('encodePng', () => {
  it('writes RGBA pixels that decode back exactly, with valid CRCs (deflated)', async () => {
    const image = gradientImage(37, 23, 4);
    const png = await encodePng(image);
    const decoded = decodePng(png);
    expect(decoded).toMatchObject({ width: 37, height: 23, bitDepth: 8, colorType: 6, chunks: ['IHDR', 'IDAT', 'IEND'] });
    expect(Array.from(decoded.pixels)).toEqual(Array.from(image.data));
    expect(png.length).toBeLessThan(image.data.length);
  });

  it('writes gray and RGB images with stored blocks, synchronously', () => {
    for (const channels of [1, 3] as const) {
      const image = gradientImage(300, 250, channels);
      const png = encodePngSync(image);
      const decoded = decodePng(png);
      expect(decoded.colorType).toBe(channels === 1 ? 0 : 2);
      expect(Buffer.compare(Buffer.from(decoded.pixels), Buffer.from(image.data))).toBe(0);
    }
  });

  it('gives the same pixels with compression none', async () => {
    const image = gradientImage(5, 4, 3);
    expect(decodePng(await encodePng(image, { compression: 'none' })).pixels).toEqual(image.data);
  });

  it('rejects data that does not match the size, naming both', async () => {
    const err = await encodePng({ data: new Uint8Array(10), width: 3, height: 3 }).catch((e: unknown) => e);
    expect(ServableError.isInstance(err) && err.code).toBe('INVALID_ARGUMENT');
    expect((err as Error).message).toMatch(/PNG image: expected 9 pixels × 1, 2, 3 or 4 channels, got 10 bytes for 3×3/);
    expect(() => encodePngSync({ data: new Uint8Array(0), width: 0, height: 1 })).toThrow(/positive integer width and height/);
  });
});
