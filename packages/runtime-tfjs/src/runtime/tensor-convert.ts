import * as tf from '@tensorflow/tfjs';
import { ServableError, type Tensor } from '@servable/core';

/**
 * Creates a tfjs tensor from a Servable tensor (call inside `tf.tidy`).
 * @throws ServableError `DTYPE_MISMATCH` for dtypes tfjs cannot hold
 */
export function toTfTensor(t: Tensor, name: string): tf.Tensor {
  switch (t.dtype) {
    case 'float32':
    case 'int32':
    case 'bool':
      return tf.tensor(t.data as Float32Array | Int32Array | Uint8Array, [...t.shape], t.dtype);
    case 'string':
      return tf.tensor(t.data as string[], [...t.shape], 'string');
    default:
      throw new ServableError('DTYPE_MISMATCH', `input "${name}": expected float32, int32, bool or string for TensorFlow.js, got ${t.dtype} — cast the data before running`);
  }
}

/** Reads a tfjs tensor into a Servable tensor (typed arrays; strings decoded). Does not dispose it. */
export async function fromTfTensor(t: tf.Tensor): Promise<Tensor> {
  const data = await t.data();
  switch (t.dtype) {
    case 'float32':
      return { dtype: 'float32', shape: [...t.shape], data: data as Float32Array };
    case 'int32':
      return { dtype: 'int32', shape: [...t.shape], data: data as Int32Array };
    case 'bool':
      return { dtype: 'bool', shape: [...t.shape], data: data as Uint8Array };
    case 'string':
      return { dtype: 'string', shape: [...t.shape], data: Array.from(data as unknown as ArrayLike<string>, (s) => (typeof s === 'string' ? s : new TextDecoder().decode(s as unknown as Uint8Array))) };
    default:
      throw new ServableError('DTYPE_MISMATCH', `output of dtype ${t.dtype}: expected float32, int32, bool or string, got ${t.dtype} — the model must not return complex tensors`);
  }
}
