import type { DType } from '../tensor/dtype.js';
import { formatShape } from '../tensor/tensor.js';

/** A dimension: a fixed size, or a symbolic name such as `"batch"` that any size matches. */
export type Dim = number | string;

/** One named input or output of a model. */
export interface TensorSpec {
  /** Name as the engine knows it. */
  readonly name: string;
  /** Element type. */
  readonly dtype: DType;
  /** Dimensions; a string is symbolic (any size, the same size wherever the same name appears). */
  readonly shape: readonly Dim[];
}

/** The named inputs and outputs of a model. */
export interface ModelSignature {
  /** The inputs the model takes. */
  readonly inputs: readonly TensorSpec[];
  /** The outputs the model produces. */
  readonly outputs: readonly TensorSpec[];
}

/** `[batch, 28, 28] (float32)` for messages. */
export function formatSpec(spec: Pick<TensorSpec, 'dtype' | 'shape'>): string {
  return `${formatShape(spec.shape)} (${spec.dtype})`;
}

/** True when the first dimension is symbolic, so requests can be stacked along it. */
export function hasBatchDim(spec: TensorSpec): boolean {
  return spec.shape.length > 0 && typeof spec.shape[0] === 'string';
}

/** Finds an input by name. */
export function findInput(signature: ModelSignature, name: string): TensorSpec | undefined {
  return signature.inputs.find((s) => s.name === name);
}
