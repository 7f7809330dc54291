import * as tf from '@tensorflow/tfjs';

type CustomGradientFunc = Parameters<typeof tf.customGrad>[0];

/**
 * Training kernels with hand-written gradients, shaped for the wasm backend:
 * - products with a transposed operand run several times slower there than plain ones, so
 *   gradients transpose explicitly and then multiply plainly;
 * - wasm has no `Conv2DBackpropFilter`, so the filter gradient of a convolution is computed
 *   as another convolution (batch taken as channels), and the input gradient at stride 1 as a
 *   convolution with the rotated kernel, both on wasm's fast convolution kernel;
 * - the input gradient of the first trainable layer is never used, so it is not computed.
 */

/** A dense layer `act(x·W + b)` with `act` linear or relu fused into the kernel. */
export type DenseOp = (x: tf.Tensor2D, kernel: tf.Tensor2D, bias: tf.Tensor1D | undefined) => tf.Tensor2D;

/**
 * Makes the dense op of one layer.
 * @param relu - fuse a relu
 * @param needInputGrad - false for the first trainable layer (its input is data)
 */
export function denseOp(relu: boolean, needInputGrad: boolean): DenseOp {
  const activation = relu ? 'relu' : 'linear';
  const backward = (dy: tf.Tensor, x: tf.Tensor2D, w: tf.Tensor2D, y: tf.Tensor): { g: tf.Tensor2D; dx: tf.Tensor; dw: tf.Tensor } => {
    const g = (relu ? tf.mul(dy, tf.step(y)) : dy) as tf.Tensor2D;
    const dw = tf.matMul(tf.transpose(x), g);
    const dx = needInputGrad ? tf.matMul(g, tf.transpose(w)) : tf.zerosLike(x);
    return { g, dx, dw };
  };
  const withBias = tf.customGrad(((x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D, save: tf.GradSaveFunc) => {
    const y = tf.fused.matMul({ a: x, b: w, bias: b, activation });
    save([x, w, y]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const { g, dx, dw } = backward(dy, saved[0] as tf.Tensor2D, saved[1] as tf.Tensor2D, saved[2]!);
        return [dx, dw, tf.sum(g, 0)];
      },
    };
  }) as unknown as CustomGradientFunc);
  const noBias = tf.customGrad(((x: tf.Tensor2D, w: tf.Tensor2D, save: tf.GradSaveFunc) => {
    const y = tf.fused.matMul({ a: x, b: w, activation });
    save([x, w, y]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const { dx, dw } = backward(dy, saved[0] as tf.Tensor2D, saved[1] as tf.Tensor2D, saved[2]!);
        return [dx, dw];
      },
    };
  }) as unknown as CustomGradientFunc);
  return (x, kernel, bias) => (bias ? withBias(x, kernel, bias) : noBias(x, kernel)) as tf.Tensor2D;
}

/** Geometry of a 2-D convolution or pooling window over NHWC input. */
export interface WindowGeometry {
  readonly kernel: readonly [number, number];
  readonly strides: readonly [number, number];
  readonly padding: 'valid' | 'same';
}

/** Output size and padding of a window along one axis, with TensorFlow's `same`/`valid` rules. */
export function windowAxis(size: number, kernel: number, stride: number, padding: 'valid' | 'same'): { out: number; before: number; after: number } {
  if (padding === 'valid') return { out: Math.floor((size - kernel) / stride) + 1, before: 0, after: 0 };
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + kernel - size, 0);
  const before = Math.floor(total / 2);
  return { out, before, after: total - before };
}

/**
 * The filter gradient of a convolution, as a convolution: with the batch axis taken as channels,
 * `dW[kh, kw, c, f] = Σ x[n, oh·s + kh, ow·s + kw, c] · g[n, oh, ow, f]` is `x` (as `[c, h, w, n]`)
 * convolved with `g` (as `[oh, ow, n, f]`, dilated by the stride). wasm has no
 * `Conv2DBackpropFilter`, and this runs on its fast convolution kernel.
 */
export function conv2dFilterGrad(x: tf.Tensor4D, g: tf.Tensor4D, geometry: WindowGeometry): tf.Tensor4D {
  const [, h, w, c] = x.shape;
  const [kh, kw] = geometry.kernel;
  const [sh, sw] = geometry.strides;
  const rows = windowAxis(h, kh, sh, geometry.padding);
  const cols = windowAxis(w, kw, sw, geometry.padding);
  const padded = rows.before + rows.after + cols.before + cols.after > 0 ? tf.pad(x, [[0, 0], [rows.before, rows.after], [cols.before, cols.after], [0, 0]]) : x;
  const xt = tf.transpose(padded, [3, 1, 2, 0]);
  const gt = tf.transpose(g, [1, 2, 0, 3]);
  const full = tf.conv2d(xt as tf.Tensor4D, gt as tf.Tensor4D, 1, 'valid', 'NHWC', [sh, sw]);
  const cropped = full.shape[1] === kh && full.shape[2] === kw ? full : tf.slice(full, [0, 0, 0, 0], [c, kh, kw, -1]);
  return tf.transpose(cropped, [1, 2, 0, 3]);
}

/**
 * The input gradient of a convolution. At stride 1 it is a convolution of the padded output
 * gradient with the kernel rotated by 180° (wasm's convolution kernel is several times faster than its
 * `Conv2DBackpropInput`); other strides use `conv2dTranspose`.
 */
export function conv2dInputGrad(g: tf.Tensor4D, kernel: tf.Tensor4D, inputShape: [number, number, number, number], geometry: WindowGeometry): tf.Tensor4D {
  const [kh, kw] = geometry.kernel;
  const [sh, sw] = geometry.strides;
  if (sh !== 1 || sw !== 1) return tf.conv2dTranspose(g, kernel, inputShape, [sh, sw], geometry.padding);
  const rows = windowAxis(inputShape[1], kh, 1, geometry.padding);
  const cols = windowAxis(inputShape[2], kw, 1, geometry.padding);
  const padded = tf.pad(g, [[0, 0], [kh - 1 - rows.before, kh - 1 - rows.after], [kw - 1 - cols.before, kw - 1 - cols.after], [0, 0]]);
  const rotated = tf.transpose(tf.reverse(kernel, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D;
  return tf.conv2d(padded, rotated, 1, 'valid');
}

/** A convolution `act(conv(x, W) + b)` with `act` linear or relu fused into the kernel. */
export type Conv2dOp = (x: tf.Tensor4D, kernel: tf.Tensor4D, bias: tf.Tensor1D | undefined) => tf.Tensor4D;

/**
 * Makes the convolution op of one layer; its gradients use {@link conv2dFilterGrad} and
 * {@link conv2dInputGrad}, so it trains on backends without `Conv2DBackpropFilter` (wasm).
 * @param geometry - kernel, strides, padding
 * @param relu - fuse a relu
 * @param needInputGrad - false for the first trainable layer
 */
export function conv2dOp(geometry: WindowGeometry, relu: boolean, needInputGrad: boolean): Conv2dOp {
  const activation = relu ? 'relu' : 'linear';
  const strides = [geometry.strides[0], geometry.strides[1]] as [number, number];
  const backward = (dy: tf.Tensor, x: tf.Tensor4D, w: tf.Tensor4D, y: tf.Tensor): { g2: tf.Tensor2D; dx: tf.Tensor; dw: tf.Tensor } => {
    const g = (relu ? tf.mul(dy, tf.step(y)) : dy) as tf.Tensor4D;
    const [n, oh, ow, f] = g.shape;
    const g2 = tf.reshape(g, [n * oh * ow, f]) as tf.Tensor2D;
    const dw = conv2dFilterGrad(x, g, geometry);
    const dx = needInputGrad ? conv2dInputGrad(g, w, x.shape, geometry) : tf.zerosLike(x);
    return { g2, dx, dw };
  };
  const forward = (x: tf.Tensor4D, w: tf.Tensor4D, b?: tf.Tensor1D) =>
    tf.fused.conv2d({ x, filter: w, strides, pad: geometry.padding, dataFormat: 'NHWC', dilations: [1, 1], bias: b, activation });
  const withBias = tf.customGrad(((x: tf.Tensor4D, w: tf.Tensor4D, b: tf.Tensor1D, save: tf.GradSaveFunc) => {
    const y = forward(x, w, b);
    save([x, w, y]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const { g2, dx, dw } = backward(dy, saved[0] as tf.Tensor4D, saved[1] as tf.Tensor4D, saved[2]!);
        return [dx, dw, tf.sum(g2, 0)];
      },
    };
  }) as unknown as CustomGradientFunc);
  const noBias = tf.customGrad(((x: tf.Tensor4D, w: tf.Tensor4D, save: tf.GradSaveFunc) => {
    const y = forward(x, w);
    save([x, w, y]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const { dx, dw } = backward(dy, saved[0] as tf.Tensor4D, saved[1] as tf.Tensor4D, saved[2]!);
        return [dx, dw];
      },
    };
  }) as unknown as CustomGradientFunc);
  return (x, kernel, bias) => (bias ? withBias(x, kernel, bias) : noBias(x, kernel)) as tf.Tensor4D;
}

/**
 * Mean softmax cross-entropy of logits `z` ([n, k]) against one-hot targets, with the fused
 * gradient `(softmax(z) − y) / n` (stable, and one op instead of the softmax's chain).
 */
export const softmaxCrossEntropy = tf.customGrad(((z: tf.Tensor2D, oneHot: tf.Tensor2D, save: tf.GradSaveFunc) => {
  const logp = tf.logSoftmax(z);
  const loss = tf.neg(tf.mean(tf.sum(tf.mul(oneHot, logp), 1)));
  save([logp, oneHot]);
  return {
    value: loss,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [lp, y] = saved as [tf.Tensor2D, tf.Tensor2D];
      const scale = tf.div(dy, lp.shape[0]);
      return [tf.mul(tf.sub(tf.exp(lp), y), scale), tf.zerosLike(y)];
    },
  };
}) as unknown as CustomGradientFunc) as unknown as (z: tf.Tensor, oneHot: tf.Tensor) => tf.Scalar;

/** Max pooling over NHWC input. */
export type MaxPoolOp = (x: tf.Tensor4D) => tf.Tensor4D;

/**
 * Max pooling with non-overlapping windows (strides equal to the pool size, `valid` padding)
 * and a gradient built from elementwise ops: the output gradient goes to the positions that
 * hold their window's maximum (several if tied). wasm's `MaxPoolGrad` kernel is many times slower.
 * @param pool - window height and width, also the strides
 */
export function maxPoolOp(pool: readonly [number, number]): MaxPoolOp {
  const [ph, pw] = pool;
  const op = tf.customGrad(((x: tf.Tensor4D, save: tf.GradSaveFunc) => {
    const y = tf.maxPool(x, [ph, pw], [ph, pw], 'valid');
    save([x, y]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, ys] = saved as [tf.Tensor4D, tf.Tensor4D];
        const [n, h, w, c] = xs.shape;
        const [, oh, ow] = ys.shape;
        const covered = oh * ph === h && ow * pw === w ? xs : tf.slice(xs, [0, 0, 0, 0], [n, oh * ph, ow * pw, c]);
        // Copy each window's value over the window (repeat by the pool size), then compare and
        // multiply shape to shape: on wasm, stacking copies are faster than resize or tile, and
        // same-shape elementwise ops far faster than rank-6 broadcasting.
        const repeat = (t: tf.Tensor) => {
          const wide = pw === 1 ? t : tf.reshape(tf.stack(Array<tf.Tensor>(pw).fill(t), 3), [n, oh, ow * pw, c]);
          return ph === 1 ? wide : tf.reshape(tf.stack(Array<tf.Tensor>(ph).fill(wide), 2), [n, oh * ph, ow * pw, c]);
        };
        const mask = tf.cast(tf.equal(covered, repeat(ys)), 'float32');
        const spread = tf.mul(mask, repeat(dy));
        const dx = oh * ph === h && ow * pw === w ? spread : tf.pad(spread, [[0, 0], [0, h - oh * ph], [0, w - ow * pw], [0, 0]]);
        return [dx];
      },
    };
  }) as unknown as CustomGradientFunc);
  return (x) => op(x) as tf.Tensor4D;
}
