import { isDType, ServableError, type Tensor } from '@servable/core';
import type { Tensor as OrtTensor } from 'onnxruntime-node';
import type { OrtModule } from './ort-module.js';

/**
 * Wraps a Servable tensor as an `ort.Tensor` without copying: the engine reads the same typed
 * array (float16 as its bit patterns in a `Uint16Array`, bool as 0/1 bytes, 64-bit integers as
 * bigint arrays, strings as `string[]`).
 */
export function toOrtTensor(ort: OrtModule, tensor: Tensor): OrtTensor {
  return new ort.Tensor(tensor.dtype, tensor.data as never, tensor.shape as number[]);
}

/**
 * Reads an `ort.Tensor` as a Servable tensor without copying. A float16 output held in a
 * `Float16Array` (newer runtimes) is reinterpreted as its bits; a bool output in another 1-byte
 * view becomes a `Uint8Array` over the same memory.
 * @param name - the output, for messages
 */
export function fromOrtTensor(value: OrtTensor, name: string): Tensor {
  const type = value.type as string;
  if (!isDType(type)) {
    throw new ServableError('INFERENCE_FAILED', `output "${name}": expected a supported element type, got "${type}" from the engine — cast the output in the model to float32 or int32`, {
      details: { subject: name, received: type },
    });
  }
  let data = value.data as unknown as Tensor['data'];
  if ((type === 'float16' && !(data instanceof Uint16Array)) || (type === 'bool' && !(data instanceof Uint8Array))) {
    const view = data as unknown as ArrayBufferView & { length: number };
    data = type === 'float16' ? new Uint16Array(view.buffer, view.byteOffset, view.length) : new Uint8Array(view.buffer, view.byteOffset, view.length);
  }
  return { dtype: type, shape: Array.from(value.dims), data } as Tensor;
}
