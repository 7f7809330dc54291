import type { Tensor } from '../tensor/tensor.js';

/**
 * How {@link explain} attributes an output to the input's features.
 *
 * - `occlusion`: replaces a sliding patch (images) or one feature at a time (tabular input) with
 *   the baseline and records how much the target output drops. Any model, any runtime.
 * - `kernelshap`: KernelSHAP — evaluates the model on a fixed budget of coalitions (features
 *   kept from the input, the rest from the baseline) and fits Shapley values by weighted least
 *   squares with the efficiency constraint, so attributions sum to f(x) − f(baseline). Features
 *   are the input's elements for tabular input and non-overlapping patches for images.
 * - `integrated-gradients`: integrates the gradient along the straight path from the baseline to
 *   the input. Exact gradients when the runtime offers them (runtime-tfjs), finite differences
 *   along the path otherwise.
 * - `saliency`: the gradient of the target output at the input (its magnitude by default). Exact
 *   when the runtime offers gradients, central finite differences otherwise, so it works on every
 *   runtime; `gradients: 'exact'` insists on exact gradients.
 */
export type ExplainMethod = 'occlusion' | 'kernelshap' | 'integrated-gradients' | 'saliency';

/** The methods {@link explain} knows, in a stable order. */
export const EXPLAIN_METHODS: readonly ExplainMethod[] = ['occlusion', 'kernelshap', 'integrated-gradients', 'saliency'];

/** Where gradients came from: the runtime's exact gradients, or finite differences through `predict`. */
export type GradientSource = 'exact' | 'finite-differences';

/** Which output, and which element of it, to explain. */
export interface ExplainTarget {
  /** Output name (default: the manifest's `postprocessing.output`, else the first output). */
  readonly output?: string;
  /**
   * Index into one example's output, flattened (default: the top class of the prediction for
   * `input`; 0 for an output with one value per example).
   */
  readonly index?: number;
}

/** Progress of an explanation, counted in model evaluations. */
export interface ExplainProgress {
  /** Evaluations done so far. */
  readonly done: number;
  /** Evaluations the explanation will spend in all. */
  readonly total: number;
}

/** A patch size: a square side or a width and height, in pixels of the model's input. */
export type PatchSize =
  | number
  | {
      /** Patch width in pixels. */
      readonly width: number;
      /** Patch height in pixels. */
      readonly height: number;
    };

/** Options of {@link explain}. */
export interface ExplainOptions {
  /** The method (see {@link ExplainMethod}). */
  readonly method: ExplainMethod;
  /** The output to explain: `{ output, index }`, or just the index (default: the top class). */
  readonly target?: ExplainTarget | number;
  /**
   * The reference input, in the model's input space (after preprocessing): a number for every
   * element, or values of the example's shape (nested arrays, a flat or typed array, a tensor).
   * Default 0 everywhere.
   */
  readonly baseline?: number | Tensor | ArrayLike<unknown> | readonly unknown[];
  /**
   * For a model with several inputs: the input to explain (default: the manifest's
   * `preprocessing.input`, else the only input). The other inputs stay as given.
   */
  readonly input?: string;
  /** Cancels the explanation between batches of evaluations (`ABORTED`). */
  readonly signal?: AbortSignal;
  /** Called after each batch of evaluations. */
  readonly onProgress?: (progress: ExplainProgress) => void;
  /**
   * Perturbed examples sent per `predict` call (default 64; 1 for models whose batch is fixed
   * at 1). Each call goes through the predictor's batcher when batching is on.
   */
  readonly batchSize?: number;
  /** Occlusion and KernelSHAP on images: the patch (default: about a seventh of the shorter side, at least 1 pixel). */
  readonly patch?: PatchSize;
  /** Occlusion on images: the step between patches (default: the patch size). */
  readonly stride?: PatchSize;
  /** KernelSHAP: the coalition budget, excluding the input and the baseline (default 2·M + 2048, at most 2^M − 2 for M features). */
  readonly samples?: number;
  /** KernelSHAP: seed of the coalition sampler (default 0); the same seed gives the same attributions. */
  readonly seed?: number;
  /** Integrated gradients: points along the path (default 32). */
  readonly steps?: number;
  /**
   * Integrated gradients and saliency: `auto` (default) uses the runtime's exact gradients when
   * it has them and finite differences otherwise; `exact` fails with `UNSUPPORTED_CAPABILITY`
   * when the runtime has none; `finite-differences` never asks the runtime for gradients.
   */
  readonly gradients?: 'auto' | GradientSource;
  /** Saliency by finite differences: the step of the central differences, in input units (default 1e-2, for inputs scaled to [0, 1]). */
  readonly epsilon?: number;
  /** Saliency: report the gradient's magnitude (default true) or its signed value. */
  readonly absolute?: boolean;
}

/** The output that was explained. */
export interface ExplainedOutput {
  /** Output name. */
  readonly name: string;
  /** Index into one example's output, flattened. */
  readonly index: number;
  /** The manifest's label for `index`, when the manifest has labels. */
  readonly label?: string;
  /** The target output at the input, f(x). */
  readonly value: number;
  /** The target output at the baseline, f(baseline). */
  readonly baselineValue: number;
}

/** What {@link explain} returns. */
export interface Explanation {
  /** The method used. */
  readonly method: ExplainMethod;
  /** The input that was explained (its name in the signature). */
  readonly input: string;
  /** One attribution per element of the example, with the example's shape (no batch axis), float32. */
  readonly attributions: Tensor<'float32'>;
  /** The baseline used, with the example's shape, float32. */
  readonly baseline: Tensor<'float32'>;
  /** The explained output. */
  readonly output: ExplainedOutput;
  /** Model evaluations spent (one per perturbed example; one per example of a gradient call). */
  readonly predictions: number;
  /** Integrated gradients and saliency: where the gradients came from. */
  readonly gradientSource?: GradientSource;
  /**
   * KernelSHAP and integrated gradients: Σ attributions − (f(x) − f(baseline)). KernelSHAP meets
   * the constraint exactly (up to rounding); for integrated gradients it measures the error of
   * the path integral and shrinks as `steps` grows.
   */
  readonly convergenceDelta?: number;
  /** Wall time of the explanation, ms. */
  readonly ms: number;
}
