import { ServableError, type LossName, type MetricName, type OptimizerSpec } from '@servable/core';

/** Activations the spec knows. */
export type ActivationName = 'relu' | 'sigmoid' | 'tanh' | 'softmax' | 'linear';

/** A fully connected layer. */
export interface DenseLayerSpec {
  readonly type: 'dense';
  readonly units: number;
  readonly activation?: ActivationName;
  /** Default true. */
  readonly useBias?: boolean;
}

/** A 2-D convolution over NHWC input (`[height, width, channels]` per example). */
export interface Conv2dLayerSpec {
  readonly type: 'conv2d';
  readonly filters: number;
  readonly kernelSize: number | readonly [number, number];
  /** Default 1. */
  readonly strides?: number | readonly [number, number];
  /** Default `valid`. */
  readonly padding?: 'valid' | 'same';
  readonly activation?: ActivationName;
  /** Default true. */
  readonly useBias?: boolean;
}

/** 2-D max pooling over NHWC input. */
export interface MaxPool2dLayerSpec {
  readonly type: 'maxPool2d';
  /** Default 2. */
  readonly poolSize?: number | readonly [number, number];
  /** Default `poolSize`. */
  readonly strides?: number | readonly [number, number];
  /** Default `valid`. */
  readonly padding?: 'valid' | 'same';
}

/** Flattens every axis but the batch. */
export interface FlattenLayerSpec {
  readonly type: 'flatten';
}

/** Zeroes a fraction of values while training; the identity at inference. */
export interface DropoutLayerSpec {
  readonly type: 'dropout';
  /** Fraction dropped, in [0, 1). */
  readonly rate: number;
}

/** Batch normalization over the last axis. */
export interface BatchNormalizationLayerSpec {
  readonly type: 'batchNormalization';
  /** Moving-average momentum (default 0.99). */
  readonly momentum?: number;
  /** Added to the variance (default 0.001). */
  readonly epsilon?: number;
}

/** One layer of a {@link ModelSpec}. */
export type LayerSpec = DenseLayerSpec | Conv2dLayerSpec | MaxPool2dLayerSpec | FlattenLayerSpec | DropoutLayerSpec | BatchNormalizationLayerSpec;

/**
 * A small declarative description of a Sequential model and how to train it.
 *
 * @example
 * ```ts
 * const spec: ModelSpec = {
 *   inputShape: [28, 28],
 *   layers: [{ type: 'flatten' }, { type: 'dense', units: 128, activation: 'relu' }, { type: 'dense', units: 10, activation: 'softmax' }],
 *   optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'],
 * };
 * ```
 */
export interface ModelSpec {
  /** Shape of one example, without the batch axis (`[28, 28]`, `[28, 28, 1]` for convolutions). */
  readonly inputShape: readonly number[];
  /** Name of the input in the model's signature (default `input`). */
  readonly inputName?: string;
  /** Name of the output in the model's signature (default `output`). */
  readonly outputName?: string;
  readonly layers: readonly LayerSpec[];
  /** Default `adam`. */
  readonly optimizer?: OptimizerSpec;
  /** Default `sparseCategoricalCrossentropy`. */
  readonly loss?: LossName;
  /** Default `['accuracy']` for cross-entropies, `['mae']` for mean squared error. */
  readonly metrics?: readonly MetricName[];
}

/** Losses the Trainer knows. */
export const LOSSES: readonly LossName[] = ['sparseCategoricalCrossentropy', 'categoricalCrossentropy', 'binaryCrossentropy', 'meanSquaredError'];
/** Metrics the Trainer knows. */
export const METRICS: readonly MetricName[] = ['accuracy', 'mae'];
/** Activations the spec knows. */
export const ACTIVATIONS: readonly ActivationName[] = ['relu', 'sigmoid', 'tanh', 'softmax', 'linear'];
const LAYER_TYPES = ['dense', 'conv2d', 'maxPool2d', 'flatten', 'dropout', 'batchNormalization'];
const OPTIMIZERS = ['sgd', 'adam', 'rmsprop'];

function bad(field: string, expected: string, received: unknown, fix?: string): ServableError {
  const got = received === undefined ? 'nothing' : JSON.stringify(received);
  return new ServableError('INVALID_ARGUMENT', `model spec ${field}: expected ${expected}, got ${got}${fix ? ` — ${fix}` : ''}`, {
    details: { subject: field, expected, received: got },
  });
}

const isPositiveInt = (v: unknown): v is number => Number.isInteger(v) && (v as number) > 0;

function checkPair(value: unknown, field: string, optional: boolean): void {
  if (value === undefined && optional) return;
  const ok = isPositiveInt(value) || (Array.isArray(value) && value.length === 2 && value.every(isPositiveInt));
  if (!ok) throw bad(field, 'a positive integer or [height, width]', value);
}

function checkActivation(value: unknown, field: string): void {
  if (value !== undefined && !ACTIVATIONS.includes(value as ActivationName)) throw bad(field, ACTIVATIONS.join(' | '), value);
}

/**
 * Checks a spec and returns the rank of each layer's input, so layer errors name their index.
 * @throws ServableError `INVALID_ARGUMENT` naming the layer index and field
 */
export function validateModelSpec(spec: ModelSpec): void {
  if (typeof spec !== 'object' || spec === null) throw bad('(root)', 'an object with inputShape and layers', spec);
  if (!Array.isArray(spec.inputShape) || spec.inputShape.length === 0 || !spec.inputShape.every(isPositiveInt)) {
    throw bad('inputShape', 'a non-empty array of positive integers such as [28, 28]', spec.inputShape, 'leave out the batch axis');
  }
  if (!Array.isArray(spec.layers) || spec.layers.length === 0) throw bad('layers', 'a non-empty array of layers', spec.layers);
  let rank = spec.inputShape.length;
  spec.layers.forEach((layer: LayerSpec, i) => {
    const at = `layers[${i}]`;
    if (typeof layer !== 'object' || layer === null) throw bad(at, 'a layer object with a type', layer);
    if (!LAYER_TYPES.includes(layer.type)) throw bad(`${at}.type`, LAYER_TYPES.join(' | '), (layer as { type?: unknown }).type);
    switch (layer.type) {
      case 'dense':
        if (!isPositiveInt(layer.units)) throw bad(`${at}.units`, 'a positive integer', layer.units);
        checkActivation(layer.activation, `${at}.activation`);
        break;
      case 'conv2d':
        if (rank !== 3) throw bad(`${at} (conv2d) input`, 'rank 3 per example [height, width, channels]', `rank ${rank}`, 'give inputShape a channel axis, such as [28, 28, 1]');
        if (!isPositiveInt(layer.filters)) throw bad(`${at}.filters`, 'a positive integer', layer.filters);
        checkPair(layer.kernelSize, `${at}.kernelSize`, false);
        checkPair(layer.strides, `${at}.strides`, true);
        if (layer.padding !== undefined && layer.padding !== 'same' && layer.padding !== 'valid') throw bad(`${at}.padding`, '"valid" | "same"', layer.padding);
        checkActivation(layer.activation, `${at}.activation`);
        break;
      case 'maxPool2d':
        if (rank !== 3) throw bad(`${at} (maxPool2d) input`, 'rank 3 per example [height, width, channels]', `rank ${rank}`, 'put it after a conv2d layer');
        checkPair(layer.poolSize, `${at}.poolSize`, true);
        checkPair(layer.strides, `${at}.strides`, true);
        if (layer.padding !== undefined && layer.padding !== 'same' && layer.padding !== 'valid') throw bad(`${at}.padding`, '"valid" | "same"', layer.padding);
        break;
      case 'flatten':
        rank = 1;
        break;
      case 'dropout':
        if (typeof layer.rate !== 'number' || !(layer.rate >= 0 && layer.rate < 1)) throw bad(`${at}.rate`, 'a number in [0, 1)', layer.rate);
        break;
      case 'batchNormalization':
        if (layer.momentum !== undefined && !(typeof layer.momentum === 'number' && layer.momentum >= 0 && layer.momentum < 1)) throw bad(`${at}.momentum`, 'a number in [0, 1)', layer.momentum);
        if (layer.epsilon !== undefined && !(typeof layer.epsilon === 'number' && layer.epsilon > 0)) throw bad(`${at}.epsilon`, 'a positive number', layer.epsilon);
        break;
    }
    if (layer.type === 'dense' && rank !== 1) {
      throw bad(`${at} (dense) input`, 'rank 1 per example', `rank ${rank}`, 'add { type: "flatten" } before it');
    }
  });
  validateTraining(spec);
}

/**
 * Checks optimizer, loss and metrics.
 * @throws ServableError `INVALID_ARGUMENT`
 */
export function validateTraining(spec: { optimizer?: OptimizerSpec; loss?: LossName; metrics?: readonly MetricName[] }): void {
  const opt = spec.optimizer;
  if (opt !== undefined) {
    const type = typeof opt === 'string' ? opt : (opt as { type?: unknown })?.type;
    if (!OPTIMIZERS.includes(type as string)) throw bad('optimizer', `${OPTIMIZERS.join(' | ')} or { type, learningRate, … }`, opt);
    if (typeof opt === 'object') {
      for (const [k, v] of Object.entries(opt)) {
        if (k !== 'type' && !(typeof v === 'number' && Number.isFinite(v) && v >= 0)) throw bad(`optimizer.${k}`, 'a non-negative number', v);
      }
    }
  }
  if (spec.loss !== undefined && !LOSSES.includes(spec.loss)) throw bad('loss', LOSSES.join(' | '), spec.loss);
  if (spec.metrics !== undefined) {
    if (!Array.isArray(spec.metrics)) throw bad('metrics', `an array of ${METRICS.join(' | ')}`, spec.metrics);
    spec.metrics.forEach((m, i) => {
      if (!METRICS.includes(m)) throw bad(`metrics[${i}]`, METRICS.join(' | '), m);
    });
  }
}
