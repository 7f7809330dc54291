import { ServableError, isDType, type DType, type Tensor } from '@servable/core';
import type { Tensor as OrtTensor } from 'onnxruntime-web';
import type { Ort } from './load-ort.js';

/** Turns a Servable tensor into an onnxruntime-web tensor (no copy for typed arrays). */
export function toOrtTensor(ort: Ort, name: string, tensor: Tensor): OrtTensor {
  const dims = [...tensor.shape];
  try {
    // float16 is given as its Uint16Array bit patterns; onnxruntime-web accepts that form
    // (and views it as a Float16Array where the platform has one).
    return new ort.Tensor(tensor.dtype as never, tensor.data as never, dims);
  } catch (cause) {
    throw new ServableError(
      'INVALID_INPUT',
      `input "${name}": expected a tensor onnxruntime-web accepts, got ${tensor.dtype} [${dims.join(', ')}] that it refused (${(cause as Error).message})`,
      { cause },
    );
  }
}

function asUint16Bits(data: ArrayBufferView & { length: number }): Uint16Array {
  if (data instanceof Uint16Array) return data;
  return new Uint16Array(data.buffer, data.byteOffset, data.length);
}

/** Turns an onnxruntime-web output into a Servable tensor with the storage core expects. */
export function fromOrtTensor(name: string, value: OrtTensor): Tensor {
  const dtype = value.type as string;
  if (!isDType(dtype)) {
    throw new ServableError(
      'INFERENCE_FAILED',
      `output "${name}": expected a dtype Servable handles (float32…string), got ${dtype} — cast the output in the model`,
    );
  }
  const shape = value.dims.map(Number);
  const data = value.data as unknown;
  switch (dtype as DType) {
    case 'float16':
      return { dtype: 'float16', shape, data: asUint16Bits(data as Uint16Array) };
    case 'bool':
      return { dtype: 'bool', shape, data: data instanceof Uint8Array ? data : Uint8Array.from(data as ArrayLike<number>, (v) => (v ? 1 : 0)) };
    case 'string':
      return { dtype: 'string', shape, data: Array.from(data as string[]) };
    default:
      return { dtype, shape, data } as Tensor;
  }
}
