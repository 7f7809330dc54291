import * as tf from '@tensorflow/tfjs';
import type { LossName, MetricName } from '@servable/core';
import { softmaxCrossEntropy } from './fast-ops.js';
import type { ForwardResult } from './train-graph.js';

const EPSILON = 1e-7;

/** Targets as one-hot floats for losses that compare against the whole output. */
function denseTargets(loss: LossName, y: tf.Tensor, classes: number): tf.Tensor {
  return loss === 'sparseCategoricalCrossentropy' ? tf.oneHot(tf.cast(tf.reshape(y, [-1]), 'int32'), classes) : y;
}

/**
 * The mean loss of a batch. Cross-entropy after a softmax (or sigmoid) last layer is computed
 * from the logits, which is stable and has a one-step gradient.
 * @param loss - loss name
 * @param result - the forward pass
 * @param y - targets: int32 class indices `[n]` for sparse cross-entropy, else the output's shape
 */
export function computeLoss(loss: LossName, result: ForwardResult, y: tf.Tensor): tf.Scalar {
  const out = result.output;
  const classes = out.shape[out.rank - 1] ?? 1;
  switch (loss) {
    case 'sparseCategoricalCrossentropy':
    case 'categoricalCrossentropy': {
      const target = denseTargets(loss, y, classes);
      if (result.finalActivation === 'softmax' && result.logits) return softmaxCrossEntropy(result.logits, target);
      const p = tf.clipByValue(out, EPSILON, 1 - EPSILON);
      return tf.neg(tf.mean(tf.sum(tf.mul(target, tf.log(p)), -1))) as tf.Scalar;
    }
    case 'binaryCrossentropy': {
      if (result.finalActivation === 'sigmoid' && result.logits) {
        const z = result.logits;
        return tf.mean(tf.add(tf.sub(tf.relu(z), tf.mul(z, y)), tf.log1p(tf.exp(tf.neg(tf.abs(z)))))) as tf.Scalar;
      }
      const p = tf.clipByValue(out, EPSILON, 1 - EPSILON);
      return tf.neg(tf.mean(tf.add(tf.mul(y, tf.log(p)), tf.mul(tf.sub(1, y), tf.log(tf.sub(1, p)))))) as tf.Scalar;
    }
    default:
      return tf.mean(tf.squaredDifference(out, y)) as tf.Scalar;
  }
}

/**
 * Sums of each metric over a batch (divide by {@link metricCount} for the mean): accuracy
 * counts correct rows (arg-max for several classes, a 0.5 threshold for one output), `mae`
 * sums absolute errors.
 */
export function metricSums(loss: LossName, metrics: readonly MetricName[], output: tf.Tensor, y: tf.Tensor): tf.Tensor[] {
  const classes = output.shape[output.rank - 1] ?? 1;
  return metrics.map((metric) => {
    if (metric === 'mae') return tf.sum(tf.abs(tf.sub(output, denseTargets(loss, y, classes))));
    if (loss === 'sparseCategoricalCrossentropy') return tf.sum(tf.cast(tf.equal(tf.argMax(output, -1), tf.cast(tf.reshape(y, [-1]), 'int32')), 'float32'));
    if (classes > 1 && loss === 'categoricalCrossentropy') return tf.sum(tf.cast(tf.equal(tf.argMax(output, -1), tf.argMax(y, -1)), 'float32'));
    return tf.sum(tf.cast(tf.equal(tf.greater(output, 0.5), tf.greater(y, 0.5)), 'float32'));
  });
}

/** The denominator of a metric sum for a batch of `rows` examples with `width` outputs each. */
export function metricCount(loss: LossName, metric: MetricName, rows: number, width: number): number {
  if (metric === 'mae') return rows * width;
  if (loss === 'sparseCategoricalCrossentropy' || loss === 'categoricalCrossentropy') return rows;
  return rows * width;
}
