import { ServableError, describeMismatch } from '../errors/servable-error.js';
import type { ExplainContext } from './explain-context.js';
import type { ExplainOptions } from './explanation.js';
import { chooseGradientSource } from './gradient-source.js';
import type { MethodPlan } from './method-plan.js';

/** Default number of points along the path. */
export const DEFAULT_IG_STEPS = 32;

/**
 * Integrated gradients along the straight path from the baseline b to the input x:
 * φ_i = (x_i − b_i) · ∫₀¹ ∂f/∂x_i(b + α(x − b)) dα.
 *
 * With exact gradients (runtime capability) the integral is the midpoint rule over `steps`
 * points: `steps` gradient evaluations. With finite differences, each of the `steps` segments
 * [p_k, p_{k+1}] of the path contributes f(p_k + δ_i e_i) − f(p_k) to feature i, where δ_i is
 * the segment's step along feature i; features equal to the baseline get 0 and cost nothing, so
 * this spends steps · (V + 1) evaluations for V features that differ from the baseline. On a
 * model linear in its input, both are exact.
 */
export function planIntegratedGradients(ctx: ExplainContext, options: ExplainOptions): MethodPlan {
  const steps = options.steps ?? DEFAULT_IG_STEPS;
  if (!Number.isInteger(steps) || steps < 1) {
    throw new ServableError('INVALID_ARGUMENT', describeMismatch('explain option "steps"', 'a positive integer (points along the path)', String(steps), 'the default is 32'));
  }
  const source = chooseGradientSource(ctx, options, 'integrated-gradients');
  const { x, baseline, size } = ctx;
  const diff = new Float64Array(size);
  for (let i = 0; i < size; i++) diff[i] = x[i]! - baseline[i]!;

  if (source === 'exact') {
    return {
      evaluations: steps,
      async run(evaluator, target) {
        const grads = await evaluator.gradients(
          steps,
          (k, values) => {
            const alpha = (k + 0.5) / steps;
            for (let i = 0; i < size; i++) values[i] = baseline[i]! + alpha * diff[i]!;
          },
          target.index,
        );
        const attributions = new Float64Array(size);
        for (let k = 0; k < steps; k++) for (let i = 0; i < size; i++) attributions[i]! += grads[k * size + i]!;
        for (let i = 0; i < size; i++) attributions[i] = (attributions[i]! * diff[i]!) / steps;
        return { attributions, gradientSource: source, complete: true };
      },
    };
  }

  const varying: number[] = [];
  for (let i = 0; i < size; i++) if (diff[i] !== 0) varying.push(i);
  const perStep = varying.length + 1;
  return {
    evaluations: varying.length === 0 ? 0 : steps * perStep,
    async run(evaluator, target) {
      const attributions = new Float64Array(size);
      if (varying.length === 0) return { attributions, gradientSource: source, complete: true };
      const f = await evaluator.targets(
        steps * perStep,
        (row, values) => {
          const k = Math.floor(row / perStep);
          const j = row % perStep;
          const alpha = k / steps;
          for (let i = 0; i < size; i++) values[i] = baseline[i]! + alpha * diff[i]!;
          if (j > 0) {
            const i = varying[j - 1]!;
            values[i] = baseline[i]! + ((k + 1) / steps) * diff[i]!;
          }
        },
        target.index,
      );
      for (let k = 0; k < steps; k++) {
        const at = f[k * perStep]!;
        varying.forEach((i, j) => {
          attributions[i]! += f[k * perStep + j + 1]! - at;
        });
      }
      return { attributions, gradientSource: source, complete: true };
    },
  };
}
