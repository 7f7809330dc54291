import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { ensureBackend } from '../backend/setup-backend.js';
import { createOptimizer } from './optimizers.js';

/** Runs `steps` updates of our optimizer and of tfjs's on the same quadratic problem; returns both weights. */
async function compare(ours: Parameters<typeof createOptimizer>[0], theirs: () => tf.Optimizer, steps: number): Promise<[Float32Array, Float32Array]> {
  await ensureBackend('wasm');
  const init = tf.tensor1d([0.5, -1.5, 2, 0, 3]);
  const target = tf.tensor1d([1, 2, -1, 0.25, 3]);
  const a = tf.variable(init.clone());
  const b = tf.variable(init.clone());
  const loss = (w: tf.Tensor) => tf.sum(tf.square(tf.sub(w, target))) as tf.Scalar;
  const mine = createOptimizer(ours);
  const reference = theirs();
  for (let i = 0; i < steps; i++) {
    const { grads, value } = tf.variableGrads(() => loss(a), [a]);
    mine.apply([a], [grads[a.name]!]);
    tf.dispose([value, ...Object.values(grads)]);
    reference.minimize(() => loss(b), false, [b]);
  }
  const out: [Float32Array, Float32Array] = [a.dataSync() as Float32Array, b.dataSync() as Float32Array];
  mine.dispose();
  reference.dispose();
  tf.dispose([init, target, a, b]);
  return out;
}

describe('optimizers', () => {
  const cases: [string, Parameters<typeof createOptimizer>[0], () => tf.Optimizer][] = [
    ['adam', { type: 'adam', learningRate: 0.05 }, () => tf.train.adam(0.05, 0.9, 0.999, 1e-7)],
    ['sgd', { type: 'sgd', learningRate: 0.1 }, () => tf.train.sgd(0.1)],
    ['sgd with momentum', { type: 'sgd', learningRate: 0.05, momentum: 0.9 }, () => tf.train.momentum(0.05, 0.9)],
    ['rmsprop', { type: 'rmsprop', learningRate: 0.01, momentum: 0.5 }, () => tf.train.rmsprop(0.01, 0.9, 0.5, 1e-7)],
  ];
  for (const [name, spec, reference] of cases) {
    it(`${name} makes the same updates as tfjs's optimizer`, async () => {
      const [ours, theirs] = await compare(spec, reference, 25);
      ours.forEach((v, i) => expect(Math.abs(v - theirs[i]!)).toBeLessThan(1e-5));
      expect(Array.from(ours)).not.toEqual([0.5, -1.5, 2, 0, 3]);
    });
  }

  it('keeps its state out of the subnormal range when gradients stay zero', async () => {
    await ensureBackend('wasm');
    const w = tf.variable(tf.tensor1d([1, 1]));
    const adam = createOptimizer({ type: 'adam' });
    adam.apply([w], [tf.tensor1d([1e-3, 0])]);
    const zero = tf.tensor1d([0, 0]);
    // Without flushing, the first moment of the second weight would be 1e-4 · 0.9^800 ≈ 5e-41 (subnormal).
    for (let i = 0; i < 800; i++) adam.apply([w], [zero]);
    const state = Object.values(tf.engine().state.registeredVariables).filter((v) => v !== w && v.shape[0] === 2);
    const values = state.flatMap((v) => Array.from(v.dataSync()));
    expect(values.length).toBeGreaterThan(0);
    expect(values.filter((v) => v !== 0 && Math.abs(v) < 1.1754944e-38)).toEqual([]);
    adam.dispose();
    tf.dispose([w, zero]);
  });
});
