import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tfjs } from '@servable/runtime-tfjs';
import { createPredictor } from '../predictor/create-predictor.js';
import { loadModel } from '../model/load-model.js';
import { explain } from './explain.js';

const mlp = fileURLToPath(new URL('../../../runtime-tfjs/fixtures/mlp', import.meta.url));

/** A 28×28 "digit": a vertical bar and a short cross stroke, values in [0, 1]. */
function digit(): number[][] {
  const img = Array.from({ length: 28 }, () => new Array<number>(28).fill(0));
  for (let y = 6; y < 22; y++) img[y]![14] = img[y]![15] = 0.9;
  for (let x = 10; x < 18; x++) img[10]![x] = 0.8;
  return img;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d;
}

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}

describe('explain on TensorFlow.js (exact gradients through the runtime capability)', () => {
  it('integrated gradients uses exact gradients and agrees with finite differences', async () => {
    await using predictor = createPredictor(await loadModel(mlp, { runtimes: [tfjs()] }));
    expect(predictor.model.loaded.gradients).toBeDefined();
    const exact = await explain(predictor, digit(), { method: 'integrated-gradients', steps: 32 });
    expect(exact.gradientSource).toBe('exact');
    expect(exact.predictions).toBe(2 + 32);
    const fd = await explain(predictor, digit(), { method: 'integrated-gradients', steps: 32, gradients: 'finite-differences' });
    expect(fd.gradientSource).toBe('finite-differences');
    expect(fd.output.index).toBe(exact.output.index);
    const scale = maxAbs(exact.attributions.data);
    expect(scale).toBeGreaterThan(0);
    expect(maxAbsDiff(exact.attributions.data, fd.attributions.data)).toBeLessThan(0.05 * scale);
    const delta = exact.output.value - exact.output.baselineValue;
    expect(Math.abs(exact.convergenceDelta!)).toBeLessThan(0.05 * Math.max(Math.abs(delta), 1e-3));
  });

  it('saliency uses one exact gradient and agrees with central differences', async () => {
    await using predictor = createPredictor(await loadModel(mlp, { runtimes: [tfjs()] }));
    const exact = await explain(predictor, digit(), { method: 'saliency' });
    expect(exact.gradientSource).toBe('exact');
    expect(exact.predictions).toBe(3);
    const fd = await explain(predictor, digit(), { method: 'saliency', gradients: 'finite-differences' });
    expect(fd.predictions).toBe(2 + 2 * 784);
    expect(maxAbsDiff(exact.attributions.data, fd.attributions.data)).toBeLessThan(0.02 * maxAbs(exact.attributions.data));
  });
});
