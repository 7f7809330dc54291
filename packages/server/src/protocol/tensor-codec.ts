import {
  ServableError,
  allocateData,
  bytesPerElement,
  float16BitsToFloat32,
  float32ToFloat16Bits,
  formatSpec,
  integerRange,
  type DType,
  type Tensor,
  type TensorSpec,
} from '@servable/core';
import { NumericSpan } from './numeric-span.js';

/** Largest element count one tensor may declare (guards allocations before any data is read). */
export const DEFAULT_MAX_ELEMENTS = 1 << 28;

/**
 * Checks a declared shape and dtype against the input's spec before anything is allocated:
 * dimensions must be non-negative safe integers, their product must stay under `maxElements`,
 * the rank, fixed dimensions and dtype must match.
 * @returns the element count
 * @throws ServableError `SHAPE_MISMATCH`, `DTYPE_MISMATCH` or `INVALID_INPUT`
 */
export function checkDeclared(spec: TensorSpec, dtype: DType, shape: unknown, maxElements: number): number {
  const subject = `input "${spec.name}"`;
  if (!Array.isArray(shape)) {
    throw new ServableError('INVALID_INPUT', `${subject} shape: expected an array of non-negative integers such as [1, 28, 28], got ${JSON.stringify(shape)?.slice(0, 60)}`);
  }
  for (let i = 0; i < shape.length; i++) {
    const d: unknown = shape[i];
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) {
      throw new ServableError('SHAPE_MISMATCH', `${subject} shape: expected non-negative integer dimensions, got ${JSON.stringify(d)?.slice(0, 40)} at index ${i} — send sizes such as [1, 28, 28]`);
    }
  }
  let size = (shape as number[]).includes(0) ? 0 : 1;
  for (let i = 0; i < shape.length && size > 0; i++) {
    size *= shape[i] as number;
    if (size > maxElements) {
      throw new ServableError('SHAPE_MISMATCH', `${subject} shape [${shape.slice(0, 8).join(', ')}${shape.length > 8 ? ', …' : ''}]: expected at most ${maxElements} elements, got more — split the request into smaller batches`);
    }
  }
  if (dtype !== spec.dtype) {
    throw new ServableError('DTYPE_MISMATCH', `${subject}: expected ${formatSpec(spec)}, got datatype ${dtype} — send the datatype the model metadata lists`, {
      details: { subject: spec.name, expected: spec.dtype, received: dtype },
    });
  }
  if (shape.length !== spec.shape.length) {
    throw new ServableError('SHAPE_MISMATCH', `${subject}: expected ${formatSpec(spec)}, got shape [${shape.join(', ')}] — give ${spec.shape.length} dimensions`);
  }
  for (let i = 0; i < spec.shape.length; i++) {
    const want = spec.shape[i];
    if (typeof want === 'number' && want >= 0 && want !== shape[i]) {
      throw new ServableError('SHAPE_MISMATCH', `${subject}: expected ${formatSpec(spec)}, got shape [${shape.join(', ')}] — dimension ${i} must be ${want}`);
    }
  }
  return size;
}

/**
 * Flattens nested JSON arrays (row-major) into `out`, insisting on a regular nesting: every array
 * at one level has the same length, and holds either arrays only or values only.
 * @throws ServableError `SHAPE_MISMATCH` naming the subject for ragged data
 */
function flattenInto(subject: string, value: unknown[], out: unknown[]): void {
  const lengths: number[] = [];
  const leafLevel = { depth: -1 };
  const ragged = (path: string, what: string) =>
    new ServableError('SHAPE_MISMATCH', `${subject} data${path}: expected nested arrays of equal lengths (a regular tensor), got ${what} — make every row the same length, or send flat data`);
  const walk = (v: unknown[], depth: number, path: string): void => {
    if (lengths[depth] === undefined) lengths[depth] = v.length;
    else if (lengths[depth] !== v.length) throw ragged(path, `${v.length} elements where an earlier row has ${lengths[depth]}`);
    for (let i = 0; i < v.length; i++) {
      const item = v[i];
      const isArray = Array.isArray(item);
      const level = isArray ? -1 : depth;
      if (leafLevel.depth === -1 && !isArray) leafLevel.depth = depth;
      if (isArray) {
        if (leafLevel.depth !== -1 && leafLevel.depth <= depth) throw ragged(`${path}[${i}]`, 'an array where values were');
        walk(item as unknown[], depth + 1, `${path}[${i}]`);
      } else {
        if (level !== leafLevel.depth) throw ragged(`${path}[${i}]`, 'a value where arrays were');
        out.push(item);
      }
    }
  };
  walk(value, 0, '');
}

function badElement(subject: string, dtype: DType, index: number, value: unknown): ServableError {
  return new ServableError('INVALID_INPUT', `${subject} data[${index}]: expected a ${dtype} value, got ${JSON.stringify(value)?.slice(0, 40) ?? String(value)} — send ${dtype === 'string' ? 'strings' : dtype === 'bool' ? 'true/false' : 'numbers'} only`);
}

/**
 * Builds a tensor from OIP JSON `data` (flat or nested, row-major).
 * @throws ServableError `INVALID_INPUT` for a wrong element type or out-of-range integer, `SHAPE_MISMATCH` for a wrong count
 */
export function tensorFromJson(subject: string, dtype: DType, shape: readonly number[], size: number, data: unknown): Tensor {
  if (data instanceof NumericSpan) return tensorFromSpan(subject, dtype, shape, size, data);
  if (!Array.isArray(data)) throw new ServableError('INVALID_INPUT', `${subject} data: expected an array (flat or nested), got ${typeof data}`);
  let flat: unknown[];
  if (data.length === size && (size === 0 || !Array.isArray(data[0]))) flat = data;
  else {
    flat = [];
    flattenInto(subject, data, flat);
  }
  if (flat.length !== size) {
    throw new ServableError('SHAPE_MISMATCH', `${subject} data: expected ${size} elements for shape [${shape.join(', ')}], got ${flat.length} — make the data match the shape`);
  }
  const out = allocateData(dtype, size);
  if (dtype === 'string') {
    const strings = out as string[];
    for (let i = 0; i < size; i++) {
      const v = flat[i];
      if (typeof v !== 'string') throw badElement(subject, dtype, i, v);
      strings[i] = v;
    }
  } else if (dtype === 'bool') {
    const bytes = out as Uint8Array;
    for (let i = 0; i < size; i++) {
      const v = flat[i];
      if (v === true || v === 1) bytes[i] = 1;
      else if (v === false || v === 0) bytes[i] = 0;
      else throw badElement(subject, dtype, i, v);
    }
  } else if (dtype === 'float16') {
    const bits = out as Uint16Array;
    for (let i = 0; i < size; i++) {
      const v = flat[i];
      if (typeof v !== 'number') throw badElement(subject, dtype, i, v);
      bits[i] = float32ToFloat16Bits(v);
    }
  } else if (dtype === 'float32' || dtype === 'float64') {
    const floats = out as Float32Array | Float64Array;
    for (let i = 0; i < size; i++) {
      const v = flat[i];
      if (typeof v !== 'number') throw badElement(subject, dtype, i, v);
      floats[i] = v;
    }
  } else if (dtype === 'int64' || dtype === 'uint64') {
    const range = integerRange(dtype)!;
    const big = out as BigInt64Array | BigUint64Array;
    for (let i = 0; i < size; i++) {
      const v = flat[i];
      let b: bigint;
      if (typeof v === 'number' && Number.isInteger(v)) b = BigInt(v);
      else if (typeof v === 'string' && /^-?\d+$/.test(v)) b = BigInt(v);
      else throw badElement(subject, dtype, i, v);
      if (b < range.min || b > range.max) throw new ServableError('INVALID_INPUT', `${subject} data[${i}]: expected a ${dtype} in [${range.min}, ${range.max}], got ${b}`);
      big[i] = b;
    }
  } else {
    const range = integerRange(dtype)!;
    const min = Number(range.min);
    const max = Number(range.max);
    const ints = out as Int8Array | Int16Array | Int32Array | Uint8Array | Uint16Array | Uint32Array;
    for (let i = 0; i < size; i++) {
      const v = flat[i];
      if (typeof v !== 'number' || !Number.isInteger(v)) throw badElement(subject, dtype, i, v);
      if (v < min || v > max) throw new ServableError('INVALID_INPUT', `${subject} data[${i}]: expected a ${dtype} in [${min}, ${max}], got ${v}`);
      ints[i] = v;
    }
  }
  return { dtype, shape: [...shape], data: out } as Tensor;
}

const FLOAT_TARGETS = new Set<DType>(['float32', 'float64', 'float16']);
const SMALL_INTEGER_TARGETS = new Set<DType>(['int8', 'int16', 'int32', 'uint8', 'uint16', 'uint32']);

/**
 * Builds a tensor from numbers read straight from the request bytes: float and small integer
 * dtypes are filled from the span's values, re-reading from the text any value that is not
 * exact unless its float32 rounding is certain, so the tensor is bit-identical to what
 * `JSON.parse` would give. Ragged data and the other dtypes go through the general path.
 */
function tensorFromSpan(subject: string, dtype: DType, shape: readonly number[], size: number, span: NumericSpan): Tensor {
  const numeric = FLOAT_TARGETS.has(dtype) || SMALL_INTEGER_TARGETS.has(dtype);
  if (!span.regular || !numeric) return tensorFromJson(subject, dtype, shape, size, span.toJson());
  const values = span.values;
  if (values.length !== size) {
    throw new ServableError('SHAPE_MISMATCH', `${subject} data: expected ${size} elements for shape [${shape.join(', ')}], got ${values.length} — make the data match the shape`);
  }
  if (dtype === 'float32') return { dtype, shape: [...shape], data: span.toFloat32() } as Tensor;
  if (span.inexact.length === 0) return tensorFromJson(subject, dtype, shape, size, values);
  const exact = values.slice();
  for (let k = 0; k < span.inexact.length; k++) exact[span.inexact[k]!] = span.exactAt(k);
  return tensorFromJson(subject, dtype, shape, size, exact);
}

/**
 * Builds a tensor from raw little-endian bytes (binary extension, gRPC `raw_input_contents`).
 * BYTES elements are each a 4-byte little-endian length followed by the bytes.
 * @throws ServableError `INVALID_INPUT` when the byte count does not match the shape
 */
export function tensorFromRaw(subject: string, dtype: DType, shape: readonly number[], size: number, bytes: Uint8Array): Tensor {
  if (dtype === 'string') {
    const strings: string[] = new Array<string>(size);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const decoder = new TextDecoder();
    let offset = 0;
    for (let i = 0; i < size; i++) {
      if (offset + 4 > bytes.byteLength) throw new ServableError('INVALID_INPUT', `${subject} raw BYTES: expected ${size} length-prefixed elements, got ${i} before the data ended`);
      const n = view.getUint32(offset, true);
      offset += 4;
      if (offset + n > bytes.byteLength) throw new ServableError('INVALID_INPUT', `${subject} raw BYTES element ${i}: expected ${n} bytes, got ${bytes.byteLength - offset}`);
      strings[i] = decoder.decode(bytes.subarray(offset, offset + n));
      offset += n;
    }
    if (offset !== bytes.byteLength) throw new ServableError('INVALID_INPUT', `${subject} raw BYTES: expected ${offset} bytes for ${size} elements, got ${bytes.byteLength}`);
    return { dtype, shape: [...shape], data: strings } as Tensor;
  }
  const expected = size * bytesPerElement(dtype);
  if (bytes.byteLength !== expected) {
    throw new ServableError('INVALID_INPUT', `${subject} raw data: expected ${expected} bytes (${size} × ${dtype}), got ${bytes.byteLength} — check binary_data_size and the shape`);
  }
  const data = allocateData(dtype, size) as Exclude<Tensor['data'], string[]>;
  new Uint8Array(data.buffer, 0, expected).set(bytes);
  if (dtype === 'bool') for (let i = 0; i < size; i++) (data as Uint8Array)[i] = (data as Uint8Array)[i] ? 1 : 0;
  return { dtype, shape: [...shape], data } as Tensor;
}

/** Raw little-endian bytes of a tensor (BYTES length-prefixed). */
export function tensorToRaw(tensor: Tensor): Uint8Array {
  if (tensor.dtype === 'string') {
    const encoder = new TextEncoder();
    const parts = (tensor.data as string[]).map((s) => encoder.encode(s));
    const total = parts.reduce((n, p) => n + 4 + p.byteLength, 0);
    const out = new Uint8Array(total);
    const view = new DataView(out.buffer);
    let offset = 0;
    for (const p of parts) {
      view.setUint32(offset, p.byteLength, true);
      out.set(p, offset + 4);
      offset += 4 + p.byteLength;
    }
    return out;
  }
  const data = tensor.data as Exclude<Tensor['data'], string[]>;
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

function finiteOrNull(v: number): string {
  return Number.isFinite(v) ? String(v) : 'null';
}

/** The JSON text of a tensor's data as a flat array (non-finite floats become null). */
export function tensorDataJson(tensor: Tensor): string {
  const d = tensor.data;
  switch (tensor.dtype) {
    case 'string':
      return JSON.stringify(d);
    case 'bool': {
      const b = d as Uint8Array;
      let s = '[';
      for (let i = 0; i < b.length; i++) s += (i ? ',' : '') + (b[i] ? 'true' : 'false');
      return s + ']';
    }
    case 'float16': {
      const b = d as Uint16Array;
      let s = '[';
      for (let i = 0; i < b.length; i++) s += (i ? ',' : '') + finiteOrNull(float16BitsToFloat32(b[i]!));
      return s + ']';
    }
    case 'float32':
    case 'float64': {
      const f = d as Float32Array | Float64Array;
      let s = '[';
      for (let i = 0; i < f.length; i++) s += (i ? ',' : '') + finiteOrNull(f[i]!);
      return s + ']';
    }
    default:
      return `[${(d as unknown as { join(sep: string): string }).join(',')}]`;
  }
}
