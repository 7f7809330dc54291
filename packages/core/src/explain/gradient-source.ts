import { ServableError, describeMismatch } from '../errors/servable-error.js';
import type { ExplainContext } from './explain-context.js';
import type { ExplainMethod, ExplainOptions, GradientSource } from './explanation.js';
import { keepsFractions } from './numeric-values.js';

/**
 * Decides where gradients come from: the runtime's exact gradients when it has them (unless
 * `finite-differences` is asked for), finite differences through `predict` otherwise.
 * @throws ServableError `UNSUPPORTED_CAPABILITY` for `gradients: 'exact'` on a runtime without them, or an input that is not floating point
 */
export function chooseGradientSource(ctx: ExplainContext, options: ExplainOptions, method: ExplainMethod): GradientSource {
  const { spec, predictor } = ctx;
  if (!keepsFractions(spec.dtype)) {
    throw new ServableError(
      'UNSUPPORTED_CAPABILITY',
      describeMismatch(`input "${spec.name}"`, `a floating-point input for ${method}`, `${spec.dtype}`, "gradients need continuous inputs; use method: 'occlusion' or 'kernelshap'"),
    );
  }
  const wanted = options.gradients ?? 'auto';
  if (!['auto', 'exact', 'finite-differences'].includes(wanted)) {
    throw new ServableError('INVALID_ARGUMENT', describeMismatch('explain option "gradients"', "'auto', 'exact' or 'finite-differences'", JSON.stringify(wanted)));
  }
  const has = predictor.model.loaded.gradients !== undefined;
  if (wanted === 'exact' && !has) {
    throw new ServableError(
      'UNSUPPORTED_CAPABILITY',
      `${method}: expected exact gradients from runtime ${predictor.model.report.runtime}, got a runtime without the gradients capability (runtime-tfjs has it) — load the model with a runtime that has it, or use gradients: 'auto' for finite differences`,
    );
  }
  return wanted === 'finite-differences' || !has ? 'finite-differences' : 'exact';
}
