import type { Tensor, TensorMap } from '../tensor/tensor.js';
import type { ModelSignature } from './signature.js';
import type { ModelManifest, ModelFormat } from './manifest.js';

/**
 * Something a runtime could not honour, reported instead of silently dropped
 * (for example `threads` on a page that is not cross-origin isolated).
 */
export interface RuntimeWarning {
  /** `unsupported` (an option was ignored) or `degraded` (works, but slower or different). */
  readonly type: 'unsupported' | 'degraded' | 'info';
  /** The option or feature concerned. */
  readonly setting?: string;
  /** What happened and why. */
  readonly message: string;
}

/** What {@link Runtime.probe} found. */
export type Availability =
  | {
      /** The runtime can work here. */
      readonly available: true;
      /** What was found, for reports (for example the engine version and backend). */
      readonly detail?: string;
      /** Limitations found while probing; they are added to the loaded model's warnings. */
      readonly warnings?: readonly RuntimeWarning[];
    }
  | {
      /** The runtime cannot work here; `loadModel` tries the next one. */
      readonly available: false;
      /** Why not, recorded in the load attempts and in the error when no runtime loads the model. */
      readonly reason: string;
    };

/**
 * A model made ready for a runtime: the main file as bytes, path or URL, and a way to read
 * files beside it (weight shards, external data). Built by `loadModel`; runtimes read it.
 */
export interface ResolvedModelSource {
  /** Format of the model file. */
  readonly format: ModelFormat;
  /** Local path of the main file (Node), when it came from disk. */
  readonly path?: string;
  /** URL of the main file, when it came over HTTP. */
  readonly url?: string;
  /** The main file's bytes, when they are already in memory (bytes source, integrity-checked or decrypted). */
  readonly bytes?: Uint8Array;
  /** The manifest, when the model came as a folder or with one. */
  readonly manifest?: ModelManifest;
  /**
   * Reads a file beside the main one. Rejects names that leave the model's folder
   * (`..`, absolute paths) with `MODEL_LOAD_FAILED`.
   */
  readSibling(name: string): Promise<Uint8Array>;
}

/** Options passed to {@link Runtime.doLoad}. */
export interface RuntimeLoadOptions {
  /** Cancels a long load where the engine allows it. */
  readonly signal?: AbortSignal;
}

/** Options of one run. */
export interface RunOptions {
  /** Cancels the run: before it starts always; during it where the engine allows. */
  readonly signal?: AbortSignal;
  /** Only these outputs (all when omitted). */
  readonly outputs?: readonly string[];
}

/**
 * Optional capability: exact input gradients (runtime-tfjs). Core's explanations use it when
 * present and fall back to sampling otherwise.
 */
export interface GradientCapability {
  /**
   * Gradient of the scalar output `outputName[index]` (summed over the batch) with respect to `inputName`.
   */
  doGradient(feeds: TensorMap, options: { inputName: string; outputName: string; index?: number }): Promise<Tensor>;
}

/** A model loaded by a runtime. Methods named `do…` are for core, not for users. */
export interface LoadedModel {
  /** Inputs and outputs as the engine reports them. */
  readonly signature: ModelSignature;
  /** The device that serves it, as the runtime names it (`cpu`, `cuda:0`, `webgpu`, `wasm`). */
  readonly device: string;
  /** Options the runtime could not honour. */
  readonly warnings?: readonly RuntimeWarning[];
  /** Bytes the model holds in memory, where known. */
  readonly memoryBytes?: number;
  /** Runs the model. Feeds are already validated against the signature. */
  doRun(feeds: TensorMap, options: RunOptions): Promise<TensorMap>;
  /** Releases the engine's resources. Called once. */
  dispose(): Promise<void> | void;
  /** Optional: exact gradients. */
  readonly gradients?: GradientCapability;
}

/**
 * The contract every runtime adapter implements (`specificationVersion: 'v1'`).
 * Runtimes are values the user passes to `loadModel`; core tries them in order.
 */
export interface Runtime {
  /** Version of this contract the runtime implements. */
  readonly specificationVersion: 'v1';
  /** Stable name, such as `onnx-node` or `tfjs`. */
  readonly name: string;
  /** Device asked for (`cpu`, `cuda`, `webgpu`, `wasm`…), shown in reports. */
  readonly device: string;
  /** Model formats this runtime loads. */
  readonly formats: readonly ModelFormat[];
  /** Checks, without loading a model, whether this runtime can work here. Should be memoized. */
  probe(): Promise<Availability>;
  /** Loads a model. Throws a `ServableError` (or any error, which core wraps) when it cannot. */
  doLoad(source: ResolvedModelSource, options: RuntimeLoadOptions): Promise<LoadedModel>;
}
