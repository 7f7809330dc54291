import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { createTrainer } from '../training/create-trainer.js';
import { ensureBackend } from './setup-backend.js';

async function filterGrad(backend: 'cpu' | 'wasm', strides: number, pad: 'same' | 'valid'): Promise<{ values: Float32Array; shape: number[] }> {
  await ensureBackend(backend);
  return tf.tidy(() => {
    const x = tf.randomNormal([2, 9, 7, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
    const w = tf.randomNormal([3, 2, 3, 4], 0, 1, 'float32', 2) as tf.Tensor4D;
    const y = tf.conv2d(x, w, strides, pad);
    const weights = tf.randomNormal(y.shape, 0, 1, 'float32', 3);
    const g = tf.grad((ww: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(x, ww as tf.Tensor4D, strides, pad), weights)))(w);
    return { values: g.dataSync() as Float32Array, shape: g.shape };
  });
}

describe('Conv2DBackpropFilter on wasm', () => {
  for (const [strides, pad] of [[1, 'same'], [2, 'valid'], [2, 'same']] as const) {
    it(`matches the cpu backend's filter gradient (strides ${strides}, ${pad})`, async () => {
      const cpu = await filterGrad('cpu', strides, pad);
      const wasm = await filterGrad('wasm', strides, pad);
      expect(wasm.shape).toEqual(cpu.shape);
      wasm.values.forEach((v, i) => expect(Math.abs(v - cpu.values[i]!)).toBeLessThan(1e-4 * Math.max(1, Math.abs(cpu.values[i]!))));
    });
  }

  it('lets a functional CNN (tfjs gradients, not the fast path) train on wasm without leaking', async () => {
    await ensureBackend('wasm');
    const input = tf.input({ shape: [6, 6, 1] });
    const conv = tf.layers.conv2d({ filters: 2, kernelSize: 3, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }).apply(input) as tf.SymbolicTensor;
    const out = tf.layers.dense({ units: 2, activation: 'softmax', kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }).apply(tf.layers.flatten().apply(conv)) as tf.SymbolicTensor;
    const trainer = await createTrainer(tf.model({ inputs: input, outputs: out }), { optimizer: { type: 'adam', learningRate: 0.05 } });
    expect(trainer.fastPath).toBe(false);
    const x = Array.from({ length: 16 }, (_, i) => Array.from({ length: 6 }, (_, r) => Array.from({ length: 6 }, (_, c) => [i % 2 === 0 ? (c < 3 ? 1 : 0) : r < 3 ? 1 : 0])));
    const y = Array.from({ length: 16 }, (_, i) => i % 2);
    await trainer.fit({ x, y }, { epochs: 1, batchSize: 8 });
    const before = { tensors: tf.memory().numTensors, buffers: tf.backend().numDataIds() };
    const history = await trainer.fit({ x, y }, { epochs: 15, batchSize: 8 });
    expect({ tensors: tf.memory().numTensors, buffers: tf.backend().numDataIds() }).toEqual(before);
    expect(history.history.loss![14]!).toBeLessThan(history.history.loss![0]!);
    trainer.dispose();
  });
});
