import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { ServableError } from '@servable/core';

/** An IDX array (the MNIST file format): unsigned bytes and their dimensions. */
export interface IdxArray {
  readonly dims: readonly number[];
  readonly data: Uint8Array;
}

/**
 * Parses an IDX file of unsigned bytes (type 0x08), gzip-compressed or not.
 * @throws ServableError `INVALID_INPUT` naming the file and what its header says
 */
export function parseIdx(bytes: Uint8Array, subject: string): IdxArray {
  const raw = bytes[0] === 0x1f && bytes[1] === 0x8b ? new Uint8Array(gunzipSync(bytes)) : bytes;
  if (raw.length < 4 || raw[0] !== 0 || raw[1] !== 0) {
    throw new ServableError('INVALID_INPUT', `${subject}: expected an IDX file (magic 00 00 08 NN), got other bytes — download the original MNIST files`);
  }
  if (raw[2] !== 0x08) throw new ServableError('INVALID_INPUT', `${subject}: expected unsigned bytes (type 0x08), got type 0x${raw[2]!.toString(16)}`);
  const rank = raw[3]!;
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const dims = Array.from({ length: rank }, (_, i) => view.getUint32(4 + i * 4));
  const size = dims.reduce((a, b) => a * b, 1);
  const start = 4 + rank * 4;
  if (raw.length < start + size) throw new ServableError('INVALID_INPUT', `${subject}: expected ${size} bytes of data for dims [${dims.join(', ')}], got ${raw.length - start} — the file is truncated`);
  return { dims, data: raw.subarray(start, start + size) };
}

/** Images (0–255) and labels read from an IDX folder. */
export interface IdxDataset {
  readonly images: Uint8Array;
  readonly labels: Uint8Array;
  readonly height: number;
  readonly width: number;
  readonly count: number;
}

function findFile(dir: string, base: string): string | undefined {
  for (const name of [base, `${base}.gz`, base.replace('-idx', '.idx'), `${base.replace('-idx', '.idx')}.gz`]) {
    const p = join(dir, name);
    if (existsSync(p)) return p;
  }
  return undefined;
}

/**
 * Reads `<prefix>-images-idx3-ubyte` and `<prefix>-labels-idx1-ubyte` (optionally `.gz`) from a folder;
 * `prefix` is `train` or `t10k`.
 * @throws ServableError `INVALID_INPUT` when a file is missing or the two disagree
 */
export function readIdxFolder(dir: string, prefix: 'train' | 't10k'): IdxDataset | undefined {
  const imagesPath = findFile(dir, `${prefix}-images-idx3-ubyte`);
  const labelsPath = findFile(dir, `${prefix}-labels-idx1-ubyte`);
  if (!imagesPath && !labelsPath) return undefined;
  if (!imagesPath || !labelsPath) {
    throw new ServableError('INVALID_INPUT', `data folder "${dir}": expected both ${prefix}-images-idx3-ubyte and ${prefix}-labels-idx1-ubyte (or .gz), got only ${imagesPath ? 'the images' : 'the labels'}`);
  }
  const images = parseIdx(new Uint8Array(readFileSync(imagesPath)), imagesPath);
  const labels = parseIdx(new Uint8Array(readFileSync(labelsPath)), labelsPath);
  if (images.dims.length !== 3 || labels.dims.length !== 1 || images.dims[0] !== labels.dims[0]) {
    throw new ServableError('INVALID_INPUT', `data folder "${dir}": expected images [n, h, w] and labels [n] with the same n, got [${images.dims.join(', ')}] and [${labels.dims.join(', ')}]`);
  }
  return { images: images.data, labels: labels.data, count: images.dims[0]!, height: images.dims[1]!, width: images.dims[2]! };
}
