import { describe, expect, it } from 'vitest';
import { ServableError } from '../errors/servable-error.js';
import { loadModel } from '../model/load-model.js';
import type { ModelManifest } from '../model/manifest.js';
import type { ModelSignature } from '../model/signature.js';
import type { Classification } from '../pipeline/postprocess.js';
import { createFakeRuntime } from '../testing/fake-runtime.js';
import type { TensorMap } from '../tensor/tensor.js';
import { createPredictor } from './create-predictor.js';

const signature: ModelSignature = {
  inputs: [{ name: 'features', dtype: 'float32', shape: ['batch', 3] }],
  outputs: [
    { name: 'logits', dtype: 'float32', shape: ['batch', 3] },
    { name: 'sum', dtype: 'float32', shape: ['batch', 1] },
  ],
};

/** logits = the features themselves; sum = their row sums. */
function compute(feeds: TensorMap): TensorMap {
  const x = feeds.features!;
  const n = x.shape[0]!;
  const sums = new Float32Array(n);
  for (let r = 0; r < n; r++) for (let c = 0; c < 3; c++) sums[r]! += (x.data as Float32Array)[r * 3 + c]!;
  return { logits: { dtype: 'float32', shape: [n, 3], data: (x.data as Float32Array).slice() }, sum: { dtype: 'float32', shape: [n, 1], data: sums } };
}

const manifest: ModelManifest = { schemaVersion: 1, name: 'toy', version: '1', format: 'onnx', file: 'model.onnx', labels: ['a', 'b', 'c'], postprocessing: { output: 'logits' } };
const BYTES = new Uint8Array([1, 2, 3]);

async function predictorFor(options: { manifest?: ModelManifest; batching?: boolean } = {}) {
  const runtime = createFakeRuntime({ signature, compute });
  const model = await loadModel(BYTES, { runtimes: [runtime], manifest: options.manifest });
  return { runtime, predictor: createPredictor(model, { batching: options.batching }) };
}

describe('createPredictor', () => {
  it('returns tensors without the batch axis for one example and with it for a batch', async () => {
    const { predictor } = await predictorFor();
    const one = await predictor.predict([1, 2, 3]);
    expect((one as TensorMap).logits!.shape).toEqual([3]);
    expect((one as TensorMap).sum!.shape).toEqual([1]);
    expect((one as TensorMap).sum!.data[0]).toBe(6);
    const many = (await predictor.predict([[1, 2, 3], [4, 5, 6]], { output: 'tensors' })) as TensorMap;
    expect(many.logits!.shape).toEqual([2, 3]);
    expect(Array.from(many.sum!.data as Float32Array)).toEqual([6, 15]);
  });

  it('answers an array for batch: true and one answer for batch: false, whatever the input shape', async () => {
    const { predictor } = await predictorFor({ manifest });
    const asBatch = await predictor.predict([0, 5, 1], { output: 'classification', batch: true });
    expect(Array.isArray(asBatch)).toBe(true);
    expect(asBatch.map((c) => c.label)).toEqual(['b']);
    const one = await predictor.predict([[0, 5, 1]], { output: 'classification', batch: false });
    expect(Array.isArray(one)).toBe(false);
    expect(one.label).toBe('b');
    const tensors = (await predictor.predict([0, 5, 1], { output: 'tensors', batch: true })) as TensorMap;
    expect(tensors.logits!.shape).toEqual([1, 3]);
    const unbatched = (await predictor.predict([[0, 5, 1]], { output: 'tensors', batch: false })) as TensorMap;
    expect(unbatched.logits!.shape).toEqual([3]);
  });

  it('refuses a batch of several examples under batch: false, and a batch option that is not a boolean', async () => {
    const { predictor } = await predictorFor({ manifest });
    const e = await predictor.predict([[0, 5, 1], [1, 0, 0]], { output: 'classification', batch: false }).catch((x: unknown) => x);
    expect(ServableError.isInstance(e) && e.code).toBe('SHAPE_MISMATCH');
    expect((e as Error).message).toContain('got a batch of 2');
    const bad = await predictor.predict([0, 5, 1], { batch: 'yes' as unknown as boolean }).catch((x: unknown) => x);
    expect(ServableError.isInstance(bad) && bad.code).toBe('INVALID_ARGUMENT');
  });

  it('adds the raw-pixels warning to the model report once, however many predictions', async () => {
    const runtime = createFakeRuntime({ signature: { inputs: [{ name: 'pixels', dtype: 'float32', shape: ['batch', 2, 2] }], outputs: [{ name: 'y', dtype: 'float32', shape: ['batch', 2, 2] }] } });
    const model = await loadModel(BYTES, { runtimes: [runtime] });
    const predictor = createPredictor(model);
    const image = { data: Uint8Array.from([0, 64, 128, 255]), width: 2, height: 2, channels: 1 as const };
    expect(model.report.warnings).toEqual([]);
    for (let i = 0; i < 3; i++) await predictor.predict(image, { output: 'tensors' });
    expect(model.report.warnings).toHaveLength(1);
    expect(model.report.warnings[0]).toMatchObject({ type: 'degraded', setting: 'preprocessing.image' });
    expect(model.report.warnings[0]!.message).toContain('went into this float32 input as raw 0–255 values');
  });

  it('keeps only the outputs asked for', async () => {
    const { predictor } = await predictorFor();
    const out = await predictor.predict([1, 2, 3], { output: 'tensors', outputs: ['sum'] });
    expect(Object.keys(out)).toEqual(['sum']);
    const e = await predictor.predict([1, 2, 3], { output: 'tensors', outputs: ['nope'] }).catch((x: unknown) => x);
    expect(ServableError.isInstance(e) && e.code).toBe('INVALID_ARGUMENT');
  });

  it('classifies when asked, or by default when the manifest has labels', async () => {
    const { predictor } = await predictorFor({ manifest });
    const one = (await predictor.predict([0, 5, 1])) as Classification;
    expect(one.label).toBe('b');
    expect(one.top.map((t) => t.label)).toEqual(['b', 'c', 'a']);
    const many = (await predictor.predict([[0, 5, 1], [9, 0, 0]], { output: 'classification', topK: 1 })) as Classification[];
    expect(many.map((c) => c.label)).toEqual(['b', 'a']);
    expect(many[0]!.top).toHaveLength(1);
    const raw = await predictor.predict([0, 5, 1], { output: 'tensors' });
    expect(raw.logits!.shape).toEqual([3]);
    const { predictor: plain } = await predictorFor();
    const forced = (await plain.predict([0, 5, 1], { output: 'classification' })) as Classification;
    expect(forced.index).toBe(1);
  });

  it('merges concurrent predictions when batching is on', async () => {
    const { predictor, runtime } = await predictorFor({ batching: true });
    expect(predictor.batcher).toBeDefined();
    const answers = (await Promise.all([[1, 1, 1], [2, 2, 2], [3, 3, 3]].map((x) => predictor.predict(x, { output: 'tensors' })))) as TensorMap[];
    expect(runtime.runs).toHaveLength(1);
    expect(answers.map((a) => a.sum!.data[0])).toEqual([3, 6, 9]);
    expect(answers[0]!.sum!.shape).toEqual([1]);
  });

  it('raises input errors before running and honours an aborted signal', async () => {
    const { predictor, runtime } = await predictorFor();
    await expect(predictor.predict([1, 2])).rejects.toMatchObject({ code: 'SHAPE_MISMATCH' });
    const ctrl = new AbortController();
    ctrl.abort();
    await expect(predictor.predict([1, 2, 3], { signal: ctrl.signal })).rejects.toMatchObject({ code: 'ABORTED' });
    expect(runtime.runs).toHaveLength(0);
  });

  it('disposes the model (and the batcher) with Symbol.asyncDispose', async () => {
    const { predictor, runtime } = await predictorFor({ batching: true });
    {
      await using p = predictor;
      await p.predict([1, 2, 3]);
      expect(runtime.live).toBe(1);
    }
    expect(runtime.live).toBe(0);
    expect(predictor.model.disposed).toBe(true);
    await expect(predictor.predict([1, 2, 3])).rejects.toMatchObject({ code: 'DISPOSED' });
  });

  it('refuses something that is not a Model', () => {
    expect(() => createPredictor({} as never)).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});
