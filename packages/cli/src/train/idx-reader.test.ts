import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { parseIdx, readIdxFolder } from './idx-reader.js';

function idx(dims: number[], data: number[]): Buffer {
  const head = Buffer.alloc(4 + dims.length * 4);
  head[2] = 0x08;
  head[3] = dims.length;
  dims.forEach((d, i) => head.writeUInt32BE(d, 4 + i * 4));
  return Buffer.concat([head, Buffer.from(data)]);
}

describe('IDX files', () => {
  it('parses plain and gzip IDX arrays', () => {
    const plain = parseIdx(idx([2, 2], [1, 2, 3, 4]), 'a');
    expect(plain.dims).toEqual([2, 2]);
    expect(Array.from(plain.data)).toEqual([1, 2, 3, 4]);
    expect(Array.from(parseIdx(gzipSync(idx([3], [7, 8, 9])), 'b').data)).toEqual([7, 8, 9]);
  });

  it('names truncated files and foreign bytes', () => {
    expect(() => parseIdx(idx([4], [1]), 'x.idx')).toThrow(/x.idx: expected 4 bytes of data for dims \[4\], got 1/);
    expect(() => parseIdx(Buffer.from('hello'), 'y.idx')).toThrow(/y.idx: expected an IDX file/);
  });

  it('reads a train folder and checks images and labels agree', () => {
    const dir = mkdtempSync(join(tmpdir(), 'idx-'));
    writeFileSync(join(dir, 'train-images-idx3-ubyte.gz'), gzipSync(idx([2, 2, 2], [0, 1, 2, 3, 4, 5, 6, 7])));
    writeFileSync(join(dir, 'train-labels-idx1-ubyte'), idx([2], [3, 9]));
    const set = readIdxFolder(dir, 'train')!;
    expect(set).toMatchObject({ count: 2, height: 2, width: 2 });
    expect(Array.from(set.labels)).toEqual([3, 9]);
    expect(readIdxFolder(dir, 't10k')).toBeUndefined();
    writeFileSync(join(dir, 't10k-labels-idx1-ubyte'), idx([1], [0]));
    expect(() => readIdxFolder(dir, 't10k')).toThrow(/got only the labels/);
  });
});
