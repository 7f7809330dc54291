import { Worker } from 'node:worker_threads';
import {
  ServableError,
  validateRun,
  type ErrorCode,
  type LoadedModel,
  type Model,
  type ModelManifest,
  type ModelKeySource,
  type ModelReport,
  type ModelSignature,
  type RunOptions,
  type TensorMap,
} from '@servable/core';
import type { RuntimeModuleSpec } from '../runtime/runtime-spec.js';
import { locateWorkerEntry } from './worker-file.js';
import { detachableCopy, transferables, type TransferableKeySource, type WireServableError, type WorkerRequest, type WorkerResponse } from './worker-protocol.js';

/** Options of {@link loadModelInWorkers}. */
export interface WorkerPoolOptions {
  /** Model folder or file. */
  readonly source: string;
  /** Runtime chain, tried in order inside each worker. */
  readonly runtimes: readonly RuntimeModuleSpec[];
  /** Worker threads, each holding its own copy of the model (default 1). */
  readonly size?: number;
  /** Run once on zeros in each worker before it counts as loaded (default true). */
  readonly warmUp?: boolean;
  /**
   * Move input buffers to the worker instead of copying them (default true). The caller must not
   * reuse feeds it passed to `run`.
   */
  readonly transferInputs?: boolean;
  /** Key of an encrypted model: `{ env }`, `{ file }` or `{ key }` (a function cannot cross into a worker thread). */
  readonly decrypt?: ModelKeySource;
}

function revive(error: WireServableError, fallback: ErrorCode): ServableError {
  const code = (error.code ?? fallback) as ErrorCode;
  return new ServableError(code, error.message, { details: error.details });
}

interface PendingRun {
  resolve(outputs: TensorMap): void;
  reject(error: unknown): void;
}

/** One worker thread holding one copy of the model. */
class ModelWorker {
  readonly #worker: Worker;
  readonly #pending = new Map<number, PendingRun>();
  #nextId = 1;
  #exited = false;
  #closing = false;
  #onLoad: ((message: WorkerResponse) => void) | undefined;
  #onClosed: (() => void) | undefined;
  /** Called when the thread ends without being asked to close (a crash). */
  onCrash: (() => void) | undefined;

  constructor(entry: string) {
    this.#worker = new Worker(entry);
    this.#worker.on('message', (message: WorkerResponse) => this.#receive(message));
    this.#worker.on('error', (error) => this.#fail(new ServableError('INFERENCE_FAILED', `model worker: expected a running worker thread, got a crash (${error.message})`, { cause: error })));
    this.#worker.on('exit', () => {
      this.#exited = true;
      this.#fail(new ServableError('INFERENCE_FAILED', 'model worker: expected a running worker thread, got one that exited during the run — the pool starts a new one'));
      this.#onClosed?.();
      if (!this.#closing) this.onCrash?.();
    });
  }

  get busy(): number {
    return this.#pending.size;
  }

  get exited(): boolean {
    return this.#exited;
  }

  #fail(error: ServableError): void {
    for (const p of this.#pending.values()) p.reject(error);
    this.#pending.clear();
    this.#onLoad?.({ type: 'load-failed', error: { code: error.code, message: error.message } });
  }

  #receive(message: WorkerResponse): void {
    if (message.type === 'loaded' || message.type === 'load-failed') {
      const f = this.#onLoad;
      this.#onLoad = undefined;
      f?.(message);
      return;
    }
    if (message.type === 'closed') return;
    const pending = this.#pending.get(message.id);
    if (!pending) return;
    this.#pending.delete(message.id);
    if (message.type === 'result') pending.resolve(message.outputs);
    else pending.reject(revive(message.error, 'INFERENCE_FAILED'));
  }

  #send(message: WorkerRequest, transfer: ArrayBuffer[] = []): void {
    this.#worker.postMessage(message, transfer);
  }

  load(source: string, runtimes: readonly RuntimeModuleSpec[], warmUp: boolean, decrypt: TransferableKeySource | undefined): Promise<Extract<WorkerResponse, { type: 'loaded' }>> {
    return new Promise((resolve, reject) => {
      this.#onLoad = (message) => {
        if (message.type === 'loaded') resolve(message);
        else if (message.type === 'load-failed') reject(revive(message.error, 'MODEL_LOAD_FAILED'));
      };
      this.#send({ type: 'load', source, runtimes, warmUp, ...(decrypt ? { decrypt } : {}) });
    });
  }

  run(feeds: TensorMap, outputs: readonly string[] | undefined, transfer: boolean): Promise<TensorMap> {
    if (this.#exited) return Promise.reject(new ServableError('DISPOSED', 'model worker: expected a running worker thread, got one that exited'));
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      const payload = transfer ? detachableCopy(feeds) : feeds;
      this.#send({ type: 'run', id, feeds: payload, ...(outputs ? { outputs } : {}) }, transfer ? transferables(payload) : []);
    });
  }

  /** Asks the worker to finish its runs, dispose the model and exit; never terminates it mid-run. */
  close(): Promise<void> {
    this.#closing = true;
    if (this.#exited) return Promise.resolve();
    return new Promise((resolve) => {
      this.#onClosed = resolve;
      this.#send({ type: 'close' });
    });
  }
}

/** A loaded model whose runs happen in worker threads; implements core's `Model`. */
class WorkerPoolModel implements Model {
  readonly #workers: ModelWorker[];
  readonly #transfer: boolean;
  readonly #inFlight = new Set<Promise<unknown>>();
  #disposed = false;
  #disposing: Promise<void> | undefined;
  readonly loaded: LoadedModel;

  readonly #respawn: () => Promise<ModelWorker>;

  constructor(
    workers: ModelWorker[],
    readonly signature: ModelSignature,
    readonly manifest: ModelManifest | undefined,
    readonly report: ModelReport,
    transfer: boolean,
    respawn: () => Promise<ModelWorker>,
  ) {
    this.#workers = workers;
    this.#transfer = transfer;
    this.#respawn = respawn;
    for (const w of workers) this.#watch(w);
    const self = this;
    this.loaded = {
      signature,
      device: report.device,
      memoryBytes: report.memoryBytes,
      doRun: (feeds: TensorMap, options: RunOptions) => self.#dispatch(feeds, options.outputs),
      dispose: () => self.dispose(),
    };
  }

  get disposed(): boolean {
    return this.#disposed;
  }

  /** Worker threads serving the model. */
  get workerCount(): number {
    return this.#workers.length;
  }

  /** Replaces a worker that crashed with a freshly loaded one (runs meanwhile go to the others). */
  #watch(worker: ModelWorker): void {
    worker.onCrash = () => {
      if (this.#disposed) return;
      void this.#respawn().then(
        async (fresh) => {
          if (this.#disposed) {
            await fresh.close();
            return;
          }
          const i = this.#workers.indexOf(worker);
          if (i >= 0) this.#workers[i] = fresh;
          else this.#workers.push(fresh);
          this.#watch(fresh);
        },
        () => undefined,
      );
    };
  }

  #dispatch(feeds: TensorMap, outputs: readonly string[] | undefined): Promise<TensorMap> {
    let best = this.#workers[0]!;
    for (const w of this.#workers) if (!w.exited && (best.exited || w.busy < best.busy)) best = w;
    return best.run(feeds, outputs, this.#transfer);
  }

  async run(feeds: TensorMap, options: RunOptions = {}): Promise<TensorMap> {
    validateRun(this, feeds, options);
    const run = this.#dispatch(feeds, options.outputs);
    this.#inFlight.add(run);
    try {
      return await run;
    } finally {
      this.#inFlight.delete(run);
    }
  }

  dispose(): Promise<void> {
    this.#disposed = true;
    this.#disposing ??= (async () => {
      await Promise.allSettled([...this.#inFlight]);
      await Promise.all(this.#workers.map((w) => w.close()));
    })();
    return this.#disposing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.dispose();
  }
}

/**
 * Loads a model in a pool of worker threads (each imports the runtime modules, calls core's
 * `loadModel` and warms up) and returns a `Model` whose `run` sends feeds to the least busy
 * worker, so the event loop stays free while the engine computes. A worker whose thread ends
 * unasked fails its runs in flight with `INFERENCE_FAILED` and is replaced by a freshly loaded
 * one. `dispose` waits for runs in flight, then asks each worker to close itself.
 * @throws ServableError what the first failing worker's `loadModel` threw (workers are closed)
 */
export async function loadModelInWorkers(options: WorkerPoolOptions): Promise<Model> {
  const size = options.size ?? 1;
  if (!Number.isInteger(size) || size < 1 || size > 256) {
    throw new ServableError('INVALID_ARGUMENT', `workers: expected an integer from 1 to 256, got ${size}`);
  }
  if (typeof options.decrypt === 'function') {
    throw new ServableError(
      'INVALID_ARGUMENT',
      `decrypt for ${options.source.split(/[\\/]/).pop()}: expected a key source that can cross into worker threads ({ env }, { file } or { key }), got a function — load the model in process (createServer({ inProcess: true })) or give the key through an environment variable or a key file`,
    );
  }
  const decrypt = options.decrypt as TransferableKeySource | undefined;
  const entry = await locateWorkerEntry();
  const warm = options.warmUp ?? true;
  const workers = Array.from({ length: size }, () => new ModelWorker(entry));
  const results = await Promise.allSettled(workers.map((w) => w.load(options.source, options.runtimes, warm, decrypt)));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await Promise.all(workers.map((w) => w.close()));
    throw failed.reason;
  }
  const first = (results[0] as PromiseFulfilledResult<Extract<WorkerResponse, { type: 'loaded' }>>).value;
  const respawn = async () => {
    const fresh = new ModelWorker(entry);
    try {
      await fresh.load(options.source, options.runtimes, warm, decrypt);
      return fresh;
    } catch (e) {
      await fresh.close();
      throw e;
    }
  };
  return new WorkerPoolModel(workers, first.signature, first.manifest, first.report, options.transferInputs ?? true, respawn);
}
