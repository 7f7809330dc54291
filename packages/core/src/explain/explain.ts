import { ServableError, describeMismatch, throwIfAborted } from '../errors/servable-error.js';
import type { PredictInput } from '../pipeline/normalize.js';
import type { Predictor } from '../predictor/create-predictor.js';
import { argmax } from '../pipeline/postprocess.js';
import { ExplainEvaluator } from './evaluator.js';
import { prepareExplanation, type ExplainContext } from './explain-context.js';
import { EXPLAIN_METHODS, type ExplainOptions, type Explanation } from './explanation.js';
import { planIntegratedGradients } from './integrated-gradients.js';
import { planKernelShap } from './kernel-shap.js';
import type { MethodPlan, ResolvedTarget } from './method-plan.js';
import { planOcclusion } from './occlusion.js';
import { planSaliency } from './saliency.js';

const now = (): number => (typeof performance !== 'undefined' ? performance.now() : Date.now());

function plan(ctx: ExplainContext, options: ExplainOptions): MethodPlan {
  switch (options.method) {
    case 'occlusion':
      return planOcclusion(ctx, options);
    case 'kernelshap':
      return planKernelShap(ctx, options);
    case 'integrated-gradients':
      return planIntegratedGradients(ctx, options);
    case 'saliency':
      return planSaliency(ctx, options);
    default:
      throw new ServableError('INVALID_ARGUMENT', describeMismatch('explain option "method"', EXPLAIN_METHODS.map((m) => `'${m}'`).join(', '), JSON.stringify(options.method)));
  }
}

function requestedIndex(options: ExplainOptions): number | undefined {
  return typeof options.target === 'number' ? options.target : options.target?.index;
}

/**
 * Explains one prediction: how much each element of the input contributed to one output.
 * Works through the predictor alone, so every runtime gets it: perturbed copies of the input
 * go through `predictor.predict(…, { output: 'tensors' })` in batches (and so through the
 * batcher when batching is on); integrated gradients and saliency use the runtime's exact
 * gradients when it has the capability (runtime-tfjs) and finite differences otherwise.
 *
 * The input is one example in any form `predict` accepts (nested or typed array, tensor, image,
 * record for several inputs); it is normalized with the predictor's pipeline and perturbed in
 * the model's input space, so `baseline` is given in that space too.
 *
 * @example
 * ```ts
 * const e = await explain(predictor, image, { method: 'integrated-gradients', steps: 32 });
 * await writeFile('heatmap.png', await attributionHeatmapPng(e.attributions, { base: image }));
 * ```
 * @throws ServableError `INVALID_ARGUMENT` (bad options), `INVALID_INPUT` / `SHAPE_MISMATCH` (bad input or baseline), `UNSUPPORTED_CAPABILITY` (text input, `gradients: 'exact'` without the capability), `ABORTED`
 */
export async function explain(predictor: Predictor, input: PredictInput, options: ExplainOptions): Promise<Explanation> {
  const started = now();
  if (!predictor || typeof predictor.predict !== 'function' || !predictor.model) {
    throw new ServableError('INVALID_ARGUMENT', describeMismatch('explain: predictor', 'a Predictor from createPredictor()', typeof predictor, 'wrap the model with createPredictor(model)'));
  }
  if (!options || typeof options !== 'object') {
    throw new ServableError('INVALID_ARGUMENT', describeMismatch('explain: options', `an object with a method (${EXPLAIN_METHODS.join(', ')})`, String(options)));
  }
  throwIfAborted(options.signal, 'explain');
  const ctx = prepareExplanation(predictor, input, options);
  const method = plan(ctx, options);
  const evaluator = new ExplainEvaluator(ctx, 2 + method.evaluations, options.signal, options.onProgress);

  const { values, perRow } = await evaluator.outputs(2, (row, v) => v.set(row === 0 ? ctx.x : ctx.baseline));
  const index = requestedIndex(options) ?? (perRow === 1 ? 0 : argmax(values.subarray(0, perRow)));
  if (!Number.isInteger(index) || index < 0 || index >= perRow) {
    throw new ServableError(
      'INVALID_ARGUMENT',
      describeMismatch('explain option "target.index"', `an integer in [0, ${perRow}) for output "${ctx.outputName}"`, String(index), 'index one example\'s flattened output, such as a class'),
    );
  }
  const target: ResolvedTarget = { index, value: values[index]!, baselineValue: values[perRow + index]! };
  const result = await method.run(evaluator, target);

  const attributions = Float32Array.from(result.attributions);
  let convergenceDelta: number | undefined;
  if (result.complete) {
    let sum = 0;
    for (const a of result.attributions) sum += a;
    convergenceDelta = sum - (target.value - target.baselineValue);
  }
  const isClassOutput = ctx.outputName === (ctx.manifest?.postprocessing?.output ?? predictor.signature.outputs[0]?.name);
  const label = isClassOutput ? ctx.manifest?.labels?.[index] : undefined;
  return {
    method: options.method,
    input: ctx.spec.name,
    attributions: { dtype: 'float32', shape: [...ctx.exampleShape], data: attributions },
    baseline: { dtype: 'float32', shape: [...ctx.exampleShape], data: Float32Array.from(ctx.baseline) },
    output: { name: ctx.outputName, index, ...(label !== undefined ? { label } : {}), value: target.value, baselineValue: target.baselineValue },
    predictions: evaluator.spent,
    ...(result.gradientSource ? { gradientSource: result.gradientSource } : {}),
    ...(convergenceDelta !== undefined ? { convergenceDelta } : {}),
    ms: now() - started,
  };
}
