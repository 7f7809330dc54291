import * as tf from '@tensorflow/tfjs';
import type { ModelSpec } from './model-spec.js';
import { validateModelSpec } from './model-spec.js';
import type { SeededRandom } from './random.js';

const pair = (v: number | readonly [number, number] | undefined, fallback: number): [number, number] =>
  v === undefined ? [fallback, fallback] : typeof v === 'number' ? [v, v] : [v[0], v[1]];

/**
 * Builds a Sequential tfjs model from a validated spec. Initial weights come from `random`,
 * so the same seed gives the same model.
 * @throws ServableError `INVALID_ARGUMENT` when the spec is bad
 */
export function buildModel(spec: ModelSpec, random: SeededRandom): tf.Sequential {
  validateModelSpec(spec);
  const model = tf.sequential({ name: 'servable_model' });
  const last = spec.layers.length - 1;
  model.add(tf.layers.inputLayer({ inputShape: [...spec.inputShape], name: spec.inputName ?? 'input' }));
  spec.layers.forEach((layer, i) => {
    const name = i === last ? (spec.outputName ?? 'output') : `${layer.type}_${i}`;
    const kernelInitializer = tf.initializers.glorotUniform({ seed: random.nextSeed() });
    switch (layer.type) {
      case 'dense':
        model.add(tf.layers.dense({ name, units: layer.units, activation: layer.activation ?? 'linear', useBias: layer.useBias ?? true, kernelInitializer }));
        break;
      case 'conv2d':
        model.add(
          tf.layers.conv2d({
            name,
            filters: layer.filters,
            kernelSize: pair(layer.kernelSize, 1),
            strides: pair(layer.strides, 1),
            padding: layer.padding ?? 'valid',
            activation: layer.activation ?? 'linear',
            useBias: layer.useBias ?? true,
            kernelInitializer,
            dataFormat: 'channelsLast',
          }),
        );
        break;
      case 'maxPool2d': {
        const poolSize = pair(layer.poolSize, 2);
        model.add(tf.layers.maxPooling2d({ name, poolSize, strides: layer.strides === undefined ? poolSize : pair(layer.strides, 1), padding: layer.padding ?? 'valid' }));
        break;
      }
      case 'flatten':
        model.add(tf.layers.flatten({ name }));
        break;
      case 'dropout':
        model.add(tf.layers.dropout({ name, rate: layer.rate, seed: random.nextSeed() }));
        break;
      case 'batchNormalization':
        model.add(tf.layers.batchNormalization({ name, momentum: layer.momentum ?? 0.99, epsilon: layer.epsilon ?? 1e-3, axis: -1 }));
        break;
    }
  });
  return model;
}
