import type { ExplainEvaluator } from './evaluator.js';
import type { GradientSource } from './explanation.js';

/** The explained output once resolved: its index and its values at the input and the baseline. */
export interface ResolvedTarget {
  readonly index: number;
  /** f(x). */
  readonly value: number;
  /** f(baseline). */
  readonly baselineValue: number;
}

/** What a method computes: one attribution per element of the example. */
export interface MethodResult {
  readonly attributions: Float64Array;
  readonly gradientSource?: GradientSource;
  /** Whether Σ attributions should equal f(x) − f(baseline), so the result reports the gap. */
  readonly complete?: boolean;
}

/** A method ready to run, with the evaluations it will spend known in advance (for progress). */
export interface MethodPlan {
  /** Evaluations the method spends, besides the input and the baseline. */
  readonly evaluations: number;
  /** Spends the evaluations through `evaluator` and computes the attributions for `target`. */
  run(evaluator: ExplainEvaluator, target: ResolvedTarget): Promise<MethodResult>;
}
