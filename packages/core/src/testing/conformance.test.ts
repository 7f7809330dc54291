import { describe, expect, it } from 'vitest';
import type { ModelSignature } from '../model/signature.js';
import { DTYPES, type DType } from '../tensor/dtype.js';
import type { Tensor, TensorMap } from '../tensor/tensor.js';
import { runConformanceSuite, type ConformanceFixture, type ConformanceFixtures } from './conformance.js';
import { createFakeRuntime, type FakeRuntimeOptions } from './fake-runtime.js';
import type { GoldenCase } from './golden.js';

function fixture(name: string, signature: ModelSignature, golden?: GoldenCase): ConformanceFixture {
  return {
    source: { manifest: { schemaVersion: 1, name, version: '1', format: 'onnx', file: 'model.onnx', signature }, files: { 'model.onnx': new Uint8Array([name.length]) } },
    golden,
  };
}

/** A stand-in for the MLP: each of 10 scores is a fixed weighted sum of the row's 784 pixels. */
function scores(pixels: Float32Array, rows: number): Float32Array {
  const out = new Float32Array(rows * 10);
  for (let r = 0; r < rows; r++) {
    for (let k = 0; k < 10; k++) {
      let sum = 0;
      for (let j = 0; j < 784; j++) sum += pixels[r * 784 + j]! * (((j * 7 + k) % 5) / 784);
      out[r * 10 + k] = sum;
    }
  }
  return out;
}

const copy = (t: Tensor): Tensor => ({ dtype: t.dtype, shape: [...t.shape], data: t.data.slice() as Tensor['data'] });

function compute(feeds: TensorMap): TensorMap {
  if (feeds.pixels) {
    const rows = feeds.pixels.shape[0]!;
    return { probabilities: { dtype: 'float32', shape: [rows, 10], data: scores(feeds.pixels.data as Float32Array, rows) } };
  }
  if (feeds.a && feeds.ids) return { a_out: copy(feeds.a), ids_out: copy(feeds.ids) };
  return { y: copy(feeds.x!) };
}

function fixtures(): ConformanceFixtures {
  const pixels = Array.from({ length: 2 * 784 }, (_, i) => ((i * 37) % 101) / 100);
  const probabilities = Array.from(scores(Float32Array.from(pixels), 2));
  const identity: Partial<Record<DType, ConformanceFixture>> = {};
  for (const dtype of DTYPES) {
    identity[dtype] = fixture(`identity-${dtype}`, { inputs: [{ name: 'x', dtype, shape: ['batch', 'n'] }], outputs: [{ name: 'y', dtype, shape: ['batch', 'n'] }] });
  }
  return {
    mlp: fixture(
      'mlp',
      { inputs: [{ name: 'pixels', dtype: 'float32', shape: ['batch', 28, 28] }], outputs: [{ name: 'probabilities', dtype: 'float32', shape: ['batch', 10] }] },
      {
        tolerance: 1e-6,
        inputs: { pixels: { dtype: 'float32', shape: [2, 28, 28], data: pixels } },
        outputs: { probabilities: { dtype: 'float32', shape: [2, 10], data: probabilities } },
      },
    ),
    multiIo: fixture(
      'multi-io',
      {
        inputs: [
          { name: 'a', dtype: 'float32', shape: ['batch', 2] },
          { name: 'ids', dtype: 'int64', shape: ['batch', 3] },
        ],
        outputs: [
          { name: 'a_out', dtype: 'float32', shape: ['batch', 2] },
          { name: 'ids_out', dtype: 'int64', shape: ['batch', 3] },
        ],
      },
      {
        tolerance: 0,
        inputs: { a: { dtype: 'float32', shape: [1, 2], data: [0.5, -1] }, ids: { dtype: 'int64', shape: [1, 3], data: [1, 2, 3] } },
        outputs: { a_out: { dtype: 'float32', shape: [1, 2], data: [0.5, -1] }, ids_out: { dtype: 'int64', shape: [1, 3], data: [1, 2, 3] } },
      },
    ),
    fixedBatch: fixture('fixed', { inputs: [{ name: 'x', dtype: 'float32', shape: [1, 3] }], outputs: [{ name: 'y', dtype: 'float32', shape: [1, 3] }] }),
    identity,
  };
}

/** Registers the suite into a plain map instead of a test framework, so a test can run each part and see it fail. */
function collect(options: Partial<FakeRuntimeOptions> = {}): Map<string, () => Promise<void>> {
  const tests = new Map<string, () => Promise<void>>();
  runConformanceSuite({
    name: 'fake',
    runtimes: () => [createFakeRuntime({ signature: (source) => source.manifest!.signature!, compute, ...options })],
    fixtures: fixtures(),
    test: { describe: (_name, fn) => fn(), it: (name, fn) => void tests.set(name, fn) },
  });
  return tests;
}

describe('runConformanceSuite', () => {
  it('registers every part and passes against a runtime that keeps the contract', async () => {
    const tests = collect();
    expect(tests.size).toBe(11 + DTYPES.length);
    for (const [name, run] of tests) await expect(run(), name).resolves.toBeUndefined();
  });

  it('fails a runtime that changes dtypes', async () => {
    const tests = collect({
      compute: (feeds) => {
        const x = feeds.x;
        if (x?.dtype === 'int64') return { y: { dtype: 'float64', shape: [...x.shape], data: Float64Array.from(x.data as BigInt64Array, Number) } };
        return compute(feeds);
      },
    });
    await expect(tests.get('round-trips int64 exactly')!()).rejects.toThrow('expected dtype int64, got float64');
    await expect(tests.get('round-trips int32 exactly')!()).resolves.toBeUndefined();
  });

  it('fails a runtime whose rows depend on the rest of the batch', async () => {
    const tests = collect({
      compute: (feeds) => {
        const out = compute(feeds);
        if (feeds.pixels && feeds.pixels.shape[0]! > 2) (out.probabilities!.data as Float32Array)[0]! += 1;
        return out;
      },
    });
    await expect(tests.get('gives each row of a batch the answer it gets alone (symbolic batch 1, 2, 5)')!()).rejects.toThrow('row 0');
  });

  it('fails a runtime that reports no device', async () => {
    const tests = collect({ device: '' });
    await expect(tests.get('loads a model and reports the runtime that serves it')!()).rejects.toThrow('report.device');
  });
});
