import * as tf from '@tensorflow/tfjs';
import { conv2dOp, denseOp, maxPoolOp, type Conv2dOp, type DenseOp, type WindowGeometry } from './fast-ops.js';
import type { SeededRandom } from './random.js';

/** What a forward pass returns: the prediction and, when the last layer has one, its pre-activation. */
export interface ForwardResult {
  /** The model's output (after the last activation). */
  readonly output: tf.Tensor;
  /** The last layer's input to its activation, when it ends with softmax or sigmoid. */
  readonly logits?: tf.Tensor;
  /** That final activation. */
  readonly finalActivation?: 'softmax' | 'sigmoid';
}

/** A model's forward pass for training and evaluation, over the model's own variables. */
export interface TrainGraph {
  /** True when the fast kernels are used (a Sequential model of known layers). */
  readonly fast: boolean;
  /** Runs the model; `training` enables dropout and batch statistics. */
  forward(x: tf.Tensor, training: boolean, random: SeededRandom): ForwardResult;
}

type Step = (x: tf.Tensor, training: boolean, random: SeededRandom, last: boolean) => ForwardResult | tf.Tensor;

type Activation = 'linear' | 'relu' | 'sigmoid' | 'tanh' | 'softmax';
const ACTIVATIONS: readonly string[] = ['linear', 'relu', 'sigmoid', 'tanh', 'softmax'];

function activate(x: tf.Tensor, activation: Activation): tf.Tensor {
  switch (activation) {
    case 'relu':
      return tf.relu(x);
    case 'sigmoid':
      return tf.sigmoid(x);
    case 'tanh':
      return tf.tanh(x);
    case 'softmax':
      return tf.softmax(x);
    default:
      return x;
  }
}

function finish(z: tf.Tensor, activation: Activation, last: boolean): ForwardResult | tf.Tensor {
  if (last && (activation === 'softmax' || activation === 'sigmoid')) return { output: activate(z, activation), logits: z, finalActivation: activation };
  return activate(z, activation);
}

function weight(layer: tf.layers.Layer, suffix: string): tf.Variable | undefined {
  const found = layer.weights.find((w) => (w.originalName ?? w.name).endsWith(`/${suffix}`) || w.name.endsWith(`/${suffix}`));
  return found?.read() as tf.Variable | undefined;
}

const pair = (v: unknown): [number, number] => (Array.isArray(v) ? [Number(v[0]), Number(v[1] ?? v[0])] : [Number(v), Number(v)]);

function activationOf(config: tf.serialization.ConfigDict): Activation | undefined {
  const a = (config.activation ?? 'linear') as string;
  return ACTIVATIONS.includes(a) ? (a as Activation) : undefined;
}

function compileLayer(layer: tf.layers.Layer, firstTrainable: boolean): Step | undefined {
  const config = layer.getConfig();
  switch (layer.getClassName()) {
    case 'InputLayer':
      return (x) => x;
    case 'Flatten':
      return (x) => tf.reshape(x, [x.shape[0]!, -1]);
    case 'Dropout': {
      const rate = Number(config.rate ?? 0);
      return (x, training, random) => (training && rate > 0 ? tf.dropout(x, rate, undefined, random.nextSeed()) : x);
    }
    case 'Activation': {
      const activation = activationOf(config);
      if (!activation) return undefined;
      return (x, _t, _r, last) => finish(x, activation, last);
    }
    case 'Dense': {
      const activation = activationOf(config);
      const kernel = weight(layer, 'kernel');
      if (!activation || !kernel) return undefined;
      const bias = weight(layer, 'bias');
      const op: DenseOp = denseOp(activation === 'relu', !firstTrainable);
      const then: Activation = activation === 'relu' ? 'linear' : activation;
      return (x, _t, _r, last) => {
        if (x.rank !== 2) return finish(tf.add(tf.dot(x, kernel), bias ?? 0), activation, last);
        return finish(op(x as tf.Tensor2D, kernel as tf.Tensor2D, bias as tf.Tensor1D | undefined), then, last);
      };
    }
    case 'Conv2D': {
      const activation = activationOf(config);
      const kernel = weight(layer, 'kernel');
      const dilation = pair(config.dilationRate ?? 1);
      if (!activation || !kernel || config.dataFormat === 'channelsFirst' || dilation[0] !== 1 || dilation[1] !== 1) return undefined;
      const bias = weight(layer, 'bias');
      const geometry: WindowGeometry = { kernel: pair(config.kernelSize), strides: pair(config.strides ?? 1), padding: config.padding === 'same' ? 'same' : 'valid' };
      if (config.padding !== 'same' && config.padding !== 'valid') return undefined;
      const op: Conv2dOp = conv2dOp(geometry, activation === 'relu', !firstTrainable);
      const then: Activation = activation === 'relu' ? 'linear' : activation;
      return (x, _t, _r, last) => finish(op(x as tf.Tensor4D, kernel as tf.Tensor4D, bias as tf.Tensor1D | undefined), then, last);
    }
    case 'MaxPooling2D': {
      if (config.dataFormat === 'channelsFirst') return undefined;
      const size = pair(config.poolSize ?? 2);
      const strides = pair(config.strides ?? config.poolSize ?? 2);
      const padding = config.padding === 'same' ? 'same' : 'valid';
      if (padding === 'valid' && strides[0] === size[0] && strides[1] === size[1]) {
        const op = maxPoolOp(size);
        return (x) => op(x as tf.Tensor4D);
      }
      return (x) => tf.maxPool(x as tf.Tensor4D, size, strides, padding);
    }
    case 'BatchNormalization': {
      const axis = Number(Array.isArray(config.axis) ? config.axis[0] : (config.axis ?? -1));
      const gamma = weight(layer, 'gamma');
      const beta = weight(layer, 'beta');
      const movingMean = weight(layer, 'moving_mean');
      const movingVariance = weight(layer, 'moving_variance');
      if (!movingMean || !movingVariance) return undefined;
      const momentum = Number(config.momentum ?? 0.99);
      const epsilon = Number(config.epsilon ?? 1e-3);
      return (x, training) => {
        if (axis !== -1 && axis !== x.rank - 1) throw new Error(`batchNormalization axis ${axis}: only the last axis is supported`);
        if (!training) return tf.batchNorm(x, movingMean, movingVariance, beta, gamma, epsilon);
        const axes = Array.from({ length: x.rank - 1 }, (_, i) => i);
        const { mean, variance } = tf.moments(x, axes);
        const count = x.size / x.shape[x.rank - 1]!;
        const unbiased = tf.mul(variance, count / Math.max(count - 1, 1));
        movingMean.assign(tf.add(tf.mul(movingMean, momentum), tf.mul(mean, 1 - momentum)));
        movingVariance.assign(tf.add(tf.mul(movingVariance, momentum), tf.mul(unbiased, 1 - momentum)));
        return tf.batchNorm(x, mean, variance, beta, gamma, epsilon);
      };
    }
    default:
      return undefined;
  }
}

function isSequential(model: tf.LayersModel): boolean {
  return model instanceof tf.Sequential || model.getClassName() === 'Sequential';
}

/**
 * Compiles a model into a {@link TrainGraph}. A Sequential model made of dense, conv2d,
 * maxPooling2d, flatten, dropout, batchNormalization and activation layers runs on the fast
 * kernels; any other model runs through `model.apply` (tfjs's own gradients).
 */
export function compileTrainGraph(model: tf.LayersModel): TrainGraph {
  if (isSequential(model)) {
    const steps: Step[] = [];
    let seenTrainable = false;
    let ok = true;
    for (const layer of model.layers) {
      const step = compileLayer(layer, !seenTrainable);
      if (!step) {
        ok = false;
        break;
      }
      if (layer.trainableWeights.length > 0) seenTrainable = true;
      steps.push(step);
    }
    if (ok) {
      return {
        fast: true,
        forward(x, training, random) {
          let current: tf.Tensor = x;
          for (let i = 0; i < steps.length; i++) {
            const out = steps[i]!(current, training, random, i === steps.length - 1);
            if (out instanceof tf.Tensor) current = out;
            else return out;
          }
          return { output: current };
        },
      };
    }
  }
  return {
    fast: false,
    forward(x, training) {
      const out = model.apply(x, { training }) as tf.Tensor | tf.Tensor[];
      return { output: Array.isArray(out) ? out[0]! : out };
    },
  };
}
