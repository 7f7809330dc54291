import { describe, expect, it } from 'vitest';
import { ServableError } from '../errors/servable-error.js';
import { allocateData, dtypeOfData, integerRange, isBigIntDType, isFloatDType, isIntegerDType, bytesPerElement, type DType } from './dtype.js';
import { concatBatch, createTensor, formatShape, isTensor, shapeSize, sliceBatch, tensorByteLength } from './tensor.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return ServableError.isInstance(e) ? e.code : `not a ServableError: ${String(e)}`;
  }
  return undefined;
}

describe('createTensor', () => {
  it('allocates zeros of the right storage when data is omitted', () => {
    const t = createTensor('int64', [2, 3]);
    expect(t.data).toBeInstanceOf(BigInt64Array);
    expect(t.data.length).toBe(6);
    expect(createTensor('string', [2]).data).toEqual(['', '']);
    expect(createTensor('bool', [1]).data).toBeInstanceOf(Uint8Array);
    expect(createTensor('float16', [4]).data).toBeInstanceOf(Uint16Array);
  });

  it('copies the shape so later changes to the caller array do not leak in', () => {
    const shape = [2, 2];
    const t = createTensor('float32', shape, new Float32Array(4));
    shape[0] = 7;
    expect(t.shape).toEqual([2, 2]);
  });

  it('rejects an unknown dtype', () => {
    expect(codeOf(() => createTensor('float8' as DType, [1]))).toBe('INVALID_INPUT');
  });

  it('rejects negative, fractional and non-finite dimensions', () => {
    expect(codeOf(() => createTensor('float32', [-1]))).toBe('SHAPE_MISMATCH');
    expect(codeOf(() => createTensor('float32', [1.5]))).toBe('SHAPE_MISMATCH');
    expect(codeOf(() => createTensor('float32', [Infinity]))).toBe('SHAPE_MISMATCH');
  });

  it('rejects data whose length is not the product of the shape, naming both', () => {
    try {
      createTensor('float32', [2, 3], new Float32Array(5));
      expect.unreachable();
    } catch (e) {
      expect(ServableError.isInstance(e) && e.code).toBe('SHAPE_MISMATCH');
      expect((e as Error).message).toContain('[2, 3]');
      expect((e as Error).message).toContain('expected 6 elements, got 5');
    }
  });

  it('rejects storage of another dtype', () => {
    expect(codeOf(() => createTensor('float64', [2], new Float32Array(2) as never))).toBe('INVALID_INPUT');
    expect(codeOf(() => createTensor('int32', [2], [1, 2] as never))).toBe('INVALID_INPUT');
    expect(codeOf(() => createTensor('string', [2], new Uint8Array(2) as never))).toBe('INVALID_INPUT');
    expect(codeOf(() => createTensor('string', [1], [3] as never))).toBe('INVALID_INPUT');
    expect(codeOf(() => createTensor('bool', [2], new Uint8Array([0, 1])))).toBeUndefined();
    expect(codeOf(() => createTensor('float16', [1], new Uint16Array(1)))).toBeUndefined();
  });

  it('accepts a scalar (empty shape) and zero-size dimensions', () => {
    expect(createTensor('float32', [], new Float32Array([5])).data[0]).toBe(5);
    expect(createTensor('float32', [0, 4]).data.length).toBe(0);
  });
});

describe('tensor helpers', () => {
  it('shapeSize, formatShape, isTensor, tensorByteLength', () => {
    expect(shapeSize([])).toBe(1);
    expect(shapeSize([2, 3, 4])).toBe(24);
    expect(formatShape(['batch', 28, 28])).toBe('[batch, 28, 28]');
    expect(isTensor({ dtype: 'float32', shape: [1], data: new Float32Array(1) })).toBe(true);
    expect(isTensor({ dtype: 'float32', shape: [1], data: 'x' })).toBe(false);
    expect(isTensor({ dtype: 'nope', shape: [1], data: [1] })).toBe(false);
    expect(tensorByteLength(createTensor('float64', [3]))).toBe(24);
    expect(tensorByteLength({ dtype: 'string', shape: [2], data: ['é', 'ab'] })).toBe(4);
  });

  it('dtype facts', () => {
    expect(integerRange('int8')).toEqual({ min: -128n, max: 127n });
    expect(integerRange('uint64')).toEqual({ min: 0n, max: 2n ** 64n - 1n });
    expect(integerRange('float32')).toBeUndefined();
    expect(isFloatDType('float16')).toBe(true);
    expect(isIntegerDType('uint32')).toBe(true);
    expect(isIntegerDType('bool')).toBe(false);
    expect(isBigIntDType('int64')).toBe(true);
    expect(bytesPerElement('float16')).toBe(2);
    expect(bytesPerElement('string')).toBe(0);
    expect(dtypeOfData(new BigUint64Array(1))).toBe('uint64');
    expect(dtypeOfData([1])).toBeUndefined();
    expect(allocateData('uint64', 2)).toBeInstanceOf(BigUint64Array);
  });
});

describe('sliceBatch and concatBatch', () => {
  const a = createTensor('int32', [2, 3], new Int32Array([1, 2, 3, 4, 5, 6]));
  const b = createTensor('int32', [1, 3], new Int32Array([7, 8, 9]));

  it('concatenates along the first axis', () => {
    const c = concatBatch([a, b]);
    expect(c.shape).toEqual([3, 3]);
    expect(Array.from(c.data)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(c.data).toBeInstanceOf(Int32Array);
  });

  it('concatenates strings', () => {
    const c = concatBatch([
      { dtype: 'string', shape: [1, 2], data: ['a', 'b'] },
      { dtype: 'string', shape: [1, 2], data: ['c', 'd'] },
    ]);
    expect(c.data).toEqual(['a', 'b', 'c', 'd']);
  });

  it('slices rows as copies', () => {
    const c = concatBatch([a, b]);
    const s = sliceBatch(c, 1, 3);
    expect(s.shape).toEqual([2, 3]);
    expect(Array.from(s.data)).toEqual([4, 5, 6, 7, 8, 9]);
    (s.data as Int32Array)[0] = 100;
    expect(c.data[3]).toBe(4);
    expect(sliceBatch(createTensor('float32', [0, 2]), 0, 0).shape).toEqual([0, 2]);
  });

  it('refuses to stack tensors that differ in dtype or trailing dimensions', () => {
    expect(codeOf(() => concatBatch([]))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => concatBatch([a, createTensor('int32', [1, 2])]))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => concatBatch([a, createTensor('float32', [1, 3])] as never))).toBe('INVALID_ARGUMENT');
  });

  it('returns a lone tensor unchanged', () => {
    expect(concatBatch([a])).toBe(a);
  });
});
