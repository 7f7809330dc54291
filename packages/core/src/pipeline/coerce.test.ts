import { describe, expect, it } from 'vitest';
import { ServableError } from '../errors/servable-error.js';
import { coerceValues, flattenNested } from './coerce.js';

describe('flattenNested', () => {
  it('flattens nested numbers in row-major order', () => {
    const { shape, flat } = flattenNested([[1, 2, 3], [4, 5, 6]], 'x');
    expect(shape).toEqual([2, 3]);
    expect(Array.from(flat)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('keeps leaves of other types exactly, also after numbers', () => {
    expect(Array.from(flattenNested([[1, true], [false, 2n]], 'x').flat)).toEqual([1, true, false, 2n]);
    expect(Array.from(flattenNested([['a', 'b'], ['c', 'd']], 'x').flat)).toEqual(['a', 'b', 'c', 'd']);
    expect(Array.from(flattenNested([[0.5, null]], 'x').flat)).toEqual([0.5, null]);
  });

  it('reads typed-array rows and empty arrays', () => {
    expect(Array.from(flattenNested([new Float32Array([1, 2]), new Float32Array([3, 4])], 'x').flat)).toEqual([1, 2, 3, 4]);
    expect(flattenNested([], 'x').shape).toEqual([0]);
    expect(Array.from(flattenNested([[], []], 'x').flat)).toEqual([]);
  });

  it('names where a row is ragged or too deep', () => {
    expect(() => flattenNested([[1, 2], [3, [4]]], 'x')).toThrow(/deeper array at \[1\]\[1\]/);
    expect(() => flattenNested([[[1], [2]], [[3], 4]], 'x')).toThrow(/a scalar at \[1\]\[1\]/);
    const error = (() => {
      try {
        flattenNested([[1, 2], [3]], 'input "x"');
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(ServableError.isInstance(error) && error.code).toBe('SHAPE_MISMATCH');
    expect((error as Error).message).toContain('length 1 at [1]');
  });
});

describe('coerceValues from float arrays', () => {
  it('converts Float64Array to float32 and float64 storage', () => {
    const f32 = coerceValues(new Float64Array([0.5, -2]), 'float32', 'x');
    expect(f32).toBeInstanceOf(Float32Array);
    expect(Array.from(f32)).toEqual([0.5, -2]);
    expect(Array.from(coerceValues(new Float32Array([1.5]), 'float64', 'x'))).toEqual([1.5]);
  });

  it('refuses NaN, Infinity and values beyond float32 unless told otherwise', () => {
    expect(() => coerceValues(new Float64Array([1, Number.NaN]), 'float32', 'x')).toThrow(/x\[1\]: expected a finite number/);
    expect(() => coerceValues(new Float64Array([1e39]), 'float32', 'x')).toThrow(/float32 range/);
    expect(Array.from(coerceValues(new Float64Array([Number.POSITIVE_INFINITY]), 'float32', 'x', { allowNonFinite: true }))).toEqual([Number.POSITIVE_INFINITY]);
  });
});
