import { float32ToFloat16, type ModelSignature, type Tensor, type TensorMap } from '@servable/core';

function seeded(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

/**
 * Seeded random feeds matching a signature, for measurements: floats in [0, 1), integers in
 * 0–9, random booleans, short strings, in the shapes given (see `planSyntheticInputs`).
 */
export function syntheticFeeds(signature: ModelSignature, shapes: Readonly<Record<string, readonly number[]>>, seed = 1): TensorMap {
  const random = seeded(seed);
  const feeds: TensorMap = {};
  for (const spec of signature.inputs) {
    const shape = [...shapes[spec.name]!];
    const n = shape.reduce((a, b) => a * b, 1);
    let tensor: Tensor;
    switch (spec.dtype) {
      case 'float32':
        tensor = { dtype: 'float32', shape, data: Float32Array.from({ length: n }, random) };
        break;
      case 'float64':
        tensor = { dtype: 'float64', shape, data: Float64Array.from({ length: n }, random) };
        break;
      case 'float16':
        tensor = { dtype: 'float16', shape, data: float32ToFloat16(Array.from({ length: n }, random)) };
        break;
      case 'int64':
        tensor = { dtype: 'int64', shape, data: BigInt64Array.from({ length: n }, () => BigInt(Math.floor(random() * 10))) };
        break;
      case 'uint64':
        tensor = { dtype: 'uint64', shape, data: BigUint64Array.from({ length: n }, () => BigInt(Math.floor(random() * 10))) };
        break;
      case 'string':
        tensor = { dtype: 'string', shape, data: Array.from({ length: n }, (_, i) => `s${i % 10}`) };
        break;
      case 'bool':
        tensor = { dtype: 'bool', shape, data: Uint8Array.from({ length: n }, () => (random() < 0.5 ? 1 : 0)) };
        break;
      default: {
        const ctor = { int8: Int8Array, int16: Int16Array, int32: Int32Array, uint8: Uint8Array, uint16: Uint16Array, uint32: Uint32Array }[spec.dtype] as Int32ArrayConstructor;
        tensor = { dtype: spec.dtype, shape, data: ctor.from({ length: n }, () => Math.floor(random() * 10)) } as Tensor;
      }
    }
    feeds[spec.name] = tensor;
  }
  return feeds;
}
