import * as tf from '@tensorflow/tfjs';
import type { OptimizerSpec } from '@servable/core';

/** Applies one step of gradients to variables, keeping its own state per variable. */
export interface TrainingOptimizer {
  /** Updates each variable from its gradient (same order). */
  apply(variables: readonly tf.Variable[], gradients: readonly tf.Tensor[]): void;
  /** Releases the optimizer's state. */
  dispose(): void;
}

/**
 * Replaces values below 1e-30 in magnitude by multiples of about 7e-38 or zero: the state of a
 * weight whose gradient stays zero (a dead relu unit) decays geometrically into the subnormal
 * range, where every wasm float op on it runs many times slower (WebAssembly cannot flush
 * subnormals to zero). Adding and subtracting 1e-30 rounds them away; larger values are unchanged.
 */
function flushSubnormals(t: tf.Tensor): tf.Tensor {
  return tf.sub(tf.add(t, 1e-30), 1e-30);
}

class StateSlots {
  readonly #slots = new Map<tf.Variable, tf.Variable[]>();

  get(variable: tf.Variable, count: number): tf.Variable[] {
    let s = this.#slots.get(variable);
    if (!s) {
      s = Array.from({ length: count }, () => tf.variable(tf.zerosLike(variable), false));
      this.#slots.set(variable, s);
    }
    return s;
  }

  dispose(): void {
    for (const s of this.#slots.values()) for (const v of s) v.dispose();
    this.#slots.clear();
  }
}

function adam(learningRate: number, beta1: number, beta2: number, epsilon: number): TrainingOptimizer {
  const slots = new StateSlots();
  let step = 0;
  return {
    apply(variables, gradients) {
      step++;
      // Bias corrections folded into the rate and epsilon (same update as tfjs's and Keras's Adam).
      const c2 = Math.sqrt(1 - beta2 ** step);
      const rate = (learningRate * c2) / (1 - beta1 ** step);
      const eps = epsilon * c2;
      tf.tidy(() => {
        variables.forEach((variable, i) => {
          const g = gradients[i]!;
          const [m, v] = slots.get(variable, 2) as [tf.Variable, tf.Variable];
          const m2 = flushSubnormals(tf.add(tf.mul(m, beta1), tf.mul(g, 1 - beta1)));
          const v2 = flushSubnormals(tf.add(tf.mul(v, beta2), tf.mul(tf.square(g), 1 - beta2)));
          m.assign(m2);
          v.assign(v2);
          variable.assign(tf.sub(variable, tf.mul(tf.div(m2, tf.add(tf.sqrt(v2), eps)), rate)));
        });
      });
    },
    dispose: () => slots.dispose(),
  };
}

function sgd(learningRate: number, momentum: number): TrainingOptimizer {
  const slots = new StateSlots();
  return {
    apply(variables, gradients) {
      tf.tidy(() => {
        variables.forEach((variable, i) => {
          const g = gradients[i]!;
          if (momentum <= 0) {
            variable.assign(tf.sub(variable, tf.mul(g, learningRate)));
            return;
          }
          const [accumulation] = slots.get(variable, 1) as [tf.Variable];
          const a2 = flushSubnormals(tf.add(tf.mul(accumulation, momentum), g));
          accumulation.assign(a2);
          variable.assign(tf.sub(variable, tf.mul(a2, learningRate)));
        });
      });
    },
    dispose: () => slots.dispose(),
  };
}

function rmsprop(learningRate: number, decay: number, momentum: number, epsilon: number): TrainingOptimizer {
  const slots = new StateSlots();
  return {
    apply(variables, gradients) {
      tf.tidy(() => {
        variables.forEach((variable, i) => {
          const g = gradients[i]!;
          const [meanSquare, moment] = slots.get(variable, 2) as [tf.Variable, tf.Variable];
          const ms2 = flushSubnormals(tf.add(tf.mul(meanSquare, decay), tf.mul(tf.square(g), 1 - decay)));
          meanSquare.assign(ms2);
          const step = tf.div(tf.mul(g, learningRate), tf.sqrt(tf.add(ms2, epsilon)));
          const mom2 = momentum > 0 ? flushSubnormals(tf.add(tf.mul(moment, momentum), step)) : step;
          if (momentum > 0) moment.assign(mom2);
          variable.assign(tf.sub(variable, mom2));
        });
      });
    },
    dispose: () => slots.dispose(),
  };
}

/**
 * Makes an optimizer from a spec, with Keras's defaults: `sgd` learning rate 0.01 (momentum
 * when given), `adam` 0.001 / 0.9 / 0.999 / 1e-7, `rmsprop` 0.001 / decay 0.9 / momentum 0 /
 * 1e-7. The updates are tfjs's own formulas; the optimizer state is kept out of the subnormal
 * range, which otherwise slows wasm training several-fold once many gradients are zero.
 */
export function createOptimizer(spec: OptimizerSpec): TrainingOptimizer {
  const o = typeof spec === 'string' ? { type: spec } : spec;
  switch (o.type) {
    case 'sgd': {
      const { learningRate = 0.01, momentum = 0 } = o as { learningRate?: number; momentum?: number };
      return sgd(learningRate, momentum);
    }
    case 'rmsprop': {
      const { learningRate = 0.001, decay = 0.9, momentum = 0, epsilon = 1e-7 } = o as { learningRate?: number; decay?: number; momentum?: number; epsilon?: number };
      return rmsprop(learningRate, decay, momentum, epsilon);
    }
    default: {
      const { learningRate = 0.001, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-7 } = o as { learningRate?: number; beta1?: number; beta2?: number; epsilon?: number };
      return adam(learningRate, beta1, beta2, epsilon);
    }
  }
}
