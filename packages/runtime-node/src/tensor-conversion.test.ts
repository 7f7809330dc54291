import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { fromOrtTensor, toOrtTensor } from './tensor-conversion.js';

describe('tensor conversion', () => {
  it('wraps our storage without copying, in both directions', () => {
    const data = new Float32Array([1, 2, 3, 4, 5, 6]);
    const wrapped = toOrtTensor(ort, { dtype: 'float32', shape: [2, 3], data });
    expect(wrapped.data).toBe(data);
    expect(wrapped.dims).toEqual([2, 3]);
    const back = fromOrtTensor(wrapped, 'y');
    expect(back).toEqual({ dtype: 'float32', shape: [2, 3], data });
    expect(back.data).toBe(data);
  });

  it('keeps float16 as bits, bool as bytes, int64 as bigints and strings as strings', () => {
    const h = fromOrtTensor(toOrtTensor(ort, { dtype: 'float16', shape: [2], data: new Uint16Array([0x3c00, 0xc000]) }), 'h');
    expect(h.dtype).toBe('float16');
    expect(Array.from(h.data as Uint16Array)).toEqual([0x3c00, 0xc000]);
    const b = fromOrtTensor(toOrtTensor(ort, { dtype: 'bool', shape: [2], data: new Uint8Array([1, 0]) }), 'b');
    expect(b).toEqual({ dtype: 'bool', shape: [2], data: new Uint8Array([1, 0]) });
    const i = fromOrtTensor(toOrtTensor(ort, { dtype: 'int64', shape: [1], data: new BigInt64Array([-(2n ** 63n)]) }), 'i');
    expect(i.data).toEqual(new BigInt64Array([-(2n ** 63n)]));
    const s = fromOrtTensor(toOrtTensor(ort, { dtype: 'string', shape: [2], data: ['a', '数据'] }), 's');
    expect(s).toEqual({ dtype: 'string', shape: [2], data: ['a', '数据'] });
  });

  it('reads a float16 output held in another 2-byte view as its bits', () => {
    const bits = new Uint16Array([0x3c00, 0x4000]);
    const fake = { type: 'float16', dims: [2], data: new Int16Array(bits.buffer) } as unknown as ort.Tensor;
    const t = fromOrtTensor(fake, 'h');
    expect(t.data).toBeInstanceOf(Uint16Array);
    expect(Array.from(t.data as Uint16Array)).toEqual([0x3c00, 0x4000]);
  });
});
