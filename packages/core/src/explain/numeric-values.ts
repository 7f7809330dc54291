import { ServableError } from '../errors/servable-error.js';
import { isBigIntDType, isFloatDType, type DType, type TensorDataMap } from '../tensor/dtype.js';
import { float16BitsToFloat32, float32ToFloat16Bits } from '../tensor/float16.js';
import type { Tensor } from '../tensor/tensor.js';

/**
 * Reads a numeric tensor's values as float64 numbers (float16 bits decoded, bigints converted).
 * @param tensor - a tensor of any dtype but `string`
 * @param subject - for messages, such as `output "score"`
 */
export function tensorToNumbers(tensor: Tensor, subject: string): Float64Array {
  const { dtype, data } = tensor;
  if (dtype === 'string') {
    throw new ServableError('UNSUPPORTED_CAPABILITY', `${subject}: expected numbers to explain, got strings — explanations need a numeric input and output`);
  }
  const out = new Float64Array(data.length);
  if (dtype === 'float16') {
    const bits = data as Uint16Array;
    for (let i = 0; i < bits.length; i++) out[i] = float16BitsToFloat32(bits[i]!);
  } else if (isBigIntDType(dtype)) {
    const big = data as BigInt64Array | BigUint64Array;
    for (let i = 0; i < big.length; i++) out[i] = Number(big[i]!);
  } else {
    out.set(data as ArrayLike<number>);
  }
  return out;
}

/**
 * Writes numbers into `target` (storage of `dtype`) at `offset`: rounded and clamped for
 * integer dtypes, 0/1 for bool, IEEE half bits for float16.
 */
export function writeNumbers(dtype: DType, target: TensorDataMap[DType], offset: number, values: ArrayLike<number>): void {
  const n = values.length;
  if (dtype === 'float32' || dtype === 'float64') {
    (target as Float32Array | Float64Array).set(values, offset);
  } else if (dtype === 'float16') {
    const bits = target as Uint16Array;
    for (let i = 0; i < n; i++) bits[offset + i] = float32ToFloat16Bits(values[i]!);
  } else if (dtype === 'bool') {
    const b = target as Uint8Array;
    for (let i = 0; i < n; i++) b[offset + i] = values[i]! >= 0.5 ? 1 : 0;
  } else if (dtype === 'int64') {
    const big = target as BigInt64Array;
    for (let i = 0; i < n; i++) big[offset + i] = BigInt(Math.round(values[i]!));
  } else if (dtype === 'uint64') {
    const big = target as BigUint64Array;
    for (let i = 0; i < n; i++) big[offset + i] = BigInt(Math.max(0, Math.round(values[i]!)));
  } else if (dtype !== 'string') {
    // Typed-array stores of integer dtypes wrap around, so values are rounded and clamped first.
    const ints = target as Int8Array | Int16Array | Int32Array | Uint8Array | Uint16Array | Uint32Array;
    const bits = ints.BYTES_PER_ELEMENT * 8;
    const unsigned = dtype.startsWith('u');
    const min = unsigned ? 0 : -(2 ** (bits - 1));
    const max = unsigned ? 2 ** bits - 1 : 2 ** (bits - 1) - 1;
    for (let i = 0; i < n; i++) ints[offset + i] = Math.min(max, Math.max(min, Math.round(values[i]!)));
  }
}

/** True when a perturbation of this dtype keeps fractional values (float dtypes). */
export function keepsFractions(dtype: DType): boolean {
  return isFloatDType(dtype);
}
