import { ServableError, allocateData, type Model, type TensorMap } from '@servable/core';

/**
 * Feeds of zeros for every input, each symbolic dimension set to 1: the one run that a new
 * version makes before it is marked ready (first runs allocate and compile).
 */
export function zeroFeeds(model: Pick<Model, 'signature'>): TensorMap {
  const feeds: TensorMap = {};
  for (const spec of model.signature.inputs) {
    const shape = spec.shape.map((d) => (typeof d === 'number' && d >= 0 ? d : 1));
    const size = shape.reduce((a, b) => a * b, 1);
    feeds[spec.name] = { dtype: spec.dtype, shape, data: allocateData(spec.dtype, size) } as TensorMap[string];
  }
  return feeds;
}

/**
 * Runs the model once on {@link zeroFeeds}.
 * @throws ServableError `MODEL_LOAD_FAILED` naming the run that failed
 */
export async function warmUp(model: Model): Promise<void> {
  try {
    await model.run(zeroFeeds(model));
  } catch (cause) {
    throw new ServableError(
      'MODEL_LOAD_FAILED',
      `model ${model.report.source}: expected the warm-up run on zeros (symbolic dimensions set to 1) to succeed, got: ${(cause as Error)?.message ?? String(cause)} — fix the model or give its inputs fixed sizes`,
      { cause },
    );
  }
}
