import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { onnxNode } from '@servable/runtime-node';
import { ServableError } from '../errors/servable-error.js';
import { loadModel } from '../model/load-model.js';
import type { ModelManifest } from '../model/manifest.js';
import type { LoadedModel, Runtime } from '../model/runtime.js';
import type { ModelSignature } from '../model/signature.js';
import { createPredictor, type Predictor } from '../predictor/create-predictor.js';
import type { Tensor, TensorMap } from '../tensor/tensor.js';
import { explain } from './explain.js';
import type { ExplainOptions, ExplainProgress } from './explanation.js';

type RowFunction = (x: Float32Array) => number[];
type RowGradient = (x: Float32Array, index: number) => number[];

interface FunctionModel {
  readonly features: number;
  readonly outputs: number;
  readonly f: RowFunction;
  readonly gradient?: RowGradient;
  readonly manifest?: Partial<ModelManifest>;
}

/** A runtime computing `f` row by row in JavaScript; counts runs and gradient calls. */
function functionRuntime(m: FunctionModel) {
  const counts = { runs: 0, rows: 0, gradientRows: 0 };
  const signature: ModelSignature = {
    inputs: [{ name: 'x', dtype: 'float32', shape: ['batch', m.features] }],
    outputs: [{ name: 'y', dtype: 'float32', shape: ['batch', m.outputs] }],
  };
  const rowsOf = (t: Tensor) => Array.from({ length: t.shape[0]! }, (_, r) => (t.data as Float32Array).subarray(r * m.features, (r + 1) * m.features));
  const runtime: Runtime = {
    specificationVersion: 'v1',
    name: 'function',
    device: 'cpu',
    formats: ['onnx'],
    probe: async () => ({ available: true }),
    doLoad: async () => {
      const loaded: LoadedModel = {
        signature,
        device: 'cpu',
        async doRun(feeds: TensorMap) {
          const rows = rowsOf(feeds.x!);
          counts.runs++;
          counts.rows += rows.length;
          return { y: { dtype: 'float32', shape: [rows.length, m.outputs], data: Float32Array.from(rows.flatMap((r) => m.f(r))) } };
        },
        dispose() {},
        ...(m.gradient
          ? {
              gradients: {
                async doGradient(feeds: TensorMap, o: { inputName: string; outputName: string; index?: number }) {
                  const rows = rowsOf(feeds[o.inputName]!);
                  counts.gradientRows += rows.length;
                  return { dtype: 'float32', shape: [rows.length, m.features], data: Float32Array.from(rows.flatMap((r) => m.gradient!(r, o.index ?? 0))) } as Tensor;
                },
              },
            }
          : {}),
      };
      return loaded;
    },
  };
  return { runtime, counts, signature };
}

async function predictorFor(m: FunctionModel): Promise<{ predictor: Predictor; counts: ReturnType<typeof functionRuntime>['counts'] }> {
  const { runtime, counts } = functionRuntime(m);
  const manifest = m.manifest ? ({ schemaVersion: 1, name: 'fn', version: '1', format: 'onnx', file: 'model.onnx', ...m.manifest } as ModelManifest) : undefined;
  const model = await loadModel(new Uint8Array([1]), { runtimes: [runtime], format: 'onnx', ...(manifest ? { manifest } : {}) });
  return { predictor: createPredictor(model), counts };
}

/** Exact Shapley values by enumerating every coalition (the definition, independent of KernelSHAP). */
function exactShapley(f: (v: number[]) => number, x: number[], b: number[]): number[] {
  const m = x.length;
  const fact = (n: number): number => (n <= 1 ? 1 : n * fact(n - 1));
  const value = (mask: number) => f(x.map((xi, i) => (mask & (1 << i) ? xi : b[i]!)));
  return x.map((_, i) => {
    let phi = 0;
    for (let mask = 0; mask < 1 << m; mask++) {
      if (mask & (1 << i)) continue;
      let s = 0;
      for (let k = 0; k < m; k++) if (mask & (1 << k)) s++;
      phi += ((fact(s) * fact(m - s - 1)) / fact(m)) * (value(mask | (1 << i)) - value(mask));
    }
    return phi;
  });
}

async function rejection(p: Promise<unknown>): Promise<ServableError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!ServableError.isInstance(e)) throw new Error(`expected a ServableError, got ${String(e)}`);
  return e;
}

const interacting = (v: readonly number[]) => v[0]! * v[1]! + 2 * v[2]! * v[2]! - v[3]! + 0.5 * v[0]! * v[3]! * v[4]!;

describe('kernelshap', () => {
  it('equals the exact Shapley values of a model with interactions when the budget covers every coalition', async () => {
    const { predictor } = await predictorFor({ features: 5, outputs: 1, f: (r) => [interacting(Array.from(r))] });
    const x = [0.5, -1.5, 1, 2, -0.75];
    const b = [0.25, 0.5, -0.5, 0, 1];
    const e = await explain(predictor, x, { method: 'kernelshap', baseline: b });
    const exact = exactShapley((v) => interacting(v.map(Math.fround)), x, b);
    Array.from(e.attributions.data).forEach((a, i) => expect(a).toBeCloseTo(exact[i]!, 4));
    expect(e.predictions).toBe(2 + 30);
  });

  it('approximates them on a sampled budget, keeps the sum exact, and repeats itself for a seed', async () => {
    const weights = [3, -2, 1, 0.5, 0, 0, 1.5, -1, 0, 2, 0, -0.5];
    const f = (v: readonly number[]) => weights.reduce((s, w, i) => s + w * v[i]!, 0) + v[0]! * v[1]!;
    const { predictor } = await predictorFor({ features: 12, outputs: 1, f: (r) => [f(Array.from(r))] });
    const x = weights.map((_, i) => 1 + (i % 3) * 0.25);
    const options: ExplainOptions = { method: 'kernelshap', samples: 600, seed: 42 };
    const a = await explain(predictor, x, options);
    const again = await explain(predictor, x, options);
    const other = await explain(predictor, x, { ...options, seed: 43 });
    expect(Array.from(again.attributions.data)).toEqual(Array.from(a.attributions.data));
    expect(Array.from(other.attributions.data)).not.toEqual(Array.from(a.attributions.data));
    const exact = exactShapley((v) => f(v.map(Math.fround)), x, new Array(12).fill(0));
    Array.from(a.attributions.data).forEach((v, i) => expect(Math.abs(v - exact[i]!)).toBeLessThan(0.05));
    expect(Math.abs(a.convergenceDelta!)).toBeLessThan(1e-4);
    expect(a.predictions).toBe(2 + 600);
  });
});

describe('integrated gradients and saliency with exact gradients', () => {
  const square: FunctionModel = {
    features: 4,
    outputs: 2,
    f: (r) => [r.reduce((s, v) => s + v * v, 0), r[0]! * 3],
    gradient: (r, index) => (index === 0 ? Array.from(r, (v) => 2 * v) : [3, 0, 0, 0]),
  };
  const x = [1, -2, 0.5, 3];

  it('uses the runtime capability, says so, and agrees with finite differences', async () => {
    const { predictor, counts } = await predictorFor(square);
    const exact = await explain(predictor, x, { method: 'integrated-gradients', steps: 16, target: 0 });
    expect(exact.gradientSource).toBe('exact');
    expect(counts.gradientRows).toBe(16);
    expect(exact.predictions).toBe(2 + 16);
    const fd = await explain(predictor, x, { method: 'integrated-gradients', steps: 16, target: 0, gradients: 'finite-differences' });
    expect(fd.gradientSource).toBe('finite-differences');
    expect(counts.gradientRows).toBe(16);
    x.forEach((xi, i) => {
      expect(exact.attributions.data[i]).toBeCloseTo(xi * xi, 4);
      expect(fd.attributions.data[i]).toBeCloseTo(xi * xi, 4);
    });
    expect(Math.abs(exact.convergenceDelta!)).toBeLessThan(1e-4);
  });

  it('saliency takes one gradient evaluation, and its signed value on request', async () => {
    const { predictor } = await predictorFor(square);
    const e = await explain(predictor, x, { method: 'saliency', target: 0, absolute: false });
    expect(e.gradientSource).toBe('exact');
    expect(e.predictions).toBe(3);
    expect(Array.from(e.attributions.data)).toEqual(x.map((v) => 2 * v));
    const fd = await explain(predictor, x, { method: 'saliency', target: 0, gradients: 'finite-differences' });
    x.forEach((v, i) => expect(fd.attributions.data[i]).toBeCloseTo(Math.abs(2 * v), 2));
  });

  it('explains the class asked for, and defaults to the top one', async () => {
    const { predictor } = await predictorFor({ ...square, manifest: { labels: ['energy', 'first'] } });
    const top = await explain(predictor, x, { method: 'saliency' });
    expect(top.output).toMatchObject({ name: 'y', index: 0, label: 'energy', value: 1 + 4 + 0.25 + 9 });
    const second = await explain(predictor, x, { method: 'saliency', target: { output: 'y', index: 1 } });
    expect(second.output).toMatchObject({ index: 1, label: 'first', value: 3 });
    expect(Array.from(second.attributions.data)).toEqual([3, 0, 0, 0]);
  });
});

describe('progress and cancellation', () => {
  const model: FunctionModel = { features: 10, outputs: 1, f: (r) => [r.reduce((s, v) => s + v, 0)] };
  const x = Array.from({ length: 10 }, (_, i) => i + 1);

  it('reports progress after each batch up to the evaluations spent', async () => {
    const { predictor, counts } = await predictorFor(model);
    const seen: ExplainProgress[] = [];
    const e = await explain(predictor, x, { method: 'integrated-gradients', steps: 4, batchSize: 8, onProgress: (p) => seen.push(p) });
    expect(e.predictions).toBe(2 + 4 * 11);
    expect(counts.rows).toBe(e.predictions);
    expect(seen.at(-1)).toEqual({ done: e.predictions, total: e.predictions });
    expect(seen.every((p, i) => p.total === e.predictions && (i === 0 || p.done > seen[i - 1]!.done))).toBe(true);
    expect(Math.max(...seen.map((p, i) => p.done - (seen[i - 1]?.done ?? 0)))).toBeLessThanOrEqual(8);
  });

  it('stops between batches when the signal fires, with ABORTED', async () => {
    const { predictor, counts } = await predictorFor(model);
    const controller = new AbortController();
    const err = await rejection(
      explain(predictor, x, {
        method: 'saliency',
        batchSize: 4,
        signal: controller.signal,
        onProgress: (p) => {
          if (p.done >= 6) controller.abort(new Error('user left'));
        },
      }),
    );
    expect(err.code).toBe('ABORTED');
    expect(err.message).toMatch(/explain was aborted: Error: user left/);
    expect(counts.rows).toBe(6);
  });

  it('does not start when the signal has already fired', async () => {
    const { predictor, counts } = await predictorFor(model);
    const err = await rejection(explain(predictor, x, { method: 'occlusion', signal: AbortSignal.abort() }));
    expect(err.code).toBe('ABORTED');
    expect(counts.runs).toBe(0);
  });
});

describe('bad input and options', () => {
  const model: FunctionModel = { features: 3, outputs: 2, f: (r) => [r[0]!, r[1]!] };

  it('names the problem, what was expected, what came and the fix', async () => {
    const { predictor } = await predictorFor(model);
    const cases: [Promise<unknown>, string, RegExp][] = [
      [explain(predictor, [1, 2, 3], { method: 'lime' as never }), 'INVALID_ARGUMENT', /explain option "method": expected 'occlusion', 'kernelshap', 'integrated-gradients', 'saliency', got "lime"/],
      [explain(predictor, [[1, 2, 3], [4, 5, 6]], { method: 'occlusion' }), 'INVALID_INPUT', /input "x": expected one example to explain, got a batch of 2 — call explain once per example/],
      [explain(predictor, [1, 2, 3], { method: 'occlusion', baseline: [0, 0] }), 'SHAPE_MISMATCH', /explain option "baseline": expected one value per element of the example \[3\] \(3 values\) or a single number, got \[2\] \(2 values\)/],
      [explain(predictor, [1, 2, 3], { method: 'occlusion', target: 5 }), 'INVALID_ARGUMENT', /explain option "target.index": expected an integer in \[0, 2\) for output "y", got 5/],
      [explain(predictor, [1, 2, 3], { method: 'occlusion', target: { output: 'z' } }), 'INVALID_ARGUMENT', /explain option "target.output": expected one of "y", got "z"/],
      [explain(predictor, [1, 2, 3], { method: 'integrated-gradients', steps: 0 }), 'INVALID_ARGUMENT', /explain option "steps": expected a positive integer/],
      [explain(predictor, [1, 2, 3], { method: 'kernelshap', samples: 1.5 }), 'INVALID_ARGUMENT', /explain option "samples": expected a positive integer/],
      [explain(predictor, [1, 2, 3], { method: 'occlusion', batchSize: 0 }), 'INVALID_ARGUMENT', /explain option "batchSize": expected a positive integer, got 0/],
      [explain(predictor, [1, 2, 3], { method: 'saliency', gradients: 'exact' }), 'UNSUPPORTED_CAPABILITY', /saliency: expected exact gradients from runtime function, got a runtime without the gradients capability/],
      [explain(predictor, [1, 2], { method: 'occlusion' }), 'SHAPE_MISMATCH', /input "x"/],
      [explain({} as Predictor, [1, 2, 3], { method: 'occlusion' }), 'INVALID_ARGUMENT', /explain: predictor: expected a Predictor from createPredictor\(\)/],
    ];
    for (const [promise, code, message] of cases) {
      const err = await rejection(promise);
      expect(err.code, err.message).toBe(code);
      expect(err.message).toMatch(message);
    }
  });
});

describe('models with a fixed batch and several inputs (ONNX Runtime)', () => {
  const fixture = (name: string) => fileURLToPath(new URL(`../../../../fixtures/models/${name}`, import.meta.url));

  it('explains a model whose batch is fixed at 1, one example per run', async () => {
    await using predictor = createPredictor(await loadModel(fixture('fixed_batch.onnx'), { runtimes: [onnxNode()] }));
    const e = await explain(predictor, [1, 3, 2], { method: 'occlusion' });
    expect(e.output).toMatchObject({ index: 1, value: 7, baselineValue: 1 });
    expect(Array.from(e.attributions.data)).toEqual([0, 6, 0]);
    expect(e.predictions).toBe(2 + 3);
  });

  it('explains one input of a multi-input model and holds the others fixed', async () => {
    await using predictor = createPredictor(await loadModel(fixture('multi_io.onnx'), { runtimes: [onnxNode()] }));
    const input = {
      a: [1, 2, 3, 4],
      ids: { dtype: 'int64', shape: [3], data: new BigInt64Array([1n, 2n, 3n]) },
      mask: [true, false, true],
      h: { dtype: 'float16', shape: [2], data: new Uint16Array([0x3c00, 0x4000]) },
    };
    const e = await explain(predictor, input, { method: 'integrated-gradients', input: 'a', target: { output: 'total' }, steps: 4 });
    expect(e.input).toBe('a');
    expect(e.output.value).toBeCloseTo(10 + 1 + 2, 4);
    expect(e.output.baselineValue).toBeCloseTo(3, 4);
    Array.from(e.attributions.data).forEach((v, i) => expect(v).toBeCloseTo(i + 1, 3));
    const err = await rejection(explain(predictor, input, { method: 'occlusion' }));
    expect(err.message).toMatch(/explain option "input": expected the name of the input to explain/);
  });
});
