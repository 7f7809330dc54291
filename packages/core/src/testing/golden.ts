import type { DType } from '../tensor/dtype.js';
import { allocateData, isBigIntDType } from '../tensor/dtype.js';
import { float16BitsToFloat32, float32ToFloat16Bits } from '../tensor/float16.js';
import { formatShape, type Tensor, type TensorMap } from '../tensor/tensor.js';

/** A tensor written in JSON (float16 as decimal values, int64 as numbers or strings, bool as booleans). */
export interface GoldenTensor {
  readonly dtype: DType;
  readonly shape: readonly number[];
  readonly data: readonly (number | boolean | string)[];
}

/** Inputs and expected outputs of one model run, as stored in `fixtures/golden/*.json`. */
export interface GoldenCase {
  readonly tolerance: number;
  readonly inputs: Readonly<Record<string, GoldenTensor>>;
  readonly outputs: Readonly<Record<string, GoldenTensor>>;
}

/** Converts a JSON tensor to a {@link Tensor}. */
export function goldenToTensor(g: GoldenTensor): Tensor {
  const data = allocateData(g.dtype, g.data.length) as unknown as Record<number, unknown>;
  for (let i = 0; i < g.data.length; i++) {
    const v = g.data[i]!;
    if (g.dtype === 'float16') data[i] = float32ToFloat16Bits(Number(v));
    else if (isBigIntDType(g.dtype)) data[i] = BigInt(v as number | string);
    else if (g.dtype === 'bool') data[i] = v ? 1 : 0;
    else data[i] = v;
  }
  return { dtype: g.dtype, shape: [...g.shape], data: data as unknown as Tensor['data'] };
}

/** Converts every tensor of a JSON map. */
export function goldenToTensors(map: Readonly<Record<string, GoldenTensor>>): TensorMap {
  return Object.fromEntries(Object.entries(map).map(([k, v]) => [k, goldenToTensor(v)]));
}

function valueAt(t: Tensor, i: number): number | string | bigint {
  const v = (t.data as ArrayLike<number | string | bigint>)[i]!;
  return t.dtype === 'float16' ? float16BitsToFloat32(v as number) : v;
}

/**
 * Throws an `Error` describing the first difference between `actual` and `expected`:
 * dtype, shape, or a value beyond `|a − e| ≤ tolerance · max(1, |e|)` (exact for non-floats).
 */
export function assertTensorClose(actual: Tensor | undefined, expected: Tensor, tolerance: number, name = 'tensor'): void {
  if (!actual) throw new Error(`${name}: expected a tensor, got none`);
  if (actual.dtype !== expected.dtype) throw new Error(`${name}: expected dtype ${expected.dtype}, got ${actual.dtype}`);
  if (formatShape(actual.shape) !== formatShape(expected.shape)) throw new Error(`${name}: expected shape ${formatShape(expected.shape)}, got ${formatShape(actual.shape)}`);
  if (actual.data.length !== expected.data.length) throw new Error(`${name}: expected ${expected.data.length} values, got ${actual.data.length}`);
  const isFloat = expected.dtype === 'float32' || expected.dtype === 'float64' || expected.dtype === 'float16';
  for (let i = 0; i < expected.data.length; i++) {
    const a = valueAt(actual, i);
    const e = valueAt(expected, i);
    if (isFloat) {
      const an = a as number;
      const en = e as number;
      if (Number.isNaN(en) && Number.isNaN(an)) continue;
      if (!(Math.abs(an - en) <= tolerance * Math.max(1, Math.abs(en)))) throw new Error(`${name}[${i}]: expected ${en} (±${tolerance}), got ${an}`);
    } else if (a !== e) {
      throw new Error(`${name}[${i}]: expected ${String(e)}, got ${String(a)}`);
    }
  }
}
