import { ServableError, describeMismatch } from '../errors/servable-error.js';
import { allocateData, integerRange, isBigIntDType, isFloatDType, type DType, type TensorDataMap } from '../tensor/dtype.js';
import { float32ToFloat16Bits } from '../tensor/float16.js';
import { formatShape } from '../tensor/tensor.js';
import { stringIntoNumbersFix } from './encoded-input.js';

/** The deepest nesting accepted in array input (a tensor of rank 32 is already absurd). */
export const MAX_NESTING = 32;

/** Options of {@link coerceValues}. */
export interface CoerceOptions {
  /** Allow NaN and ±Infinity in float inputs (default false: they are usually a bug upstream). */
  readonly allowNonFinite?: boolean;
}

/**
 * Infers the shape of nested arrays and flattens them, checking they are rectangular.
 * @param value - a number, string, boolean, bigint, typed array or nested arrays of them
 * @param subject - for messages, such as `input "pixels"`
 */
export function flattenNested(
  value: unknown,
  subject: string,
): {
  /** Length of each nesting level, outermost first; `[]` for a single value. */
  shape: number[];
  /** The leaves in row-major order (a typed array is returned as it is). */
  flat: unknown[] | ArrayLike<unknown>;
} {
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    return { shape: [(value as unknown as ArrayLike<unknown>).length], flat: value as unknown as ArrayLike<unknown> };
  }
  if (!Array.isArray(value)) return { shape: [], flat: [value] };
  const shape: number[] = [];
  let probe: unknown = value;
  while (Array.isArray(probe) || (ArrayBuffer.isView(probe) && !(probe instanceof DataView))) {
    if (shape.length >= MAX_NESTING) {
      throw new ServableError('INVALID_INPUT', describeMismatch(subject, `at most ${MAX_NESTING} levels of nesting`, 'deeper arrays'));
    }
    const arr = probe as ArrayLike<unknown>;
    shape.push(arr.length);
    if (arr.length === 0) break;
    probe = arr[0];
  }
  const total = shape.reduce((a, b) => a * b, 1);
  // Numbers go to a Float64Array (several times faster to fill and to read than a generic
  // array); the first leaf of another type moves everything to a generic array.
  let numbers: Float64Array | undefined = new Float64Array(total);
  let flat: unknown[] | undefined;
  let k = 0;
  // Indices of the node being walked; the path string is only built for an error message.
  const at: number[] = [];
  const path = () => at.map((i) => `[${i}]`).join('');
  const last = shape.length - 1;
  const walk = (node: unknown, depth: number): void => {
    const isArr = Array.isArray(node) || (ArrayBuffer.isView(node) && !(node instanceof DataView));
    const len = isArr ? (node as ArrayLike<unknown>).length : -1;
    if (len !== shape[depth]) {
      throw new ServableError(
        'SHAPE_MISMATCH',
        `${subject}: expected a rectangular array of shape ${formatShape(shape)}, got ${isArr ? `length ${len}` : 'a scalar'} at ${path()} — ragged rows cannot form a tensor`,
      );
    }
    const arr = node as ArrayLike<unknown>;
    if (depth < last) {
      for (let i = 0; i < len; i++) {
        at.push(i);
        walk(arr[i], depth + 1);
        at.pop();
      }
      return;
    }
    for (let i = 0; i < len; i++) {
      const v = arr[i];
      if (typeof v === 'number' && numbers) {
        numbers[k++] = v;
        continue;
      }
      if (typeof v === 'object' && v !== null && (Array.isArray(v) || ArrayBuffer.isView(v))) {
        at.push(i);
        throw new ServableError('SHAPE_MISMATCH', `${subject}: expected a rectangular array of shape ${formatShape(shape)}, got a deeper array at ${path()} — make every row the same depth`);
      }
      if (numbers) {
        flat = Array.from(numbers.subarray(0, k));
        flat.length = total;
        numbers = undefined;
      }
      flat![k++] = v;
    }
  };
  walk(value, 0);
  return { shape, flat: numbers ?? flat! };
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'number') return Number.isNaN(v) ? 'NaN' : String(v);
  if (typeof v === 'string') return `"${v.slice(0, 20)}"`;
  return typeof v;
}

/**
 * Converts values to the storage of `dtype`, checking each one: fractional numbers into an
 * integer input, values out of the dtype's range, NaN where not allowed, and wrong types are
 * `INVALID_INPUT` errors naming the index and the value. A typed array already of the right
 * storage type is returned as is (no copy).
 */
export function coerceValues<D extends DType>(values: ArrayLike<unknown>, dtype: D, subject: string, options: CoerceOptions = {}): TensorDataMap[D] {
  if (dtype !== 'string' && ArrayBuffer.isView(values)) {
    const ctorName = (values as object).constructor.name;
    const exact: Partial<Record<DType, string>> = {
      float32: 'Float32Array', float64: 'Float64Array', int8: 'Int8Array', int16: 'Int16Array', int32: 'Int32Array',
      int64: 'BigInt64Array', uint8: 'Uint8Array', uint16: 'Uint16Array', uint32: 'Uint32Array', uint64: 'BigUint64Array',
    };
    if (exact[dtype] === ctorName && (options.allowNonFinite || !isFloatDType(dtype) || allFinite(values as ArrayLike<number>))) {
      return values as unknown as TensorDataMap[D];
    }
  }
  const n = values.length;
  const out = allocateData(dtype, n);
  const fail = (i: number, expected: string, v: unknown, fix: string): never => {
    throw new ServableError('INVALID_INPUT', `${subject}[${i}]: expected ${expected}, got ${typeName(v)} — ${fix}`, {
      details: { subject, index: i, expected, received: typeName(v) },
    });
  };
  if (dtype === 'string') {
    const o = out as string[];
    for (let i = 0; i < n; i++) {
      const v = values[i];
      if (typeof v !== 'string') fail(i, 'a string', v, 'this input takes text');
      o[i] = v as string;
    }
    return out;
  }
  if (dtype === 'bool') {
    const o = out as Uint8Array;
    for (let i = 0; i < n; i++) {
      const v = values[i];
      if (v === true || v === 1 || v === 1n) o[i] = 1;
      else if (v === false || v === 0 || v === 0n) o[i] = 0;
      else fail(i, 'true/false (or 0/1)', v, 'this input is boolean');
    }
    return out;
  }
  if ((dtype === 'float32' || dtype === 'float64') && (values instanceof Float64Array || values instanceof Float32Array)) {
    for (let i = 0; i < n; i++) {
      const x = values[i]!;
      if (Number.isFinite(x)) {
        if (dtype === 'float32' && Math.abs(x) > 3.4028234663852886e38) fail(i, 'a value within float32 range', x, 'rescale the input');
      } else if (!options.allowNonFinite) fail(i, 'a finite number', x, 'clean NaN/Infinity upstream or pass { allowNonFinite: true }');
    }
    (out as Float32Array | Float64Array).set(values);
    return out;
  }
  if (isFloatDType(dtype)) {
    const o = out as Float32Array | Float64Array | Uint16Array;
    for (let i = 0; i < n; i++) {
      let v = values[i];
      if (typeof v === 'bigint') v = Number(v);
      if (typeof v === 'boolean') v = v ? 1 : 0;
      if (typeof v !== 'number') fail(i, `a number (${dtype})`, v, typeof v === 'string' ? stringIntoNumbersFix(v) : 'pass numbers');
      const x = v as number;
      if (!options.allowNonFinite && !Number.isFinite(x)) fail(i, 'a finite number', x, 'clean NaN/Infinity upstream or pass { allowNonFinite: true }');
      if (dtype === 'float32' && Number.isFinite(x) && Math.abs(x) > 3.4028234663852886e38) fail(i, 'a value within float32 range', x, 'rescale the input');
      if (dtype === 'float16') {
        if (Number.isFinite(x) && Math.abs(x) > 65504) fail(i, 'a value within float16 range (±65504)', x, 'rescale the input');
        o[i] = float32ToFloat16Bits(x);
      } else o[i] = x;
    }
    return out;
  }
  const range = integerRange(dtype)!;
  const big = isBigIntDType(dtype);
  for (let i = 0; i < n; i++) {
    let v = values[i];
    if (typeof v === 'boolean') v = v ? 1 : 0;
    let b: bigint;
    if (typeof v === 'bigint') b = v;
    else if (typeof v === 'number') {
      if (!Number.isInteger(v)) fail(i, `an integer (${dtype})`, v, Number.isNaN(v) ? 'NaN cannot be an integer' : 'round the value or use a float input');
      if (big && !Number.isSafeInteger(v)) fail(i, 'a safe integer (or a bigint)', v, 'pass a bigint for values beyond 2^53');
      b = BigInt(v);
    } else if (typeof v === 'string' && big && /^-?\d+$/.test(v)) b = BigInt(v);
    else b = fail(i, `an integer (${dtype})`, v, typeof v === 'string' ? stringIntoNumbersFix(v) : 'pass numbers');
    if (b < range.min || b > range.max) fail(i, `a value in [${range.min}, ${range.max}] (${dtype})`, v, 'the value does not fit the dtype');
    (out as unknown as Record<number, number | bigint>)[i] = big ? b : Number(b);
  }
  return out;
}

function allFinite(values: ArrayLike<number>): boolean {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i]!)) return false;
  return true;
}
