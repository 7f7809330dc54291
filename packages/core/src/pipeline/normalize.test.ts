import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { ServableError } from '../errors/servable-error.js';
import type { ModelManifest } from '../model/manifest.js';
import type { ModelSignature, TensorSpec } from '../model/signature.js';
import type { DType } from '../tensor/dtype.js';
import { float32ToFloat16 } from '../tensor/float16.js';
import { normalizeInput } from './normalize.js';
import { validateFeeds } from './validate-feeds.js';

const one = (spec: TensorSpec): ModelSignature => ({ inputs: [spec], outputs: [{ name: 'out', dtype: 'float32', shape: ['batch', 1] }] });
const mnist = one({ name: 'pixels', dtype: 'float32', shape: ['batch', 28, 28] });
const tabular = one({ name: 'features', dtype: 'float32', shape: ['batch', 4] });
const twoInputs: ModelSignature = {
  inputs: [
    { name: 'a', dtype: 'float32', shape: ['batch', 2] },
    { name: 'ids', dtype: 'int64', shape: ['batch', 'seq'] },
  ],
  outputs: [{ name: 'y', dtype: 'float32', shape: ['batch', 1] }],
};

function error(fn: () => unknown): ServableError {
  try {
    fn();
  } catch (e) {
    if (ServableError.isInstance(e)) return e;
    throw new Error(`expected a ServableError, got ${String(e)}`);
  }
  throw new Error('expected an error, got success');
}

function expectError(fn: () => unknown, code: string, ...mentions: string[]): ServableError {
  const e = error(fn);
  expect(e.code, e.message).toBe(code);
  for (const m of mentions) expect(e.message).toContain(m);
  return e;
}

describe('normalizeInput: one example or a batch', () => {
  it('nested arrays of one example get a batch axis', () => {
    const r = normalizeInput([1, 2, 3, 4], tabular);
    expect(r.single).toBe(true);
    expect(r.batchSize).toBe(1);
    expect(r.feeds.features!.shape).toEqual([1, 4]);
    expect(r.feeds.features!.data).toEqual(new Float32Array([1, 2, 3, 4]));
  });

  it('nested arrays of a batch keep their shape', () => {
    const r = normalizeInput([[1, 2, 3, 4], [5, 6, 7, 8]], tabular);
    expect(r.single).toBe(false);
    expect(r.batchSize).toBe(2);
    expect(r.feeds.features!.shape).toEqual([2, 4]);
  });

  it('a flat array is one example or a batch laid end to end', () => {
    expect(normalizeInput(new Array(784).fill(0), mnist).feeds.pixels!.shape).toEqual([1, 28, 28]);
    expect(normalizeInput(new Array(784).fill(0), mnist).single).toBe(true);
    const batch = normalizeInput(new Array(784 * 3).fill(0), mnist);
    expect(batch.feeds.pixels!.shape).toEqual([3, 28, 28]);
    expect(batch.single).toBe(false);
  });

  it('a typed array is taken without a copy when its type fits', () => {
    const data = new Float32Array(784);
    const r = normalizeInput(data, mnist);
    expect(r.feeds.pixels!.data).toBe(data);
    expect(r.single).toBe(true);
    expect(normalizeInput(new Float64Array(4), tabular).feeds.features!.data).toBeInstanceOf(Float32Array);
  });

  it('a tensor of the full rank is a batch; one rank short is one example; other dtypes are converted', () => {
    const batch = normalizeInput({ dtype: 'float32', shape: [2, 4], data: new Float32Array(8) }, tabular);
    expect(batch.single).toBe(false);
    const single = normalizeInput({ dtype: 'int32', shape: [4], data: new Int32Array([1, 2, 3, 4]) }, tabular);
    expect(single.single).toBe(true);
    expect(single.feeds.features!.dtype).toBe('float32');
    expect(Array.from(single.feeds.features!.data as Float32Array)).toEqual([1, 2, 3, 4]);
    const half = normalizeInput({ dtype: 'float16', shape: [4], data: float32ToFloat16([0.5, 1, 2, -1]) }, tabular);
    expect(Array.from(half.feeds.features!.data as Float32Array)).toEqual([0.5, 1, 2, -1]);
  });

  it('a record keyed by input name feeds several inputs', () => {
    const r = normalizeInput({ a: [1, 2], ids: [7, 8, 9] }, twoInputs);
    expect(r.single).toBe(true);
    expect(r.feeds.a!.shape).toEqual([1, 2]);
    expect(r.feeds.ids!.data).toEqual(new BigInt64Array([7n, 8n, 9n]));
    const b = normalizeInput({ a: [[1, 2], [3, 4]], ids: [[1], [2]] }, twoInputs);
    expect(b.single).toBe(false);
    expect(b.batchSize).toBe(2);
  });

  it('a record also works for a single input', () => {
    expect(normalizeInput({ features: [1, 2, 3, 4] }, tabular).feeds.features!.shape).toEqual([1, 4]);
  });

  it('the manifest can name the input that plain values feed', () => {
    const manifest = { preprocessing: { input: 'a' } } as unknown as ModelManifest;
    const sig: ModelSignature = { inputs: [twoInputs.inputs[0]!], outputs: twoInputs.outputs };
    expect(normalizeInput([1, 2], sig, manifest).feeds.a!.shape).toEqual([1, 2]);
    const wrong = { preprocessing: { input: 'nope' } } as unknown as ModelManifest;
    expectError(() => normalizeInput([1, 2], sig, wrong), 'MANIFEST_INVALID', 'preprocessing.input', '"nope"', '"a"');
  });

  it('a model with a batch fixed at 1 still takes one example', () => {
    const fixed = one({ name: 'x', dtype: 'float32', shape: [1, 3] });
    const r = normalizeInput([1, 2, 3], fixed);
    expect(r.single).toBe(true);
    expect(r.feeds.x!.shape).toEqual([1, 3]);
    expectError(() => normalizeInput([[1, 2, 3], [4, 5, 6]], fixed), 'SHAPE_MISMATCH', 'input "x"', '[1, 3]', '[2, 3]');
  });
});

describe('normalizeInput: INVALID_INPUT', () => {
  const ints: DType[] = ['int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64'];

  it('refuses a fractional number for an integer input', () => {
    const e = expectError(() => normalizeInput([1, 2.5], one({ name: 'ids', dtype: 'int32', shape: ['batch', 2] })), 'INVALID_INPUT', 'input "ids"[1]', 'an integer (int32)', '2.5');
    expect(e.details).toMatchObject({ subject: 'input "ids"', index: 1, received: '2.5' });
  });

  for (const dtype of ints) {
    it(`refuses values out of the ${dtype} range on both sides`, () => {
      const sig = one({ name: 'v', dtype, shape: ['batch', 1] });
      const bits = Number(/\d+/.exec(dtype)![0]);
      const signed = !dtype.startsWith('u');
      const max = signed ? 2n ** BigInt(bits - 1) - 1n : 2n ** BigInt(bits) - 1n;
      const min = signed ? -(2n ** BigInt(bits - 1)) : 0n;
      const big = dtype.endsWith('64');
      const cast = (v: bigint) => (big ? v : Number(v));
      expect(() => normalizeInput([cast(max)], sig)).not.toThrow();
      expect(() => normalizeInput([cast(min)], sig)).not.toThrow();
      expectError(() => normalizeInput([cast(max + 1n)], sig), 'INVALID_INPUT', 'input "v"[0]', `[${min}, ${max}] (${dtype})`, String(big ? 'bigint' : max + 1n));
      expectError(() => normalizeInput([cast(min - 1n)], sig), 'INVALID_INPUT', 'input "v"[0]', `(${dtype})`);
    });
  }

  it('takes int64 beyond 2^53 as bigint or decimal text, refuses unsafe numbers', () => {
    const sig = one({ name: 'v', dtype: 'int64', shape: ['batch', 2] });
    expect(normalizeInput([2n ** 60n, '-9007199254740993'], sig).feeds.v!.data).toEqual(new BigInt64Array([2n ** 60n, -9007199254740993n]));
    expectError(() => normalizeInput([2 ** 60, 1], sig), 'INVALID_INPUT', 'input "v"[0]', 'a safe integer', 'bigint');
  });

  it('refuses NaN and Infinity in float inputs unless allowNonFinite', () => {
    expectError(() => normalizeInput([1, NaN, 3, 4], tabular), 'INVALID_INPUT', 'input "features"[1]', 'a finite number', 'NaN');
    expectError(() => normalizeInput([1, 2, Infinity, 4], tabular), 'INVALID_INPUT', 'input "features"[2]', 'Infinity', 'allowNonFinite');
    expectError(() => normalizeInput(new Float32Array([0, 0, 0, -Infinity]), tabular), 'INVALID_INPUT', 'input "features"[3]');
    const r = normalizeInput([1, NaN, Infinity, 4], tabular, undefined, { allowNonFinite: true });
    expect(Number.isNaN(r.feeds.features!.data[1])).toBe(true);
  });

  it('refuses values beyond float32 and float16 range', () => {
    expectError(() => normalizeInput([1e39, 0, 0, 0], tabular), 'INVALID_INPUT', 'float32 range');
    expectError(() => normalizeInput([70000], one({ name: 'h', dtype: 'float16', shape: ['batch', 1] })), 'INVALID_INPUT', 'input "h"[0]', '±65504', '70000');
  });

  it('refuses strings into numbers and numbers into strings', () => {
    expectError(() => normalizeInput([1, '2', 3, 4], tabular), 'INVALID_INPUT', 'input "features"[1]', 'a number (float32)', '"2"');
    expectError(() => normalizeInput(['1'], one({ name: 'n', dtype: 'int32', shape: ['batch', 1] })), 'INVALID_INPUT', 'input "n"[0]', 'an integer (int32)', '"1"');
    expectError(() => normalizeInput(['a', 5], one({ name: 'text', dtype: 'string', shape: ['batch', 2] })), 'INVALID_INPUT', 'input "text"[1]', 'a string', '5');
    expectError(() => normalizeInput([null, 1, 2, 3], tabular), 'INVALID_INPUT', 'input "features"[0]', 'null');
  });

  it('takes true/false/0/1 for booleans and refuses anything else', () => {
    const sig = one({ name: 'mask', dtype: 'bool', shape: ['batch', 4] });
    expect(normalizeInput([true, false, 1, 0], sig).feeds.mask!.data).toEqual(new Uint8Array([1, 0, 1, 0]));
    expectError(() => normalizeInput([true, 2, 0, 0], sig), 'INVALID_INPUT', 'input "mask"[1]', 'true/false', '2');
    expectError(() => normalizeInput([true, 'yes', 0, 0], sig), 'INVALID_INPUT', 'input "mask"[1]', '"yes"');
  });

  it('needs a record for a model with several inputs', () => {
    expectError(() => normalizeInput([1, 2], twoInputs), 'INVALID_INPUT', '"a"', '"ids"', 'an array', '2 inputs');
  });
});

describe('normalizeInput: SHAPE_MISMATCH', () => {
  it('refuses ragged arrays, naming where', () => {
    expectError(() => normalizeInput([[1, 2, 3, 4], [5, 6, 7]], tabular), 'SHAPE_MISMATCH', 'input "features"', 'rectangular', 'length 3 at [1]');
    expectError(() => normalizeInput([[1, 2, 3, 4], 5], tabular), 'SHAPE_MISMATCH', 'a scalar at [1]');
    expectError(() => normalizeInput([1, [2], 3, 4], tabular), 'SHAPE_MISMATCH', 'deeper array at [1]');
  });

  it('refuses the wrong rank, with a hint for an extra channel axis', () => {
    const e = expectError(() => normalizeInput([[[[1]]]], tabular), 'SHAPE_MISMATCH', 'input "features"', '[batch, 4] (float32)', '[1, 1, 1, 1]');
    expect(e.details).toMatchObject({ subject: 'features', expected: '[batch, 4]', received: '[1, 1, 1, 1]' });
    const rgb = Array.from({ length: 28 }, () => Array.from({ length: 28 }, () => [0, 0, 0]));
    expectError(() => normalizeInput(rgb, mnist), 'SHAPE_MISMATCH', 'input "pixels"', '[batch, 28, 28]', '[28, 28, 3]', 'drop the channel axis');
  });

  it('refuses a wrong fixed dimension', () => {
    expectError(() => normalizeInput([1, 2, 3], tabular), 'SHAPE_MISMATCH', 'input "features"', '[batch, 4] (float32)', '[1, 3]', 'dimension 1 must be 4');
  });

  it('refuses a symbolic dimension that disagrees between inputs', () => {
    const sig: ModelSignature = {
      inputs: [
        { name: 'tokens', dtype: 'int64', shape: ['batch', 'seq'] },
        { name: 'mask', dtype: 'int64', shape: ['batch', 'seq'] },
      ],
      outputs: [],
    };
    expectError(() => normalizeInput({ tokens: [[1, 2, 3]], mask: [[1, 1]] }, sig), 'SHAPE_MISMATCH', 'input "mask"', '"seq" is 2 here but 3 in input "tokens"');
    expectError(() => normalizeInput({ tokens: [[1, 2]], mask: [[1, 1], [1, 1]] }, sig), 'SHAPE_MISMATCH', '"batch"');
  });

  it('refuses a flat array that is not a multiple of the example size', () => {
    const e = expectError(() => normalizeInput(new Array(785).fill(0), mnist), 'SHAPE_MISMATCH', 'input "pixels"', '784 values per example', '785 values', 'multiple of 784');
    expect(e.details).toMatchObject({ expected: '784', received: '785' });
  });

  it('refuses a flat array when the example shape is symbolic', () => {
    expectError(() => normalizeInput([1, 2, 3], one({ name: 'x', dtype: 'float32', shape: ['batch', 'h', 'w'] })), 'SHAPE_MISMATCH', 'input "x"', 'symbolic');
  });

  it('refuses mixing one example and a batch across inputs', () => {
    expectError(() => normalizeInput({ a: [1, 2], ids: [[1, 2]] }, twoInputs), 'SHAPE_MISMATCH', 'input "ids"', 'one example', 'a batch');
  });
});

describe('normalizeInput: DTYPE_MISMATCH, MISSING_INPUT, UNKNOWN_INPUT', () => {
  it('refuses a string tensor for a numeric input and the other way round', () => {
    expectError(() => normalizeInput({ dtype: 'string', shape: [4], data: ['a', 'b', 'c', 'd'] }, tabular), 'DTYPE_MISMATCH', 'input "features"', '[batch, 4] (float32)', '[4] (string)');
    expectError(() => normalizeInput({ dtype: 'float32', shape: [1, 1], data: new Float32Array(1) }, one({ name: 't', dtype: 'string', shape: ['batch', 1] })), 'DTYPE_MISMATCH', 'input "t"', '(string)', '(float32)');
  });

  it('names a missing input', () => {
    const e = expectError(() => normalizeInput({ a: [1, 2] }, twoInputs), 'MISSING_INPUT', 'input "ids"', '[batch, seq] (int64)', 'got nothing');
    expect(e.details.subject).toBe('ids');
    expectError(() => normalizeInput(undefined, tabular), 'MISSING_INPUT', 'input "features"', 'undefined');
    expectError(() => normalizeInput({}, tabular), 'MISSING_INPUT', 'input "features"');
  });

  it('names an unknown input, for one input and for several', () => {
    const e = expectError(() => normalizeInput({ a: [1, 2], ids: [1], idz: [1] }, twoInputs), 'UNKNOWN_INPUT', 'input "idz"', '"a", "ids"', 'unknown name');
    expect(e.details.subject).toBe('idz');
    expectError(() => normalizeInput({ feature: [1, 2, 3, 4] }, tabular), 'UNKNOWN_INPUT', 'input "feature"', '"features"');
  });
});

describe('validateFeeds', () => {
  const sig: ModelSignature = { inputs: [{ name: 'x', dtype: 'float32', shape: ['batch', 2] }], outputs: [] };

  it('checks storage against the dtype and the length against the shape', () => {
    expectError(() => validateFeeds(sig, { x: { dtype: 'float32', shape: [1, 2], data: new Float64Array(2) as never } }), 'DTYPE_MISMATCH', 'input "x"', 'float32 storage', 'Float64Array');
    expectError(() => validateFeeds(sig, { x: { dtype: 'float32', shape: [1, 2], data: new Float32Array(3) } }), 'SHAPE_MISMATCH', 'input "x"', '2 elements', '3');
    expectError(() => validateFeeds(sig, { x: { dtype: 'float32', shape: [1.5, 2], data: new Float32Array(3) } }), 'SHAPE_MISMATCH', 'non-negative integer');
    expectError(() => validateFeeds(sig, null as never), 'INVALID_INPUT', 'feeds');
    expect(() => validateFeeds(sig, { x: { dtype: 'float32', shape: [3, 2], data: new Float32Array(6) } })).not.toThrow();
  });

  it('checks that a string input holds strings', () => {
    const s: ModelSignature = { inputs: [{ name: 't', dtype: 'string', shape: [1] }], outputs: [] };
    expectError(() => validateFeeds(s, { t: { dtype: 'string', shape: [1], data: [3] as never } }), 'DTYPE_MISMATCH', 'input "t"', 'strings');
  });
});

describe('normalizeInput: encoded images and file names', () => {
  const png = new Uint8Array(readFileSync(new URL('../../../../fixtures/images/gray.png', import.meta.url)));
  const jpeg = new Uint8Array(readFileSync(new URL('../../../../fixtures/images/seven.jpg', import.meta.url)));

  it('a path reaching a numeric input says to decode it first', () => {
    const e = expectError(() => normalizeInput('seven.png', mnist), 'INVALID_INPUT');
    expect(e.message).toBe('input "pixels": expected [batch, 28, 28] (float32), got the string "seven.png" — decode it first with await decodeImage("seven.png") and pass the image');
    expectError(() => normalizeInput({ pixels: 'https://example.com/seven.jpg?x=1' as unknown as number[] }, mnist), 'INVALID_INPUT', 'decodeImage("https://example.com/seven.jpg?x=1")');
    expectError(() => normalizeInput(['a.png', 'b.png'], tabular), 'INVALID_INPUT', 'input "features"[0]', 'decode it first with await decodeImage("a.png")');
    expectError(() => normalizeInput(['1', '2', '3', '4'], tabular), 'INVALID_INPUT', 'pass numbers, not text (Number("1"))');
  });

  it('PNG or JPEG file bytes, a Blob or a URL say to decode them first', () => {
    const e = expectError(() => normalizeInput(png, mnist), 'INVALID_INPUT');
    expect(e.message).toBe('input "pixels": expected [batch, 28, 28] (float32), got PNG file bytes, an encoded image — decode it first with await decodeImage(bytes) and pass the image');
    expectError(() => normalizeInput(jpeg, mnist), 'INVALID_INPUT', 'got JPEG file bytes', 'decodeImage(bytes)');
    expectError(() => normalizeInput(jpeg.buffer, mnist), 'INVALID_INPUT', 'got JPEG file bytes');
    expectError(() => normalizeInput(new Blob([png]), mnist), 'INVALID_INPUT', 'got a Blob, an encoded image — decode it first with await decodeImage(blob)');
    expectError(() => normalizeInput(new URL('https://example.com/seven.png'), mnist), 'INVALID_INPUT', 'decodeImage(url)');
  });

  it('raw bytes that happen to start like a JPEG still go in when they fit', () => {
    const spec = one({ name: 'x', dtype: 'uint8', shape: ['batch', 4] });
    const r = normalizeInput(new Uint8Array([0xff, 0xd8, 0xff, 7]), spec);
    expect(Array.from(r.feeds.x!.data as Uint8Array)).toEqual([0xff, 0xd8, 0xff, 7]);
  });
});

describe('normalizeInput: an 8-bit image into a float input without scaling', () => {
  const image = { data: new Uint8Array(28 * 28).fill(255), width: 28, height: 28, channels: 1 as const };
  const manifest = (image: Record<string, unknown> | undefined): ModelManifest => ({ schemaVersion: 1, name: 'm', version: '1', format: 'onnx', file: 'model.onnx', ...(image ? { preprocessing: { image } } : {}) });

  it('warns once per input when neither scale nor mean/std is declared, and the values go in raw', () => {
    const r = normalizeInput(image, mnist);
    expect((r.feeds.pixels!.data as Float32Array)[0]).toBe(255);
    expect(r.warnings).toEqual([
      {
        type: 'degraded',
        setting: 'preprocessing.image',
        message:
          'input "pixels": an 8-bit image went into this float32 input as raw 0–255 values, because the model has no preprocessing.image — if the model was trained on pixels in [0, 1], add "preprocessing": { "image": { "scale": 0.00392156862745098 } } to servable.json (or pass { manifest } to loadModel), or pass floats already scaled',
      },
    ]);
    expect(normalizeInput([image, image], mnist, manifest({ resize: { width: 28, height: 28 } })).warnings[0]!.message).toContain('because preprocessing.image has no scale or mean/std');
  });

  it('stays quiet when the manifest scales or normalizes, for float pixels and for integer inputs', () => {
    expect(normalizeInput(image, mnist, manifest({ scale: 1 / 255 })).warnings).toEqual([]);
    expect(normalizeInput(image, mnist, manifest({ mean: [0.5], std: [0.5] })).warnings).toEqual([]);
    expect(normalizeInput({ ...image, data: new Float32Array(784) }, mnist).warnings).toEqual([]);
    expect(normalizeInput(image, one({ name: 'pixels', dtype: 'uint8', shape: ['batch', 28, 28] })).warnings).toEqual([]);
    expect(normalizeInput(new Float32Array(784), mnist).warnings).toEqual([]);
  });
});
