import { ServableError, describeMismatch, throwIfAborted } from '../errors/servable-error.js';
import { allocateData } from '../tensor/dtype.js';
import { concatBatch, formatShape, type Tensor, type TensorMap } from '../tensor/tensor.js';
import type { ExplainContext } from './explain-context.js';
import type { ExplainProgress } from './explanation.js';
import { tensorToNumbers, writeNumbers } from './numeric-values.js';

/** Writes the values of perturbed example `row` into `values` (every element). */
export type FillRow = (row: number, values: Float64Array) => void;

/** Outputs of a set of evaluations: `perRow` values of the target output for each example. */
export interface EvaluatedOutputs {
  readonly values: Float64Array;
  readonly perRow: number;
}

/**
 * Runs perturbed examples through the predictor in batches, counting evaluations, reporting
 * progress and honouring the abort signal between batches.
 */
export class ExplainEvaluator {
  readonly #ctx: ExplainContext;
  readonly #total: number;
  readonly #signal: AbortSignal | undefined;
  readonly #onProgress: ((p: ExplainProgress) => void) | undefined;
  readonly #repeated = new Map<number, TensorMap>();
  #done = 0;

  /**
   * @param ctx - the prepared explanation
   * @param total - evaluations planned in all, for progress
   * @param signal - aborts between batches
   * @param onProgress - called after each batch
   */
  constructor(ctx: ExplainContext, total: number, signal: AbortSignal | undefined, onProgress: ((p: ExplainProgress) => void) | undefined) {
    this.#ctx = ctx;
    this.#total = total;
    this.#signal = signal;
    this.#onProgress = onProgress;
  }

  /** Evaluations spent so far. */
  get spent(): number {
    return this.#done;
  }

  #fixedFeeds(rows: number): TensorMap {
    let feeds = this.#repeated.get(rows);
    if (!feeds) {
      feeds = {};
      for (const [name, t] of Object.entries(this.#ctx.fixedFeeds)) feeds[name] = concatBatch(new Array<Tensor>(rows).fill(t));
      this.#repeated.set(rows, feeds);
    }
    return feeds;
  }

  #batch(start: number, rows: number, fill: FillRow): TensorMap {
    const { spec, size, exampleShape } = this.#ctx;
    const data = allocateData(spec.dtype, rows * size);
    const scratch = new Float64Array(size);
    for (let r = 0; r < rows; r++) {
      fill(start + r, scratch);
      writeNumbers(spec.dtype, data, r * size, scratch);
    }
    const tensor = { dtype: spec.dtype, shape: [rows, ...exampleShape], data } as Tensor;
    return { ...this.#fixedFeeds(rows), [spec.name]: tensor };
  }

  #progress(rows: number): void {
    this.#done += rows;
    this.#onProgress?.({ done: this.#done, total: this.#total });
  }

  /**
   * Evaluates `count` perturbed examples and returns every value of the target output for each.
   * @param count - examples to evaluate
   * @param fill - writes example `row`'s values
   */
  async outputs(count: number, fill: FillRow): Promise<EvaluatedOutputs> {
    const { predictor, outputName, batchSize } = this.#ctx;
    let values: Float64Array | undefined;
    let perRow = 0;
    for (let start = 0; start < count; start += batchSize) {
      throwIfAborted(this.#signal, 'explain');
      const rows = Math.min(batchSize, count - start);
      const out = await predictor.predict(this.#batch(start, rows, fill), { output: 'tensors', signal: this.#signal, outputs: [outputName] });
      const tensor = out[outputName]!;
      if (tensor.shape[0] !== rows) {
        throw new ServableError(
          'UNSUPPORTED_CAPABILITY',
          describeMismatch(`output "${outputName}"`, `a batch axis of ${rows} (one row per perturbed example)`, formatShape(tensor.shape), 'explain a model whose outputs keep the batch axis'),
        );
      }
      const numbers = tensorToNumbers(tensor, `output "${outputName}"`);
      if (!values) {
        perRow = numbers.length / rows;
        values = new Float64Array(count * perRow);
      }
      values.set(numbers, start * perRow);
      this.#progress(rows);
    }
    return { values: values ?? new Float64Array(0), perRow };
  }

  /**
   * Evaluates `count` perturbed examples and returns the target value of each.
   * @param count - examples to evaluate
   * @param fill - writes example `row`'s values
   * @param index - index into one example's flattened output
   */
  async targets(count: number, fill: FillRow, index: number): Promise<Float64Array> {
    const { values, perRow } = await this.outputs(count, fill);
    const out = new Float64Array(count);
    for (let r = 0; r < count; r++) out[r] = values[r * perRow + index]!;
    return out;
  }

  /**
   * Exact gradients of the target value with respect to the explained input, from the runtime's
   * gradient capability, for `count` examples (one row of `size` values each).
   * @param count - examples
   * @param fill - writes example `row`'s values
   * @param index - index into one example's flattened output
   */
  async gradients(count: number, fill: FillRow, index: number): Promise<Float64Array> {
    const { predictor, spec, size, outputName, batchSize } = this.#ctx;
    const capability = predictor.model.loaded.gradients;
    if (!capability) {
      throw new ServableError('UNSUPPORTED_CAPABILITY', `runtime ${predictor.model.report.runtime}: expected exact gradients, got a runtime without them — use gradients: 'finite-differences'`);
    }
    const out = new Float64Array(count * size);
    for (let start = 0; start < count; start += batchSize) {
      throwIfAborted(this.#signal, 'explain');
      const rows = Math.min(batchSize, count - start);
      let grad: Tensor;
      try {
        grad = await capability.doGradient(this.#batch(start, rows, fill), { inputName: spec.name, outputName, index });
      } catch (e) {
        if (ServableError.isInstance(e)) throw e;
        throw new ServableError('INFERENCE_FAILED', `gradient of output "${outputName}"[${index}] with respect to input "${spec.name}": the ${predictor.model.report.runtime} runtime failed: ${(e as Error)?.message ?? String(e)}`, { cause: e });
      }
      if (grad.data.length !== rows * size) {
        throw new ServableError(
          'INFERENCE_FAILED',
          describeMismatch(`gradient with respect to input "${spec.name}"`, `${rows * size} values (${rows} × ${formatShape(this.#ctx.exampleShape)})`, `${formatShape(grad.shape)}`, 'the runtime returned a gradient of the wrong shape'),
        );
      }
      out.set(tensorToNumbers(grad, `gradient of input "${spec.name}"`), start * size);
      this.#progress(rows);
    }
    return out;
  }
}
