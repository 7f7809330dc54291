import * as tf from '@tensorflow/tfjs';
import {
  ServableError,
  type FitOptions,
  type LossName,
  type MetricName,
  type ModelManifest,
  type OptimizerSpec,
  type SaveOptions,
  type Trainer,
  type TrainingArrays,
  type TrainingBatch,
  type TrainingData,
  type TrainingHistory,
} from '@servable/core';
import { defaultBackend, ensureBackend, type BackendOptions, type TfjsBackendName } from '../backend/setup-backend.js';
import { buildModel } from './build-model.js';
import { computeLoss, metricCount, metricSums } from './loss-functions.js';
import { validateTraining, type ModelSpec } from './model-spec.js';
import { createOptimizer, type TrainingOptimizer } from './optimizers.js';
import { SeededRandom } from './random.js';
import { compileTrainGraph, type TrainGraph } from './train-graph.js';
import { makeBatch, sliceDataset, toArrayDataset, type ArrayDataset } from './training-data.js';
import { saveModelFolder } from './save-model-folder.js';

/** Options of {@link createTrainer}. */
export interface TrainerOptions extends BackendOptions {
  /** Backend to train on (default `wasm`; `cpu` works everywhere but is slow). */
  readonly backend?: TfjsBackendName;
  /** Seed of initial weights, shuffling and dropout (default 42): the same seed gives the same run. */
  readonly seed?: number;
  /** Overrides the spec's optimizer (required knowledge for a tfjs model: default `adam`). */
  readonly optimizer?: OptimizerSpec;
  /** Overrides the spec's loss (default `sparseCategoricalCrossentropy`). */
  readonly loss?: LossName;
  /** Overrides the spec's metrics. */
  readonly metrics?: readonly MetricName[];
}

function isAsyncIterable(v: unknown): v is AsyncIterable<TrainingBatch> {
  return typeof v === 'object' && v !== null && typeof (v as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function';
}

function isIterable(v: unknown): v is Iterable<TrainingBatch> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && typeof (v as Iterable<unknown>)[Symbol.iterator] === 'function' && !('x' in v);
}

/** Lets timers and I/O run between batches (setImmediate where it exists: setTimeout waits ≥ 1 ms in Node). */
function yieldToEventLoop(): Promise<void> {
  const immediate = (globalThis as { setImmediate?: (fn: () => void) => unknown }).setImmediate;
  return new Promise((resolve) => (immediate ? immediate(resolve) : setTimeout(resolve, 0)));
}

function now(): number {
  return globalThis.performance?.now() ?? Date.now();
}

interface EpochTotals {
  loss: number;
  examples: number;
  sums: number[];
  counts: number[];
}

/**
 * The tfjs implementation of core's {@link Trainer}. Built by {@link createTrainer}.
 *
 * Sequential models of dense, conv2d, maxPool2d, flatten, dropout and batchNormalization
 * layers train on hand-written kernels (plain matrix products, convolution gradients as convolutions,
 * fused softmax cross-entropy), which is faster than `model.fit` and lets convolutions train on
 * the wasm backend; other models train through tfjs's own gradients.
 */
export class TfjsTrainer implements Trainer {
  /** The model being trained; its weights are updated in place. */
  readonly model: tf.LayersModel;
  /** Loss minimized. */
  readonly loss: LossName;
  /** Metrics reported. */
  readonly metrics: readonly MetricName[];
  /** Backend training runs on. */
  readonly backend: TfjsBackendName;
  #lastHistory: TrainingHistory | undefined;
  #optimizer: TrainingOptimizer;
  #graph: TrainGraph;
  #random: SeededRandom;
  #backendOptions: BackendOptions;
  #busy = false;

  /** @internal Use {@link createTrainer}. */
  constructor(model: tf.LayersModel, settings: { loss: LossName; metrics: readonly MetricName[]; optimizer: OptimizerSpec; backend: TfjsBackendName; random: SeededRandom; backendOptions: BackendOptions }) {
    this.model = model;
    this.loss = settings.loss;
    this.metrics = settings.metrics;
    this.backend = settings.backend;
    this.#random = settings.random;
    this.#backendOptions = settings.backendOptions;
    this.#optimizer = createOptimizer(settings.optimizer);
    this.#graph = compileTrainGraph(model);
  }

  /** The last history `fit` returned (recorded in saved manifests). */
  get lastHistory(): TrainingHistory | undefined {
    return this.#lastHistory;
  }

  /** True when the fast training kernels serve this model. */
  get fastPath(): boolean {
    return this.#graph.fast;
  }

  #shapes(): { input: (number | null)[]; output: (number | null)[] } {
    const input = this.model.inputs[0]!.shape.slice(1);
    const output = this.model.outputs[0]!.shape.slice(1);
    return { input, output };
  }

  #dataset(data: TrainingArrays, subject: string): ArrayDataset {
    const { input, output } = this.#shapes();
    return toArrayDataset(data, input, output, this.loss, subject);
  }

  /** One optimizer step; returns the batch loss and metric sums. */
  #step(x: tf.Tensor, y: tf.Tensor): number[] {
    const vars = this.model.trainableWeights.map((w) => w.read() as tf.Variable);
    let stats: tf.Tensor | undefined;
    const { value, grads } = tf.variableGrads(() => {
      const result = this.#graph.forward(x, true, this.#random);
      const loss = computeLoss(this.loss, result, y);
      stats = tf.keep(tf.stack([loss, ...metricSums(this.loss, this.metrics, result.output, y)]));
      return loss;
    }, vars);
    try {
      const updated = vars.filter((v) => grads[v.name] !== undefined);
      this.#optimizer.apply(
        updated,
        updated.map((v) => grads[v.name]!),
      );
    } finally {
      value.dispose();
      tf.dispose(Object.values(grads));
    }
    const values = Array.from(stats!.dataSync());
    stats!.dispose();
    return values;
  }

  #accumulate(t: EpochTotals, values: number[], rows: number, width: number): void {
    t.loss += values[0]! * rows;
    t.examples += rows;
    this.metrics.forEach((m, i) => {
      t.sums[i]! += values[i + 1]!;
      t.counts[i]! += metricCount(this.loss, m, rows, width);
    });
  }

  #summary(t: EpochTotals, prefix = ''): Record<string, number> {
    const out: Record<string, number> = {};
    this.metrics.forEach((m, i) => {
      out[`${prefix}${m}`] = t.counts[i]! > 0 ? t.sums[i]! / t.counts[i]! : 0;
    });
    return out;
  }

  async #ready(): Promise<void> {
    await ensureBackend(this.backend, this.#backendOptions);
  }

  /**
   * Trains the model. Arrays are shuffled every epoch (with the seed) and cut into batches;
   * iterables are read batch by batch (pass a re-iterable object to train several epochs).
   * @throws ServableError `ABORTED` when `signal` fires (between batches; the weights stay usable),
   *   `INVALID_INPUT`/`SHAPE_MISMATCH` for bad data, `TRAINING_FAILED` when tfjs fails
   */
  async fit(data: TrainingData, options: FitOptions = {}): Promise<TrainingHistory> {
    const epochs = options.epochs ?? 1;
    const batchSize = options.batchSize ?? 32;
    if (!Number.isInteger(epochs) || epochs < 1) throw new ServableError('INVALID_ARGUMENT', `fit epochs: expected a positive integer, got ${String(epochs)}`);
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new ServableError('INVALID_ARGUMENT', `fit batchSize: expected a positive integer, got ${String(batchSize)}`);
    if (options.validationSplit !== undefined && !(options.validationSplit >= 0 && options.validationSplit < 1)) {
      throw new ServableError('INVALID_ARGUMENT', `fit validationSplit: expected a fraction in [0, 1), got ${String(options.validationSplit)}`);
    }
    if (this.#busy) throw new ServableError('INVALID_ARGUMENT', 'fit: expected one fit or evaluate at a time on this trainer, got a second call while one runs — await the first');
    this.#busy = true;
    try {
      await this.#ready();
      if (options.seed !== undefined) this.#random = new SeededRandom(options.seed);
      return await this.#fit(data, options, epochs, batchSize);
    } catch (e) {
      if (ServableError.isInstance(e)) throw e;
      const message = (e as Error)?.message ?? String(e);
      throw new ServableError('TRAINING_FAILED', `fit: expected tfjs to train the model, got an error (${message}) — the weights of finished batches are kept; try backend "cpu" to tell a backend failure from a model one`, { cause: e });
    } finally {
      this.#busy = false;
    }
  }

  async #fit(data: TrainingData, options: FitOptions, epochs: number, batchSize: number): Promise<TrainingHistory> {
    let train: ArrayDataset | undefined;
    let stream: AsyncIterable<TrainingBatch> | Iterable<TrainingBatch> | undefined;
    let validation: ArrayDataset | undefined;
    if (isAsyncIterable(data) || isIterable(data)) {
      stream = data;
      if (options.validationSplit) throw new ServableError('INVALID_ARGUMENT', 'fit validationSplit: expected arrays to split, got an iterable of batches — pass validationData instead');
    } else {
      const all = this.#dataset(data as TrainingArrays, 'fit data');
      const held = options.validationSplit ? Math.floor(all.count * options.validationSplit) : 0;
      train = sliceDataset(all, 0, all.count - held);
      if (held > 0) validation = sliceDataset(all, all.count - held, all.count);
    }
    if (options.validationData) validation = this.#dataset(options.validationData, 'validationData');
    const history: Record<string, number[]> = {};
    const push = (name: string, v: number) => (history[name] ??= []).push(v);
    const early = options.earlyStopping;
    const monitor = early?.monitor ?? (validation ? 'val_loss' : 'loss');
    const maximize = /acc/.test(monitor);
    let best = maximize ? -Infinity : Infinity;
    let wait = 0;
    let stoppedEarly = false;
    let completed = 0;
    let knownBatches = train ? Math.ceil(train.count / batchSize) : undefined;
    const started = now();
    let examplesTotal = 0;
    const width = (this.model.outputs[0]!.shape[this.model.outputs[0]!.shape.length - 1] as number | null) ?? 1;
    const order = train ? Int32Array.from({ length: train.count }, (_, i) => i) : undefined;
    for (let epoch = 0; epoch < epochs; epoch++) {
      const totals: EpochTotals = { loss: 0, examples: 0, sums: this.metrics.map(() => 0), counts: this.metrics.map(() => 0) };
      const epochStart = now();
      let batch = 0;
      const report = () => {
        if (!options.onProgress) return;
        const elapsed = (now() - epochStart) / 1000;
        const eps = totals.examples / Math.max(elapsed, 1e-9);
        const batches = knownBatches;
        const perBatch = elapsed / (batch + 1);
        const eta = batches !== undefined ? perBatch * (batches - batch - 1) + perBatch * batches * (epochs - epoch - 1) : undefined;
        options.onProgress({ kind: 'batch', epoch, epochs, batch, batches, loss: totals.loss / totals.examples, metrics: this.#summary(totals), examplesPerSecond: eps, etaSeconds: eta });
      };
      const runBatch = (x: tf.Tensor, y: tf.Tensor) => {
        try {
          const values = this.#step(x, y);
          this.#accumulate(totals, values, x.shape[0]!, width);
        } finally {
          x.dispose();
          y.dispose();
        }
        report();
        batch++;
        examplesTotal += x.shape[0]!;
      };
      const abortCheck = () => {
        if (options.signal?.aborted) {
          throw new ServableError('ABORTED', `fit was aborted at epoch ${epoch + 1}, batch ${batch + 1}: ${String(options.signal.reason ?? 'AbortSignal fired')} — the weights of the finished batches are kept`, { cause: options.signal.reason });
        }
      };
      if (train) {
        if (options.shuffle !== false) this.#random.shuffle(order!);
        for (let start = 0; start < train.count; start += batchSize) {
          abortCheck();
          const { x, y } = makeBatch(train, options.shuffle === false ? undefined : order, start, Math.min(start + batchSize, train.count));
          runBatch(x, y);
          if (batch % 16 === 0) await yieldToEventLoop();
        }
      } else {
        const iterator = stream!;
        for await (const item of iterator as AsyncIterable<TrainingBatch>) {
          abortCheck();
          const ds = this.#dataset(item as TrainingArrays, `fit batch ${batch}`);
          const { x, y } = makeBatch(ds, undefined, 0, ds.count);
          runBatch(x, y);
        }
        if (batch === 0) {
          throw new ServableError('INVALID_INPUT', `fit data: expected batches in epoch ${epoch + 1}, got none — pass an object whose [Symbol.asyncIterator]() starts over each epoch (an async generator object can be read only once)`);
        }
        knownBatches = batch;
      }
      abortCheck();
      const epochValues: Record<string, number> = { loss: totals.loss / totals.examples, ...this.#summary(totals) };
      if (validation) {
        const v = this.#evaluateDataset(validation, batchSize);
        for (const [k, val] of Object.entries(v)) epochValues[`val_${k}`] = val;
      }
      for (const [k, v] of Object.entries(epochValues)) push(k, v);
      completed++;
      const { loss, ...metrics } = epochValues;
      const elapsed = (now() - epochStart) / 1000;
      options.onProgress?.({ kind: 'epoch', epoch, epochs, batch: batch - 1, batches: knownBatches, loss: loss!, metrics, examplesPerSecond: totals.examples / Math.max(elapsed, 1e-9), etaSeconds: elapsed * (epochs - epoch - 1) });
      if (early) {
        const value = epochValues[monitor];
        if (value === undefined) {
          throw new ServableError('INVALID_ARGUMENT', `fit earlyStopping.monitor: expected one of ${Object.keys(epochValues).join(', ')}, got "${monitor}"`);
        }
        const delta = early.minDelta ?? 0;
        const improved = maximize ? value > best + delta : value < best - delta;
        if (improved) {
          best = value;
          wait = 0;
        } else if (++wait >= Math.max(early.patience ?? 0, 1)) {
          stoppedEarly = true;
          break;
        }
      }
      await yieldToEventLoop();
    }
    const result: TrainingHistory = { epochs: completed, history, stoppedEarly, examplesPerSecond: examplesTotal / Math.max((now() - started) / 1000, 1e-9) };
    this.#lastHistory = result;
    return result;
  }

  #evaluateDataset(ds: ArrayDataset, batchSize: number): Record<string, number> {
    const width = (this.model.outputs[0]!.shape[this.model.outputs[0]!.shape.length - 1] as number | null) ?? 1;
    const totals: EpochTotals = { loss: 0, examples: 0, sums: this.metrics.map(() => 0), counts: this.metrics.map(() => 0) };
    for (let start = 0; start < ds.count; start += batchSize) {
      const end = Math.min(start + batchSize, ds.count);
      const { x, y } = makeBatch(ds, undefined, start, end);
      const stats = tf.tidy(() => {
        const result = this.#graph.forward(x, false, this.#random);
        return tf.stack([computeLoss(this.loss, result, y), ...metricSums(this.loss, this.metrics, result.output, y)]);
      });
      this.#accumulate(totals, Array.from(stats.dataSync()), end - start, width);
      stats.dispose();
      x.dispose();
      y.dispose();
    }
    return { loss: totals.loss / totals.examples, ...this.#summary(totals) };
  }

  /**
   * Loss and metrics on data (inference mode: no dropout, moving batch-norm statistics).
   * @throws ServableError `INVALID_INPUT`/`SHAPE_MISMATCH` for bad data
   */
  async evaluate(data: TrainingArrays, options: { readonly batchSize?: number } = {}): Promise<Readonly<Record<string, number>>> {
    await this.#ready();
    return this.#evaluateDataset(this.#dataset(data, 'evaluate data'), options.batchSize ?? 256);
  }

  /**
   * Writes the model folder: `model.json` + `weights.bin` + `servable.json` (format
   * `tfjs-layers`), and with `onnx: true` an ONNX copy in the subfolder `onnx/` with its own
   * `servable.json` (format `onnx`), so both `loadModel(folder)` and `loadModel(folder + '/onnx')`
   * work. A target with a URL scheme (`indexeddb://name`, `localstorage://name`, `downloads://name`,
   * `http(s)://…`, any scheme a tfjs IO router handles; not `file://`, which is a folder) is handed
   * to tfjs's own handlers, with the manifest stored in the model's user metadata, where
   * `readTfjsModelPackage` finds it.
   * @param target - a folder path (Node) or a tfjs URL scheme
   * @returns the manifest written (or that would describe the model)
   */
  async save(target: string, options: SaveOptions = {}): Promise<ModelManifest> {
    await this.#ready();
    return saveModelFolder(this.model, target, options, { history: this.#lastHistory, backend: this.backend, loss: this.loss });
  }

  /** Releases the optimizer's tensors and the model's (also a model passed to `createTrainer`). */
  dispose(): void {
    this.#optimizer.dispose();
    this.model.dispose();
  }
}

function resolveSettings(spec: ModelSpec | undefined, options: TrainerOptions): { loss: LossName; metrics: readonly MetricName[]; optimizer: OptimizerSpec } {
  validateTraining({ optimizer: options.optimizer, loss: options.loss, metrics: options.metrics });
  const loss = options.loss ?? spec?.loss ?? 'sparseCategoricalCrossentropy';
  const metrics = options.metrics ?? spec?.metrics ?? (loss === 'meanSquaredError' ? ['mae'] : ['accuracy']);
  const optimizer = options.optimizer ?? spec?.optimizer ?? 'adam';
  return { loss, metrics, optimizer };
}

/**
 * Creates a Trainer from a declarative {@link ModelSpec} or from a tfjs `LayersModel` the user
 * built (one input, one output).
 *
 * @example
 * ```ts
 * const trainer = await createTrainer({
 *   inputShape: [28, 28],
 *   layers: [{ type: 'flatten' }, { type: 'dense', units: 128, activation: 'relu' }, { type: 'dense', units: 10, activation: 'softmax' }],
 *   optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'],
 * }, { seed: 1 });
 * await trainer.fit({ x: images, y: labels }, { epochs: 5, batchSize: 32, onProgress: console.log });
 * await trainer.save('models/mnist/1', { onnx: true, manifest: { name: 'mnist', labels } });
 * ```
 * @throws ServableError `INVALID_ARGUMENT` for a bad spec (naming the layer index and field),
 *   `RUNTIME_UNAVAILABLE` when the backend cannot start
 */
export async function createTrainer(model: ModelSpec | tf.LayersModel, options: TrainerOptions = {}): Promise<TfjsTrainer> {
  const backend = options.backend ?? defaultBackend();
  const seed = options.seed ?? 42;
  if (!Number.isFinite(seed)) throw new ServableError('INVALID_ARGUMENT', `createTrainer seed: expected a number, got ${String(seed)}`);
  const isModel = model instanceof tf.LayersModel;
  const settings = resolveSettings(isModel ? undefined : (model as ModelSpec), options);
  await ensureBackend(backend, options);
  const random = new SeededRandom(seed);
  let layers: tf.LayersModel;
  if (isModel) {
    if (model.inputs.length !== 1 || model.outputs.length !== 1) {
      throw new ServableError('INVALID_ARGUMENT', `createTrainer model: expected a model with one input and one output, got ${model.inputs.length} input(s) and ${model.outputs.length} output(s)`);
    }
    layers = model;
  } else {
    layers = buildModel(model as ModelSpec, random);
  }
  return new TfjsTrainer(layers, { ...settings, backend, random, backendOptions: { wasmPaths: options.wasmPaths, threads: options.threads } });
}
