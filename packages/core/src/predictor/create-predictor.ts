import { Batcher, type BatcherOptions } from '../batching/batcher.js';
import { ServableError, throwIfAborted } from '../errors/servable-error.js';
import type { Model } from '../model/load-model.js';
import { addReportWarning } from '../model/report.js';
import type { Postprocessing } from '../model/manifest.js';
import type { ModelSignature } from '../model/signature.js';
import type { CoerceOptions } from '../pipeline/coerce.js';
import { normalizeInput } from '../pipeline/normalize.js';
import type { ImageInput } from '../pipeline/image.js';
import type { PredictInput } from '../pipeline/predict-input.js';
import { classify, type Classification } from '../pipeline/postprocess.js';
import type { TensorMap } from '../tensor/tensor.js';

/** How `predict` shapes its answer. */
export type OutputMode = 'auto' | 'tensors' | 'classification';

/** Options of {@link Predictor.predict}. */
export interface PredictOptions extends CoerceOptions {
  /** Cancels the prediction (before or while it waits in the batcher). */
  readonly signal?: AbortSignal;
  /**
   * `tensors`: raw outputs; `classification`: labels and probabilities; `auto` (default):
   * classification when the manifest has labels or postprocessing, tensors otherwise.
   */
  readonly output?: OutputMode;
  /** Top classes to report (classification). */
  readonly topK?: number;
  /** Only these outputs (tensors mode). */
  readonly outputs?: readonly string[];
  /** Deadline in ms (through the batcher). */
  readonly timeoutMs?: number;
  /**
   * Says what the input holds, where its type cannot (nested arrays, typed arrays, tensors,
   * records). `true`: a batch — the answer is an array, one entry per example, even for one
   * example. `false`: one example — the answer is one classification (or tensors without the
   * batch axis), and an input that holds several examples is a `SHAPE_MISMATCH`. Left out, the
   * input's shape decides: one image is one example, an array of images a batch, and other
   * input is one example when it lacks the batch axis.
   */
  readonly batch?: boolean;
}

/** Options that ask for classifications. */
export type ClassifyOptions = PredictOptions & {
  /** Labels and probabilities. */
  readonly output: 'classification';
};

/**
 * What `predict` resolves with: tensors (batch axis removed for one example) or classifications
 * (one for one example, an array for a batch; `C` narrows it where the input's type says which).
 */
export type Prediction<C extends Classification | Classification[] = Classification | Classification[]> = TensorMap | C;

/** Options of {@link createPredictor}. */
export interface PredictorOptions {
  /** Coalesce concurrent calls into batched runs (off by default in process; the server turns it on). */
  readonly batching?: BatcherOptions | boolean;
  /** Postprocessing that wins over the manifest's. */
  readonly postprocessing?: Postprocessing;
}

/**
 * A model plus its pipeline: takes what a user has, returns what a user wants.
 *
 * `predict`'s answer follows its input: one image (or `batch: false`) gives one
 * {@link Classification}, an array of images (or `batch: true`) an array of them, and other
 * input, whose type cannot say, the union.
 */
export interface Predictor extends AsyncDisposable {
  /** The model it runs. */
  readonly model: Model;
  /** The model's signature. */
  readonly signature: ModelSignature;
  /** The batcher, when batching is on. */
  readonly batcher: Batcher | undefined;
  /**
   * Predicts for one example or a batch: validates and normalizes `input` against the signature
   * (adding and removing the batch axis for one example), runs it, and post-processes the output.
   * With `output: 'tensors'` it resolves with the raw outputs by name (only `outputs` when given).
   */
  predict(input: PredictInput, options: PredictOptions & { readonly output: 'tensors' }): Promise<TensorMap>;
  /** Classifies one image: resolves with one classification (labels from the manifest, `topK` best classes). */
  predict(input: ImageInput, options: ClassifyOptions & { readonly batch?: false }): Promise<Classification>;
  /** Classifies a batch of images: resolves with one classification per image. */
  predict(input: readonly ImageInput[], options: ClassifyOptions & { readonly batch?: true }): Promise<Classification[]>;
  /** Classifies one example (`batch: false`): resolves with one classification. */
  predict(input: PredictInput, options: ClassifyOptions & { readonly batch: false }): Promise<Classification>;
  /** Classifies a batch (`batch: true`): resolves with one classification per example. */
  predict(input: PredictInput, options: ClassifyOptions & { readonly batch: true }): Promise<Classification[]>;
  /**
   * Classifies input whose type does not say whether it is one example or a batch: one
   * classification for one example, an array for a batch (pass `batch` to pin it).
   */
  predict(input: PredictInput, options: ClassifyOptions): Promise<Classification | Classification[]>;
  /**
   * Predicts for one image with the output mode left open: `auto` (the default) classifies when
   * the manifest has labels or postprocessing, and returns tensors otherwise.
   */
  predict(input: ImageInput, options?: PredictOptions & { readonly batch?: false }): Promise<Prediction<Classification>>;
  /** Predicts for a batch of images with the output mode left open. */
  predict(input: readonly ImageInput[], options?: PredictOptions & { readonly batch?: true }): Promise<Prediction<Classification[]>>;
  /** Predicts for one example (`batch: false`) with the output mode left open. */
  predict(input: PredictInput, options: PredictOptions & { readonly batch: false }): Promise<Prediction<Classification>>;
  /** Predicts for a batch (`batch: true`) with the output mode left open. */
  predict(input: PredictInput, options: PredictOptions & { readonly batch: true }): Promise<Prediction<Classification[]>>;
  /** Predicts with the output mode and the batch left open. */
  predict(input: PredictInput, options?: PredictOptions): Promise<Prediction>;
  /** Closes the batcher and disposes the model. */
  dispose(): Promise<void>;
}

function unbatch(outputs: TensorMap): TensorMap {
  const out: TensorMap = {};
  for (const [name, t] of Object.entries(outputs)) out[name] = t.shape[0] === 1 ? { ...t, shape: t.shape.slice(1) } : t;
  return out;
}

/**
 * Wraps a model in the input-normalizing pipeline.
 * @example
 * ```ts
 * const predictor = createPredictor(await loadModel('models/mnist/1', { runtimes: [onnxNode()] }));
 * const image = await decodeImage('digit.png');
 * const { label, score } = await predictor.predict(image, { output: 'classification' });
 * ```
 */
export function createPredictor(model: Model, options: PredictorOptions = {}): Predictor {
  if (!model || typeof model.run !== 'function') {
    throw new ServableError('INVALID_ARGUMENT', 'createPredictor: expected a Model from loadModel(), got ' + typeof model);
  }
  const batcher =
    options.batching && model.signature.inputs.length > 0
      ? new Batcher((feeds, o) => model.run(feeds, o), model.signature, options.batching === true ? {} : options.batching)
      : undefined;
  const manifest = model.manifest;
  const wantsClassification = Boolean(manifest?.labels || manifest?.postprocessing || options.postprocessing);

  async function predict(input: PredictInput, opts: PredictOptions = {}): Promise<Prediction> {
    throwIfAborted(opts.signal, 'predict');
    if (opts.batch !== undefined && typeof opts.batch !== 'boolean') {
      throw new ServableError('INVALID_ARGUMENT', `predict options.batch: expected true or false, got ${typeof opts.batch}`);
    }
    const { feeds, single: oneExample, batchSize, warnings } = normalizeInput(input, model.signature, manifest, opts);
    for (const w of warnings) addReportWarning(model.report, w);
    if (opts.batch === false && !oneExample && batchSize !== 1) {
      throw new ServableError('SHAPE_MISMATCH', `input: expected one example (batch: false), got a batch of ${batchSize} — pass batch: true, or one example`, {
        details: { expected: 'one example', received: `a batch of ${batchSize}` },
      });
    }
    const single = opts.batch === undefined ? oneExample : !opts.batch;
    const raw = batcher
      ? await batcher.run(feeds, { signal: opts.signal, timeoutMs: opts.timeoutMs })
      : await model.run(feeds, { signal: opts.signal });
    const mode = opts.output ?? 'auto';
    if (mode === 'classification' || (mode === 'auto' && wantsClassification)) {
      const results = classify(raw, manifest, { ...options.postprocessing, ...(opts.topK ? { topK: opts.topK } : {}) });
      return single ? results[0]! : results;
    }
    let outputs = raw;
    if (opts.outputs) {
      outputs = {};
      for (const name of opts.outputs) {
        const t = raw[name];
        if (!t) throw new ServableError('INVALID_ARGUMENT', `output "${name}": expected one of ${Object.keys(raw).join(', ')}, got an unknown name`);
        outputs[name] = t;
      }
    }
    return single ? unbatch(outputs) : outputs;
  }

  const predictor: Predictor = {
    model,
    signature: model.signature,
    batcher,
    predict: predict as Predictor['predict'],
    async dispose() {
      await batcher?.close();
      await model.dispose();
    },
    [Symbol.asyncDispose]() {
      return predictor.dispose();
    },
  };
  return predictor;
}
