import { ServableError, describeMismatch } from '../errors/servable-error.js';
import type { ExplainContext } from './explain-context.js';
import type { ExplainOptions } from './explanation.js';
import { chooseGradientSource } from './gradient-source.js';
import type { MethodPlan } from './method-plan.js';

/**
 * Default step of the central differences: large enough that float32 rounding of a saturated
 * output (a probability near 1) does not drown the difference, small for inputs scaled to [0, 1].
 */
export const DEFAULT_SALIENCY_EPSILON = 1e-2;

/**
 * Saliency: the gradient of the target output at the input, its magnitude unless
 * `absolute: false`. Exact gradients cost one evaluation. Without them (every ONNX runtime), it
 * falls back to central finite differences, (f(x + εe_i) − f(x − εe_i)) / 2ε, at 2 evaluations
 * per element — users ask for a saliency map on any model, and a slower honest answer (reported
 * as `gradientSource: 'finite-differences'`) serves them better than an error. `gradients:
 * 'exact'` turns the fallback off.
 */
export function planSaliency(ctx: ExplainContext, options: ExplainOptions): MethodPlan {
  const epsilon = options.epsilon ?? DEFAULT_SALIENCY_EPSILON;
  if (!(typeof epsilon === 'number' && Number.isFinite(epsilon) && epsilon > 0)) {
    throw new ServableError('INVALID_ARGUMENT', describeMismatch('explain option "epsilon"', 'a positive number (finite-difference step)', String(epsilon), 'the default is 1e-2'));
  }
  const absolute = options.absolute ?? true;
  const source = chooseGradientSource(ctx, options, 'saliency');
  const { x, size } = ctx;
  const float32 = ctx.spec.dtype === 'float32';
  const finish = (gradient: Float64Array) => {
    if (absolute) for (let i = 0; i < size; i++) gradient[i] = Math.abs(gradient[i]!);
    return { attributions: gradient, gradientSource: source };
  };

  if (source === 'exact') {
    return {
      evaluations: 1,
      async run(evaluator, target) {
        const grads = await evaluator.gradients(1, (_, values) => values.set(x), target.index);
        return finish(Float64Array.from(grads));
      },
    };
  }
  return {
    evaluations: 2 * size,
    async run(evaluator, target) {
      const f = await evaluator.targets(
        2 * size,
        (row, values) => {
          values.set(x);
          const i = row >> 1;
          values[i] = x[i]! + (row & 1 ? -epsilon : epsilon);
        },
        target.index,
      );
      // A float32 input stores x ± ε rounded, so the step actually taken is used.
      const step = (i: number) => (float32 ? Math.fround(x[i]! + epsilon) - Math.fround(x[i]! - epsilon) : 2 * epsilon);
      const gradient = new Float64Array(size);
      for (let i = 0; i < size; i++) gradient[i] = (f[2 * i]! - f[2 * i + 1]!) / step(i);
      return finish(gradient);
    },
  };
}
