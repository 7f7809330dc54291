import { ServableError } from '../errors/servable-error.js';
import { allocateData, bytesPerElement, dtypeOfData, isDType, type DType, type TensorDataMap } from './dtype.js';

/**
 * An engine-neutral tensor: a dtype, a shape and row-major storage.
 * `data.length` always equals the product of `shape`.
 */
export interface Tensor<D extends DType = DType> {
  /** Element type. */
  readonly dtype: D;
  /** Dimensions, outermost first; `[]` for a scalar. */
  readonly shape: readonly number[];
  /** Row-major storage, of the type {@link TensorDataMap} names for `dtype`. */
  readonly data: TensorDataMap[D];
}

/** Tensors keyed by input or output name. */
export type TensorMap = Record<string, Tensor>;

/** Number of elements of a shape (1 for a scalar). */
export function shapeSize(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** `[2, 28, 28]` for messages. */
export function formatShape(shape: readonly (number | string)[]): string {
  return `[${shape.join(', ')}]`;
}

/**
 * Creates a tensor after checking that the shape is valid and matches the storage.
 * @param dtype - element type
 * @param shape - dimensions, non-negative safe integers
 * @param data - storage of the type {@link TensorDataMap} names for `dtype`; omitted → zeros
 * @throws ServableError `INVALID_INPUT` or `SHAPE_MISMATCH`
 */
export function createTensor<D extends DType>(dtype: D, shape: readonly number[], data?: TensorDataMap[D]): Tensor<D> {
  if (!isDType(dtype)) {
    throw new ServableError('INVALID_INPUT', `tensor dtype: expected one of float32…string, got ${JSON.stringify(dtype)}`);
  }
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) {
      throw new ServableError('SHAPE_MISMATCH', `tensor shape ${formatShape(shape)}: expected non-negative integer dimensions, got ${d}`);
    }
  }
  const size = shapeSize(shape);
  if (data !== undefined && !storageFits(dtype, data)) {
    const got = Array.isArray(data) ? 'an array' : ((data as object)?.constructor?.name ?? typeof data);
    throw new ServableError(
      'INVALID_INPUT',
      `tensor data: expected the storage of ${dtype} (${storageName(dtype)}), got ${got} — build it with the typed array for the dtype`,
      { details: { expected: storageName(dtype), received: got } },
    );
  }
  const storage = data ?? allocateData(dtype, size);
  if (storage.length !== size) {
    throw new ServableError(
      'SHAPE_MISMATCH',
      `tensor of shape ${formatShape(shape)}: expected ${size} elements, got ${storage.length} — make the data length the product of the shape`,
      { details: { expected: String(size), received: String(storage.length) } },
    );
  }
  return { dtype, shape: [...shape], data: storage };
}

function storageName(dtype: DType): string {
  return dtype === 'string' ? 'an array of strings' : allocateData(dtype, 0).constructor.name;
}

function storageFits(dtype: DType, data: unknown): boolean {
  if (dtype === 'string') return Array.isArray(data) && data.every((s) => typeof s === 'string');
  const storage = dtypeOfData(data);
  if (storage === undefined) return false;
  if (dtype === 'bool') return storage === 'uint8';
  if (dtype === 'float16') return storage === 'uint16';
  return storage === dtype;
}

/** Bytes the tensor's storage takes (strings: UTF-8 length). */
export function tensorByteLength(tensor: Tensor): number {
  if (tensor.dtype === 'string') {
    let n = 0;
    for (const s of tensor.data as string[]) n += new TextEncoder().encode(s).length;
    return n;
  }
  return tensor.data.length * bytesPerElement(tensor.dtype);
}

/** True when `value` looks like a {@link Tensor} (dtype, shape array and data). */
export function isTensor(value: unknown): value is Tensor {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return isDType(v.dtype) && Array.isArray(v.shape) && (ArrayBuffer.isView(v.data) || Array.isArray(v.data));
}

/**
 * Returns rows `[start, end)` of a tensor along its first axis (a copy).
 * @param tensor - a tensor of rank ≥ 1
 * @param start - first row
 * @param end - one past the last row
 */
export function sliceBatch<D extends DType>(tensor: Tensor<D>, start: number, end: number): Tensor<D> {
  const rows = tensor.shape[0] ?? 0;
  const per = rows === 0 ? 0 : tensor.data.length / rows;
  const data = tensor.data.slice(start * per, end * per) as TensorDataMap[D];
  return { dtype: tensor.dtype, shape: [end - start, ...tensor.shape.slice(1)], data };
}

/**
 * Concatenates tensors along their first axis. All must share dtype and trailing dims.
 * @param tensors - one or more tensors of rank ≥ 1
 */
export function concatBatch<D extends DType>(tensors: readonly Tensor<D>[]): Tensor<D> {
  const first = tensors[0];
  if (!first) throw new ServableError('INVALID_ARGUMENT', 'concatBatch: expected at least one tensor, got none');
  if (tensors.length === 1) return first;
  const trailing = formatShape(first.shape.slice(1));
  for (const [i, t] of tensors.entries()) {
    if (t.dtype !== first.dtype || t.shape.length === 0 || formatShape(t.shape.slice(1)) !== trailing) {
      throw new ServableError(
        'INVALID_ARGUMENT',
        `concatBatch tensor ${i}: expected ${formatShape(['n', ...first.shape.slice(1)])} (${first.dtype}) like tensor 0, got ${formatShape(t.shape)} (${t.dtype}) — only tensors that differ in their first axis can be stacked`,
      );
    }
  }
  let rows = 0;
  let length = 0;
  for (const t of tensors) {
    rows += t.shape[0] ?? 0;
    length += t.data.length;
  }
  const data = allocateData(first.dtype, length);
  let offset = 0;
  for (const t of tensors) {
    if (Array.isArray(data)) {
      for (let i = 0; i < t.data.length; i++) (data as string[])[offset + i] = (t.data as string[])[i]!;
    } else {
      (data as unknown as { set(a: ArrayLike<unknown>, o: number): void }).set(t.data as ArrayLike<unknown>, offset);
    }
    offset += t.data.length;
  }
  return { dtype: first.dtype, shape: [rows, ...first.shape.slice(1)], data };
}
