import * as tf from '@tensorflow/tfjs';
import { ServableError, flattenNested, isTensor, type LossName, type Tensor, type TrainingArrays } from '@servable/core';

/** Examples held in flat arrays, ready to be cut into batches. */
export interface ArrayDataset {
  /** Number of examples. */
  readonly count: number;
  /** Inputs, row-major. */
  readonly x: Float32Array;
  /** Shape of one input example. */
  readonly xShape: readonly number[];
  /** Targets: class indices for sparse cross-entropy, values otherwise. */
  readonly y: Int32Array | Float32Array;
  /** Shape of one target (`[]` for class indices). */
  readonly yShape: readonly number[];
}

const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

function toFlat(value: unknown, subject: string): { shape: number[]; data: ArrayLike<unknown> } {
  if (isTensor(value)) return { shape: [...(value as Tensor).shape], data: (value as Tensor).data as ArrayLike<unknown> };
  const { shape, flat } = flattenNested(value, subject);
  return { shape, data: flat };
}

function toFloat32(data: ArrayLike<unknown>, subject: string): Float32Array {
  if (data instanceof Float32Array) return data;
  const out = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const v = Number(data[i] as number | bigint);
    if (!Number.isFinite(v)) {
      throw new ServableError('INVALID_INPUT', `${subject}[${i}]: expected a finite number, got ${String(data[i])} — clean the data before training`);
    }
    out[i] = v;
  }
  return out;
}

/**
 * Checks training arrays against the model and converts them to flat arrays.
 * @param data - inputs and targets as nested arrays, tensors or flat typed arrays
 * @param inputShape - one example's input shape (`null` where the model accepts any size)
 * @param outputShape - one example's output shape
 * @param loss - decides whether targets are class indices
 * @param subject - names the data in messages (`fit data`, `validationData`)
 * @throws ServableError `INVALID_INPUT` or `SHAPE_MISMATCH` naming the data and the fix
 */
export function toArrayDataset(data: TrainingArrays, inputShape: readonly (number | null)[], outputShape: readonly (number | null)[], loss: LossName, subject: string): ArrayDataset {
  if (typeof data !== 'object' || data === null || !('x' in data) || !('y' in data)) {
    throw new ServableError('INVALID_ARGUMENT', `${subject}: expected { x, y } arrays or an iterable of { x, y } batches, got ${data === null ? 'null' : typeof data}`);
  }
  const fixedInput = inputShape.every((d) => d !== null);
  let { shape: xs, data: xd } = toFlat(data.x, `${subject}.x`);
  if (ArrayBuffer.isView(data.x) && fixedInput) {
    const per = size(inputShape as number[]);
    if (xd.length % per !== 0) {
      throw new ServableError('SHAPE_MISMATCH', `${subject}.x: expected a flat array whose length is a multiple of ${per} (one example is [${inputShape.join(', ')}]), got ${xd.length} values`);
    }
    xs = [xd.length / per, ...(inputShape as number[])];
  }
  const count = xs[0] ?? 0;
  const xShape = xs.slice(1);
  const matches = xShape.length === inputShape.length && xShape.every((d, i) => inputShape[i] === null || inputShape[i] === d);
  if (!matches) {
    throw new ServableError('SHAPE_MISMATCH', `${subject}.x: expected examples of shape [${inputShape.map((d) => d ?? '?').join(', ')}], got [${xShape.join(', ')}] (x has shape [${xs.join(', ')}]) — reshape the inputs or change the model's inputShape`);
  }
  if (count === 0) throw new ServableError('INVALID_INPUT', `${subject}.x: expected at least one example, got none`);
  const x = toFloat32(xd, `${subject}.x`);
  const flatY = toFlat(data.y, `${subject}.y`);
  const yd = flatY.data;
  let ys = flatY.shape;
  if (ArrayBuffer.isView(data.y) && loss !== 'sparseCategoricalCrossentropy' && outputShape.every((d) => d !== null)) {
    const per = size(outputShape as number[]);
    if (yd.length === count * per) ys = [count, ...(outputShape as number[])];
  }
  const yCount = ys[0] ?? 0;
  if (yCount !== count) {
    throw new ServableError('SHAPE_MISMATCH', `${subject}.y: expected ${count} targets (one per example of x), got ${yCount}`);
  }
  if (loss === 'sparseCategoricalCrossentropy') {
    if (ys.length > 2 || (ys.length === 2 && ys[1] !== 1)) {
      throw new ServableError('SHAPE_MISMATCH', `${subject}.y: expected class indices of shape [${count}] for sparseCategoricalCrossentropy, got [${ys.join(', ')}] — pass integer labels, or use categoricalCrossentropy for one-hot targets`);
    }
    const classes = outputShape[outputShape.length - 1] ?? null;
    const y = new Int32Array(count);
    for (let i = 0; i < count; i++) {
      const v = Number(yd[i] as number | bigint);
      if (!Number.isInteger(v) || v < 0 || (classes !== null && v >= classes)) {
        throw new ServableError('INVALID_INPUT', `${subject}.y[${i}]: expected a class index, an integer in [0, ${classes ?? '∞'}), got ${String(yd[i])}`);
      }
      y[i] = v;
    }
    return { count, x, xShape, y, yShape: [] };
  }
  const yShape = ys.slice(1);
  const expected = outputShape;
  const yMatches = yShape.length === expected.length && yShape.every((d, i) => expected[i] === null || expected[i] === d);
  if (!yMatches) {
    throw new ServableError('SHAPE_MISMATCH', `${subject}.y: expected targets of shape [${expected.map((d) => d ?? '?').join(', ')}] per example for ${loss}, got [${yShape.join(', ')}]${loss === 'categoricalCrossentropy' ? ' — one-hot encode the labels, or use sparseCategoricalCrossentropy for class indices' : ''}`);
  }
  return { count, x, xShape, y: toFloat32(yd, `${subject}.y`), yShape };
}

/** Rows `[start, end)` of `from` as a new dataset (no copy). */
export function sliceDataset(from: ArrayDataset, start: number, end: number): ArrayDataset {
  const xs = size(from.xShape);
  const ys = size(from.yShape);
  return { ...from, count: end - start, x: from.x.subarray(start * xs, end * xs), y: from.y.subarray(start * ys, end * ys) };
}

/**
 * The examples `order[start..end)` as tfjs tensors (inputs float32, targets int32 or float32).
 * The caller disposes them.
 */
export function makeBatch(ds: ArrayDataset, order: Int32Array | undefined, start: number, end: number): { x: tf.Tensor; y: tf.Tensor } {
  const n = end - start;
  const xs = size(ds.xShape);
  const ys = size(ds.yShape);
  if (!order) {
    return {
      x: tf.tensor(ds.x.subarray(start * xs, end * xs), [n, ...ds.xShape], 'float32'),
      y: tf.tensor(ds.y.subarray(start * ys, end * ys), [n, ...ds.yShape], ds.y instanceof Int32Array ? 'int32' : 'float32'),
    };
  }
  const bx = new Float32Array(n * xs);
  const by = ds.y instanceof Int32Array ? new Int32Array(n * ys) : new Float32Array(n * ys);
  for (let i = 0; i < n; i++) {
    const row = order[start + i]!;
    bx.set(ds.x.subarray(row * xs, (row + 1) * xs), i * xs);
    by.set(ds.y.subarray(row * ys, (row + 1) * ys) as Float32Array & Int32Array, i * ys);
  }
  return { x: tf.tensor(bx, [n, ...ds.xShape], 'float32'), y: tf.tensor(by, [n, ...ds.yShape], by instanceof Int32Array ? 'int32' : 'float32') };
}
