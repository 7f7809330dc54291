import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBackend } from '../backend/setup-backend.js';
import { conv2dOp, denseOp, maxPoolOp, softmaxCrossEntropy, type WindowGeometry } from './fast-ops.js';

function maxDiff(a: tf.Tensor, b: tf.Tensor): number {
  expect(a.shape).toEqual(b.shape);
  const x = a.dataSync();
  const y = b.dataSync();
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i]! - y[i]!));
  return m;
}

// The reference gradients come from tfjs's own kernels on the cpu backend, which has Conv2DBackpropFilter.
describe('fast training ops match tfjs gradients (cpu backend)', () => {
  beforeAll(async () => {
    await ensureBackend('cpu');
  });
  afterAll(async () => {
    await ensureBackend('wasm');
  });

  it('dense with fused relu: value and gradients of x, kernel and bias', () => {
    tf.tidy(() => {
      const x = tf.randomNormal([5, 7], 0, 1, 'float32', 1);
      const w = tf.randomNormal([7, 3], 0, 1, 'float32', 2);
      const b = tf.randomNormal([3], 0, 1, 'float32', 3);
      const weights = tf.randomNormal([5, 3], 0, 1, 'float32', 4);
      const op = denseOp(true, true);
      const fast = tf.grads((xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.mul(op(xx as tf.Tensor2D, ww as tf.Tensor2D, bb as tf.Tensor1D), weights)))([x, w, b]);
      const reference = tf.grads((xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.mul(tf.relu(tf.add(tf.matMul(xx, ww), bb)), weights)))([x, w, b]);
      fast.forEach((g, i) => expect(maxDiff(g, reference[i]!)).toBeLessThan(1e-5));
      expect(maxDiff(op(x as tf.Tensor2D, w as tf.Tensor2D, b as tf.Tensor1D), tf.relu(tf.add(tf.matMul(x, w), b)))).toBeLessThan(1e-6);
    });
  });

  const geometries: [string, WindowGeometry][] = [
    ['3×3 same stride 1', { kernel: [3, 3], strides: [1, 1], padding: 'same' }],
    ['3×3 valid stride 2', { kernel: [3, 3], strides: [2, 2], padding: 'valid' }],
    ['2×3 same stride 2', { kernel: [2, 3], strides: [2, 2], padding: 'same' }],
    ['2×2 same stride 1 (uneven padding)', { kernel: [2, 2], strides: [1, 1], padding: 'same' }],
    ['3×2 valid strides [1, 2]', { kernel: [3, 2], strides: [1, 2], padding: 'valid' }],
  ];
  for (const [name, geometry] of geometries) {
    it(`conv2d ${name}: filter and input gradients (as convolutions) equal tfjs's`, () => {
      tf.tidy(() => {
        const x = tf.randomNormal([2, 7, 6, 3], 0, 1, 'float32', 5) as tf.Tensor4D;
        const w = tf.randomNormal([geometry.kernel[0], geometry.kernel[1], 3, 4], 0, 1, 'float32', 6) as tf.Tensor4D;
        const b = tf.randomNormal([4], 0, 1, 'float32', 7) as tf.Tensor1D;
        const op = conv2dOp(geometry, true, true);
        const reference = (xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) => tf.relu(tf.add(tf.conv2d(xx as tf.Tensor4D, ww as tf.Tensor4D, geometry.strides as [number, number], geometry.padding), bb));
        const y = reference(x, w, b);
        const weights = tf.randomNormal(y.shape, 0, 1, 'float32', 8);
        expect(maxDiff(op(x, w, b), y)).toBeLessThan(1e-5);
        const fast = tf.grads((xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.mul(op(xx as tf.Tensor4D, ww as tf.Tensor4D, bb as tf.Tensor1D), weights)))([x, w, b]);
        const slow = tf.grads((xx: tf.Tensor, ww: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.mul(reference(xx, ww, bb), weights)))([x, w, b]);
        fast.forEach((g, i) => expect(maxDiff(g, slow[i]!)).toBeLessThan(1e-4));
      });
    });
  }

  for (const [h, w] of [[8, 6], [7, 5]] as const) {
    it(`max pooling 2×2 on ${h}×${w}: value and gradient equal tfjs's`, () => {
      tf.tidy(() => {
        const x = tf.randomNormal([2, h, w, 3], 0, 1, 'float32', 12) as tf.Tensor4D;
        const op = maxPoolOp([2, 2]);
        const reference = (xx: tf.Tensor) => tf.maxPool(xx as tf.Tensor4D, 2, 2, 'valid');
        const weights = tf.randomNormal(reference(x).shape, 0, 1, 'float32', 13);
        expect(maxDiff(op(x), reference(x))).toBe(0);
        const fast = tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(op(xx as tf.Tensor4D), weights)))(x);
        const slow = tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(reference(xx), weights)))(x);
        expect(maxDiff(fast, slow)).toBe(0);
      });
    });
  }

  it('softmax cross-entropy from logits equals the composed loss and its gradient', () => {
    tf.tidy(() => {
      const z = tf.randomNormal([6, 4], 0, 3, 'float32', 11);
      const y = tf.oneHot(tf.tensor1d([0, 1, 2, 3, 1, 0], 'int32'), 4);
      const composed = (zz: tf.Tensor) => tf.neg(tf.mean(tf.sum(tf.mul(y, tf.log(tf.softmax(zz))), 1))) as tf.Scalar;
      expect(Math.abs(softmaxCrossEntropy(z, y).dataSync()[0]! - composed(z).dataSync()[0]!)).toBeLessThan(1e-5);
      expect(maxDiff(tf.grad((zz: tf.Tensor) => softmaxCrossEntropy(zz, y))(z), tf.grad(composed)(z))).toBeLessThan(1e-5);
    });
  });
});
