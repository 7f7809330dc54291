import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { TensorSpec } from '@servable/core';
import { checkDeclared, tensorDataJson, tensorFromJson, tensorFromRaw, tensorToRaw } from './tensor-codec.js';

const spec: TensorSpec = { name: 'x', dtype: 'float32', shape: ['batch', 3] };

describe('checkDeclared', () => {
  it('returns the element count of a valid shape', () => {
    expect(checkDeclared(spec, 'float32', [4, 3], 1000)).toBe(12);
  });

  it.each([
    [[-1, 3], /non-negative integer dimensions, got -1 at index 0/],
    [[1.5, 3], /got 1.5 at index 0/],
    [[2 ** 53, 3], /non-negative integer dimensions/],
    [[1000, 1000, 1000], /expected at most 1000 elements/],
    ['2,3', /shape: expected an array/],
    [[2, 4], /dimension 1 must be 3/],
    [[2, 3, 1], /give 2 dimensions/],
  ])('refuses %j', (shape, message) => {
    expect(() => checkDeclared(spec, 'float32', shape, 1000)).toThrow(message);
  });

  it('refuses another dtype', () => {
    expect(() => checkDeclared(spec, 'float64', [1, 3], 1000)).toThrow(/got datatype float64/);
  });

  it('refuses any shape whose product passes the cap, however it overflows', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 2 ** 31 }), { minLength: 1, maxLength: 6 }), (dims) => {
        const product = dims.reduce((a, b) => a * b, 1);
        const s: TensorSpec = { name: 'x', dtype: 'uint8', shape: dims.map((_, i) => `d${i}`) };
        if (product > 1 << 20) expect(() => checkDeclared(s, 'uint8', dims, 1 << 20)).toThrow(/at most/);
        else expect(checkDeclared(s, 'uint8', dims, 1 << 20)).toBe(product);
      }),
    );
  });
});

describe('raw and JSON data', () => {
  it('round-trips every numeric dtype through raw bytes', () => {
    const cases = [
      { dtype: 'float32', data: new Float32Array([1.5, -2]) },
      { dtype: 'float64', data: new Float64Array([0.1, 1e300]) },
      { dtype: 'int64', data: new BigInt64Array([-(2n ** 63n), 2n ** 63n - 1n]) },
      { dtype: 'uint16', data: new Uint16Array([0, 65535]) },
      { dtype: 'bool', data: new Uint8Array([1, 0]) },
    ] as const;
    for (const c of cases) {
      const raw = tensorToRaw({ dtype: c.dtype, shape: [2], data: c.data } as never);
      const back = tensorFromRaw('input "x"', c.dtype, [2], 2, Uint8Array.from(raw));
      expect(Array.from(back.data as ArrayLike<unknown>)).toEqual(Array.from(c.data as ArrayLike<unknown>));
    }
  });

  it('reads raw data from an unaligned view', () => {
    const buffer = Buffer.alloc(9);
    Buffer.from(new Float32Array([3, 4]).buffer).copy(buffer, 1);
    expect(Array.from(tensorFromRaw('input "x"', 'float32', [2], 2, buffer.subarray(1)).data as Float32Array)).toEqual([3, 4]);
  });

  it('refuses raw BYTES whose lengths run past the data', () => {
    const raw = Buffer.from([5, 0, 0, 0, 65]);
    expect(() => tensorFromRaw('input "x"', 'string', [1], 1, raw)).toThrow(/element 0: expected 5 bytes, got 1/);
  });

  it('writes non-finite floats as null so the answer stays JSON', () => {
    expect(tensorDataJson({ dtype: 'float32', shape: [3], data: new Float32Array([NaN, Infinity, 1]) })).toBe('[null,null,1]');
  });

  it('reads int64 from numbers and decimal strings, refusing out-of-range values', () => {
    const t = tensorFromJson('input "x"', 'int64', [2], 2, [1, '-9223372036854775808']);
    expect(Array.from(t.data as BigInt64Array)).toEqual([1n, -(2n ** 63n)]);
    expect(() => tensorFromJson('input "x"', 'uint64', [1], 1, ['-1'])).toThrow(/expected a uint64 in \[0, 18446744073709551615\], got -1/);
  });
});

describe('tensorFromJson nesting', () => {
  it.each([
    [[[0], [0, 0]], /input "x" data\[1\]: expected nested arrays of equal lengths/],
    [[[0, 0], [0]], /data\[1\]: expected nested arrays of equal lengths/],
    [[0, [0, 0]], /data\[1\]: expected nested arrays of equal lengths/],
    [[[0, 0], 0], /data\[1\]: expected nested arrays of equal lengths/],
    [[[0], [[0]], [0]], /data\[1\]\[0\]: expected nested arrays of equal lengths/],
  ])('refuses ragged data %j, naming the input', (data, message) => {
    expect(() => tensorFromJson('input "x"', 'float32', [1, 3], 3, data)).toThrow(message);
  });

  it('accepts regular nestings row-major', () => {
    const t = tensorFromJson('input "x"', 'float32', [2, 3], 6, [[1, 2, 3], [4, 5, 6]]);
    expect(Array.from(t.data as Float32Array)).toEqual([1, 2, 3, 4, 5, 6]);
    const deeper = tensorFromJson('input "x"', 'float32', [2, 3], 6, [[[1], [2], [3]], [[4], [5], [6]]]);
    expect(Array.from(deeper.data as Float32Array)).toEqual([1, 2, 3, 4, 5, 6]);
  });
});
