import type { NumericTypedArray } from '../tensor/dtype.js';
import type { Tensor } from '../tensor/tensor.js';
import type { ModelManifest } from '../model/manifest.js';

/** Features and labels as a user has them: nested arrays, flat typed arrays with a shape, or tensors. */
export interface TrainingArrays {
  /** Inputs: nested number arrays (first axis = examples), a tensor, or a flat typed array of whole examples. */
  readonly x: readonly unknown[] | Tensor | NumericTypedArray;
  /** Targets: class indices (plain integers) for sparse cross-entropy, one-hot or real values otherwise. */
  readonly y: readonly unknown[] | Tensor | NumericTypedArray;
}

/** One batch of a streamed data set. */
export interface TrainingBatch {
  /** Inputs of the batch; the first axis is the example. */
  readonly x: Tensor;
  /** Targets of the batch, one per example of `x`. */
  readonly y: Tensor;
}

/** What `fit` accepts: arrays, or an async iterable of batches (data larger than memory). */
export type TrainingData = TrainingArrays | AsyncIterable<TrainingBatch> | Iterable<TrainingBatch>;

/** Optimizers the Trainer knows. */
export type OptimizerSpec =
  | 'sgd'
  | 'adam'
  | 'rmsprop'
  | {
      /** Stochastic gradient descent. */
      readonly type: 'sgd';
      /** Step size (default 0.01). */
      readonly learningRate?: number;
      /** Momentum factor; 0 (the default) means plain SGD. */
      readonly momentum?: number;
    }
  | {
      /** Adam. */
      readonly type: 'adam';
      /** Step size (default 0.001). */
      readonly learningRate?: number;
      /** Decay rate of the first-moment estimate (default 0.9). */
      readonly beta1?: number;
      /** Decay rate of the second-moment estimate (default 0.999). */
      readonly beta2?: number;
      /** Small constant added to the denominator for numerical stability (default 1e-7). */
      readonly epsilon?: number;
    }
  | {
      /** RMSProp. */
      readonly type: 'rmsprop';
      /** Step size (default 0.001). */
      readonly learningRate?: number;
      /** Decay rate of the moving average of squared gradients (default 0.9). */
      readonly decay?: number;
      /** Momentum factor (default 0: no momentum). */
      readonly momentum?: number;
      /** Small constant added to the denominator for numerical stability (default 1e-7). */
      readonly epsilon?: number;
    };

/** Losses the Trainer knows. Sparse cross-entropy takes plain integer labels. */
export type LossName = 'sparseCategoricalCrossentropy' | 'categoricalCrossentropy' | 'binaryCrossentropy' | 'meanSquaredError';

/** Metrics the Trainer knows. */
export type MetricName = 'accuracy' | 'mae';

/** Progress of training, reported after every batch and every epoch. */
export interface TrainingProgress {
  /** `batch` after each batch, `epoch` at the end of an epoch. */
  readonly kind: 'batch' | 'epoch';
  /** 0-based epoch. */
  readonly epoch: number;
  /** Total epochs. */
  readonly epochs: number;
  /** 0-based batch within the epoch. */
  readonly batch: number;
  /** Batches per epoch, when known. */
  readonly batches?: number;
  /** Mean loss so far in this epoch. */
  readonly loss: number;
  /** Metrics so far in this epoch (`accuracy`, `mae`), and `val_…` at epoch end. */
  readonly metrics: Readonly<Record<string, number>>;
  /** Training throughput. */
  readonly examplesPerSecond: number;
  /** Estimated seconds left, when the total is known. */
  readonly etaSeconds?: number;
}

/** Options of {@link Trainer.fit}. */
export interface FitOptions {
  /** Passes over the data; a positive integer (default 1). */
  readonly epochs?: number;
  /** Examples per training step when training on arrays, a positive integer (default 32); also the batch size of validation. Streamed batches keep their own size. */
  readonly batchSize?: number;
  /** Shuffle arrays every epoch (default true; uses `seed`). */
  readonly shuffle?: boolean;
  /** Hold out the last fraction of arrays for validation. */
  readonly validationSplit?: number;
  /** Separate validation data. */
  readonly validationData?: TrainingArrays;
  /** Called after every batch and epoch. */
  readonly onProgress?: (progress: TrainingProgress) => void;
  /** Stop when the monitored value stops improving. */
  readonly earlyStopping?: {
    /** Epoch value to watch, e.g. `loss`, `val_loss`, `accuracy` (default `val_loss` when there is validation data, else `loss`); names containing `acc` are maximized, others minimized. */
    readonly monitor?: string;
    /** Epochs without improvement before training stops (default and minimum 1). */
    readonly patience?: number;
    /** Smallest change of the monitored value that counts as an improvement (default 0). */
    readonly minDelta?: number;
  };
  /** Cancels between batches; `fit` then rejects with `ABORTED` and the weights stay usable. */
  readonly signal?: AbortSignal;
  /** Seed for shuffling and initialization. */
  readonly seed?: number;
}

/** What `fit` returns: per-epoch values. */
export interface TrainingHistory {
  /** Epochs completed (fewer than requested when early stopping ended training). */
  readonly epochs: number;
  /** Series by name: `loss`, `accuracy`, `val_loss`, … one value per epoch. */
  readonly history: Readonly<Record<string, readonly number[]>>;
  /** Whether early stopping ended training. */
  readonly stoppedEarly: boolean;
  /** Training throughput over the whole run. */
  readonly examplesPerSecond: number;
}

/** Where `save` writes: a folder path (Node) or a custom writer. */
export interface SaveOptions {
  /** Manifest fields to record (name, version, labels, preprocessing…). */
  readonly manifest?: Partial<Omit<ModelManifest, 'schemaVersion' | 'format' | 'file' | 'sha256' | 'signature'>>;
  /** Also write an ONNX copy (`model.onnx`) where the runtime can export one. */
  readonly onnx?: boolean;
}

/** Trains a model. Implemented by runtimes that can train (runtime-tfjs). */
export interface Trainer {
  /** Trains; resolves with the history. */
  fit(data: TrainingData, options?: FitOptions): Promise<TrainingHistory>;
  /** Loss and metrics on data. */
  evaluate(data: TrainingArrays, options?: { readonly batchSize?: number }): Promise<Readonly<Record<string, number>>>;
  /** Writes a model folder with `servable.json`; resolves with the manifest written. */
  save(target: string, options?: SaveOptions): Promise<ModelManifest>;
}
