import { ServableError, describeMismatch } from '../errors/servable-error.js';
import { maxCoalitions, sampleCoalitions, type CoalitionSample } from './coalitions.js';
import { defaultPatchSide, elementGroups, imageTiles, patchDims } from './example-layout.js';
import type { ExplainContext } from './explain-context.js';
import type { ExplainOptions } from './explanation.js';
import type { MethodPlan } from './method-plan.js';
import { solveWeightedLeastSquares } from './weighted-least-squares.js';

/**
 * KernelSHAP: features are the example's elements (tabular input) or non-overlapping patches
 * (images). Features equal to the baseline get 0 and take no part. The model is evaluated on
 * `samples` coalitions (see {@link sampleCoalitions}) and Shapley values are fitted by weighted
 * least squares under the efficiency constraint Σφ = f(x) − f(baseline), which is met exactly.
 * A patch's value is shared evenly among its elements. Spends one evaluation per coalition.
 */
export function planKernelShap(ctx: ExplainContext, options: ExplainOptions): MethodPlan {
  const { layout, x, baseline, size } = ctx;
  const groups = layout.kind === 'image' ? imageTiles(layout, patchDims(options.patch, 'patch', defaultPatchSide(layout))) : elementGroups(size);
  const features = groups.filter((g) => g.some((i) => x[i] !== baseline[i]));
  const m = features.length;
  const samples = options.samples;
  if (samples !== undefined && (!Number.isInteger(samples) || samples < 1)) {
    throw new ServableError('INVALID_ARGUMENT', describeMismatch('explain option "samples"', 'a positive integer (coalitions to evaluate)', String(samples)));
  }
  const seed = options.seed ?? 0;
  if (!Number.isFinite(seed)) throw new ServableError('INVALID_ARGUMENT', describeMismatch('explain option "seed"', 'a finite number', String(seed)));
  const coalitions: CoalitionSample | undefined = m >= 2 ? sampleCoalitions(m, Math.min(samples ?? 2 * m + 2048, maxCoalitions(m)), seed) : undefined;

  return {
    evaluations: coalitions?.count ?? 0,
    async run(evaluator, target) {
      const delta = target.value - target.baselineValue;
      const phi = new Float64Array(m);
      if (m === 1) phi[0] = delta;
      if (coalitions) {
        const { masks, weights, count } = coalitions;
        const y = await evaluator.targets(
          count,
          (row, values) => {
            values.set(baseline);
            for (let j = 0; j < m; j++) {
              if (!masks[row * m + j]) continue;
              const g = features[j]!;
              for (let e = 0; e < g.length; e++) values[g[e]!] = x[g[e]!]!;
            }
          },
          target.index,
        );
        // The last feature is eliminated with the constraint: φ_M = Δ − Σ_{j<M} φ_j.
        const p = m - 1;
        const design = new Float64Array(count * p);
        const adjusted = new Float64Array(count);
        for (let k = 0; k < count; k++) {
          const last = masks[k * m + p]!;
          adjusted[k] = y[k]! - target.baselineValue - last * delta;
          for (let j = 0; j < p; j++) design[k * p + j] = masks[k * m + j]! - last;
        }
        const solved = solveWeightedLeastSquares(design, count, p, adjusted, weights);
        let sum = 0;
        for (let j = 0; j < p; j++) sum += phi[j] = solved[j]!;
        phi[p] = delta - sum;
      }
      const attributions = new Float64Array(size);
      features.forEach((g, j) => {
        for (const i of g) attributions[i] = phi[j]! / g.length;
      });
      return { attributions, complete: true };
    },
  };
}
