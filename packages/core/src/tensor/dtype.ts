/** Element types a tensor can hold. */
export type DType =
  | 'float32'
  | 'float64'
  | 'float16'
  | 'int8'
  | 'int16'
  | 'int32'
  | 'int64'
  | 'uint8'
  | 'uint16'
  | 'uint32'
  | 'uint64'
  | 'bool'
  | 'string';

/** Every dtype, in a stable order. */
export const DTYPES: readonly DType[] = [
  'float32',
  'float64',
  'float16',
  'int8',
  'int16',
  'int32',
  'int64',
  'uint8',
  'uint16',
  'uint32',
  'uint64',
  'bool',
  'string',
];

/**
 * The storage of each dtype. `float16` is stored as its IEEE bit patterns in a `Uint16Array`
 * (see {@link float16ToFloat32} and {@link float32ToFloat16}); `bool` as 0/1 bytes.
 */
export interface TensorDataMap {
  /** 32-bit floats. */
  float32: Float32Array;
  /** 64-bit floats. */
  float64: Float64Array;
  /** 16-bit floats, stored as their IEEE 754 half-precision bit patterns. */
  float16: Uint16Array;
  /** Signed 8-bit integers. */
  int8: Int8Array;
  /** Signed 16-bit integers. */
  int16: Int16Array;
  /** Signed 32-bit integers. */
  int32: Int32Array;
  /** Signed 64-bit integers, as bigints. */
  int64: BigInt64Array;
  /** Unsigned 8-bit integers. */
  uint8: Uint8Array;
  /** Unsigned 16-bit integers. */
  uint16: Uint16Array;
  /** Unsigned 32-bit integers. */
  uint32: Uint32Array;
  /** Unsigned 64-bit integers, as bigints. */
  uint64: BigUint64Array;
  /** Booleans, one byte each: 0 for false, 1 for true. */
  bool: Uint8Array;
  /** Strings, one JavaScript string per element. */
  string: string[];
}

/** Storage of a numeric dtype (everything but `string`). */
export type NumericTypedArray = TensorDataMap[Exclude<DType, 'string'>];

/** The typed-array constructors that store numeric dtypes. */
export type TypedArrayConstructor =
  | Float32ArrayConstructor
  | Float64ArrayConstructor
  | Uint16ArrayConstructor
  | Int8ArrayConstructor
  | Int16ArrayConstructor
  | Int32ArrayConstructor
  | BigInt64ArrayConstructor
  | Uint8ArrayConstructor
  | Uint32ArrayConstructor
  | BigUint64ArrayConstructor;

const CONSTRUCTORS: Record<Exclude<DType, 'string'>, TypedArrayConstructor> = {
  float32: Float32Array,
  float64: Float64Array,
  float16: Uint16Array,
  int8: Int8Array,
  int16: Int16Array,
  int32: Int32Array,
  int64: BigInt64Array,
  uint8: Uint8Array,
  uint16: Uint16Array,
  uint32: Uint32Array,
  uint64: BigUint64Array,
  bool: Uint8Array,
};

/** Bytes per element (strings have no fixed size: 0). */
export function bytesPerElement(dtype: DType): number {
  return dtype === 'string' ? 0 : CONSTRUCTORS[dtype].BYTES_PER_ELEMENT;
}

/** True when `value` names a dtype. */
export function isDType(value: unknown): value is DType {
  return typeof value === 'string' && (DTYPES as readonly string[]).includes(value);
}

/** True for the floating dtypes. */
export function isFloatDType(dtype: DType): boolean {
  return dtype === 'float32' || dtype === 'float64' || dtype === 'float16';
}

/** True for the integer dtypes (not `bool`). */
export function isIntegerDType(dtype: DType): boolean {
  return /^u?int\d+$/.test(dtype);
}

/** True for the 64-bit integer dtypes, whose storage holds bigints. */
export function isBigIntDType(dtype: DType): dtype is 'int64' | 'uint64' {
  return dtype === 'int64' || dtype === 'uint64';
}

/** Allocates zeroed storage for `length` elements of `dtype`. */
export function allocateData<D extends DType>(dtype: D, length: number): TensorDataMap[D] {
  if (dtype === 'string') return new Array<string>(length).fill('') as TensorDataMap[D];
  return new CONSTRUCTORS[dtype as Exclude<DType, 'string'>](length) as TensorDataMap[D];
}

/** The typed-array constructor that stores `dtype` (undefined for `string`). */
export function typedArrayConstructor(dtype: DType): TypedArrayConstructor | undefined {
  return dtype === 'string' ? undefined : CONSTRUCTORS[dtype];
}

/** The inclusive range of an integer dtype, as bigints. */
export function integerRange(dtype: DType): {
  /** Smallest value the dtype holds. */
  min: bigint;
  /** Largest value the dtype holds. */
  max: bigint;
} | undefined {
  const m = /^(u?)int(\d+)$/.exec(dtype);
  if (!m) return undefined;
  const bits = BigInt(Number(m[2]));
  if (m[1] === 'u') return { min: 0n, max: (1n << bits) - 1n };
  return { min: -(1n << (bits - 1n)), max: (1n << (bits - 1n)) - 1n };
}

/** The dtype whose storage `data` is, when it is unambiguous (`Uint8Array` → uint8, `Uint16Array` → uint16). */
export function dtypeOfData(data: unknown): DType | undefined {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Float64Array) return 'float64';
  if (data instanceof Int8Array) return 'int8';
  if (data instanceof Int16Array) return 'int16';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof BigInt64Array) return 'int64';
  if (data instanceof Uint8Array || data instanceof Uint8ClampedArray) return 'uint8';
  if (data instanceof Uint16Array) return 'uint16';
  if (data instanceof Uint32Array) return 'uint32';
  if (data instanceof BigUint64Array) return 'uint64';
  return undefined;
}
