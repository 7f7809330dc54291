import { adler32 } from './adler32.js';

const STORED_BLOCK = 65535;

/**
 * Wraps `data` in a zlib stream (RFC 1950) made of stored (uncompressed) deflate blocks: valid
 * for every inflater, synchronous, and dependency-free, at the cost of no compression.
 */
export function zlibStored(data: Uint8Array): Uint8Array {
  const blocks = Math.max(1, Math.ceil(data.length / STORED_BLOCK));
  const out = new Uint8Array(2 + blocks * 5 + data.length + 4);
  out[0] = 0x78; // deflate, 32 KiB window
  out[1] = 0x01; // no dictionary, fastest; (0x78 << 8 | 0x01) is a multiple of 31
  let o = 2;
  for (let b = 0; b < blocks; b++) {
    const start = b * STORED_BLOCK;
    const len = Math.min(STORED_BLOCK, data.length - start);
    out[o++] = b === blocks - 1 ? 1 : 0; // BFINAL, BTYPE 00 (stored)
    out[o++] = len & 0xff;
    out[o++] = len >>> 8;
    out[o++] = ~len & 0xff;
    out[o++] = (~len >>> 8) & 0xff;
    out.set(data.subarray(start, start + len), o);
    o += len;
  }
  const sum = adler32(data);
  out[o++] = sum >>> 24;
  out[o++] = (sum >>> 16) & 0xff;
  out[o++] = (sum >>> 8) & 0xff;
  out[o++] = sum & 0xff;
  return out;
}

/** True when this engine has `CompressionStream('deflate')` (Node ≥ 18, current browsers). */
export function hasCompressionStream(): boolean {
  return typeof (globalThis as { CompressionStream?: unknown }).CompressionStream === 'function';
}

/**
 * Compresses `data` into a zlib stream with the engine's `CompressionStream('deflate')` (whose
 * `deflate` format is zlib-wrapped), or with stored blocks where the engine has none.
 */
export async function zlibCompress(data: Uint8Array<ArrayBuffer>): Promise<Uint8Array> {
  if (!hasCompressionStream()) return zlibStored(data);
  const stream = new CompressionStream('deflate');
  const writer = stream.writable.getWriter();
  const written = writer.write(data).then(() => writer.close());
  const chunks: Uint8Array[] = [];
  const reader = stream.readable.getReader();
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    total += value.length;
  }
  await written;
  const out = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}
