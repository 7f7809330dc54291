import { ServableError, type LoadedModel, type ModelSignature, type RunOptions, type RuntimeWarning, type TensorMap } from '@servable/core';
import type { InferenceSession, Tensor as OrtTensor } from 'onnxruntime-node';
import { runError, type EngineFailureContext } from './engine-errors.js';
import type { OrtModule } from './ort-module.js';
import { fromOrtTensor, toOrtTensor } from './tensor-conversion.js';

/** What {@link OnnxNodeModel} is built from. */
export interface OnnxNodeModelInit {
  readonly ort: OrtModule;
  readonly session: InferenceSession;
  readonly signature: ModelSignature;
  /** Outputs fetched when a run names none; undefined fetches every output. */
  readonly defaultFetches: readonly string[] | undefined;
  /** Device as reports show it (`cpu`, `cuda:0`, `webgpu`). */
  readonly device: string;
  readonly warnings: readonly RuntimeWarning[];
  readonly memoryBytes: number | undefined;
  readonly context: EngineFailureContext;
}

/** A model served by an onnxruntime-node session. */
export class OnnxNodeModel implements LoadedModel {
  readonly signature: ModelSignature;
  readonly device: string;
  readonly warnings: readonly RuntimeWarning[];
  readonly memoryBytes: number | undefined;
  readonly #ort: OrtModule;
  readonly #session: InferenceSession;
  readonly #defaultFetches: readonly string[] | undefined;
  readonly #context: EngineFailureContext;
  #released: Promise<void> | undefined;

  constructor(init: OnnxNodeModelInit) {
    this.#ort = init.ort;
    this.#session = init.session;
    this.signature = init.signature;
    this.#defaultFetches = init.defaultFetches;
    this.device = init.device;
    this.warnings = init.warnings;
    this.memoryBytes = init.memoryBytes;
    this.#context = init.context;
  }

  /**
   * Runs the session. An aborted signal rejects with `ABORTED` before the run; onnxruntime-node
   * cannot stop a run once started, so a signal aborted during it discards the result and
   * rejects with `ABORTED` too.
   */
  async doRun(feeds: TensorMap, options: RunOptions): Promise<TensorMap> {
    const { signal } = options;
    this.#throwIfAborted(signal);
    if (this.#released) throw new ServableError('DISPOSED', `model ${this.#context.subject}: expected a live session, got one that was released — load the model again`);
    const ortFeeds: Record<string, OrtTensor> = {};
    for (const name in feeds) ortFeeds[name] = toOrtTensor(this.#ort, feeds[name]!);
    const fetches = options.outputs ?? this.#defaultFetches;
    let results: InferenceSession.ReturnType;
    try {
      results = fetches ? await this.#session.run(ortFeeds, fetches as string[]) : await this.#session.run(ortFeeds);
    } catch (e) {
      throw runError(e, this.#context);
    }
    this.#throwIfAborted(signal);
    const out: TensorMap = {};
    for (const name in results) out[name] = fromOrtTensor(results[name] as OrtTensor, name);
    return out;
  }

  /** Releases the session; later calls return the same promise. */
  dispose(): Promise<void> {
    this.#released ??= this.#session.release();
    return this.#released;
  }

  #throwIfAborted(signal: AbortSignal | undefined): void {
    if (signal?.aborted) {
      throw new ServableError('ABORTED', `model ${this.#context.subject}: the ${this.device} run was aborted (${String(signal.reason ?? 'AbortSignal fired')})`, {
        cause: signal.reason,
      });
    }
  }
}
