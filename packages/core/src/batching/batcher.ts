import { ServableError, throwIfAborted } from '../errors/servable-error.js';
import type { ModelSignature } from '../model/signature.js';
import { concatBatch, sliceBatch, type TensorMap } from '../tensor/tensor.js';

/** Options of {@link Batcher}. */
export interface BatcherOptions {
  /** Most examples in one engine run (default 32). */
  readonly maxBatchSize?: number;
  /** Longest a request waits for others to join its batch, in ms (default 2). */
  readonly maxQueueDelayMs?: number;
  /** Batch sizes that are dispatched at once when reached (for example `[8, 16, 32]`). */
  readonly preferredBatchSizes?: readonly number[];
  /** Most examples waiting; beyond it requests fail with `OVERLOADED` (default 4096). */
  readonly maxQueueSize?: number;
  /** Per-request deadline (queue and run), in ms; then `DEADLINE_EXCEEDED`. */
  readonly timeoutMs?: number;
  /** Engine runs in flight at once (default 1). */
  readonly maxConcurrentBatches?: number;
}

/** Options of one {@link Batcher.run}. */
export interface BatchRunOptions {
  /** Cancels the request (its slot in a running batch is discarded). */
  readonly signal?: AbortSignal;
  /** Deadline for this request in ms, overriding the batcher's `timeoutMs`. */
  readonly timeoutMs?: number;
}

/** Facts about one executed batch, for metrics. */
export interface BatchExecution {
  /** Examples in the batch. */
  readonly size: number;
  /** Requests merged into it. */
  readonly requests: number;
  /** Longest wait in the queue among its requests, ms. */
  readonly queueMs: number;
  /** Engine time, ms. */
  readonly computeMs: number;
  /** Whether the run failed. */
  readonly failed: boolean;
}

/** Counters since the batcher was made. */
export interface BatcherStats {
  /** Requests received by `run` (including those later rejected or timed out). */
  readonly requests: number;
  /** Engine runs that succeeded. */
  readonly batches: number;
  /** Examples processed by the engine runs that succeeded. */
  readonly examples: number;
  /** Requests refused with `OVERLOADED` because the queue was full. */
  readonly rejected: number;
  /** Requests that failed with `DEADLINE_EXCEEDED`. */
  readonly timedOut: number;
  /** Examples waiting in the queue now (not a counter). */
  readonly queued: number;
  /** Engine runs in flight now (not a counter). */
  readonly running: number;
}

/** Runs one merged batch; usually `model.run`. */
export type BatchRunFunction = (feeds: TensorMap, options: { signal?: AbortSignal }) => Promise<TensorMap>;

interface Pending {
  readonly feeds: TensorMap;
  readonly rows: number;
  readonly key: string;
  readonly enqueuedAt: number;
  settled: boolean;
  resolve(outputs: TensorMap): void;
  reject(error: unknown): void;
  cleanup(): void;
}

function now(): number {
  return globalThis.performance?.now() ?? Date.now();
}

/**
 * Coalesces concurrent requests into one engine run along the batch axis, then splits the
 * outputs back, so that each request sees only its own rows. Requests whose non-batch
 * dimensions differ are never merged. One scheduler serves an embedded predictor and the server.
 */
export class Batcher {
  readonly #run: BatchRunFunction;
  readonly #canMerge: boolean;
  readonly #max: number;
  readonly #delay: number;
  readonly #preferred: ReadonlySet<number>;
  readonly #maxQueue: number;
  readonly #timeout: number | undefined;
  readonly #concurrency: number;
  #queue: Pending[] = [];
  #queuedRows = 0;
  #running = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;
  #avgComputeMs = 5;
  #idle: (() => void)[] = [];
  #stats = { requests: 0, batches: 0, examples: 0, rejected: 0, timedOut: 0 };
  /** Called after every engine run (for metrics). */
  onBatch: ((execution: BatchExecution) => void) | undefined;

  /**
   * @param run - runs one merged batch (usually `model.run`)
   * @param signature - the model's signature; merging needs a symbolic first axis on every input and output
   * @param options - limits and delays
   */
  constructor(run: BatchRunFunction, signature: ModelSignature, options: BatcherOptions = {}) {
    const positive = (v: number | undefined, name: string, dflt: number, min = 1) => {
      if (v === undefined) return dflt;
      if (!Number.isFinite(v) || v < min) throw new ServableError('INVALID_ARGUMENT', `batching.${name}: expected a number ≥ ${min}, got ${v}`);
      return v;
    };
    this.#run = run;
    this.#canMerge = [...signature.inputs, ...signature.outputs].every((s) => s.shape.length > 0 && typeof s.shape[0] === 'string');
    this.#max = this.#canMerge ? Math.floor(positive(options.maxBatchSize, 'maxBatchSize', 32)) : 1;
    this.#delay = positive(options.maxQueueDelayMs, 'maxQueueDelayMs', 2, 0);
    this.#preferred = new Set(options.preferredBatchSizes ?? []);
    this.#maxQueue = Math.floor(positive(options.maxQueueSize, 'maxQueueSize', 4096));
    this.#timeout = options.timeoutMs === undefined ? undefined : positive(options.timeoutMs, 'timeoutMs', 0, 1);
    this.#concurrency = Math.floor(positive(options.maxConcurrentBatches, 'maxConcurrentBatches', 1));
  }

  /** Whether requests can be merged (every input and output has a symbolic first axis). */
  get merging(): boolean {
    return this.#canMerge;
  }

  /** Counters. */
  get stats(): BatcherStats {
    return { ...this.#stats, queued: this.#queuedRows, running: this.#running };
  }

  /**
   * Queues validated feeds (batch axis first) and resolves with this request's rows of the outputs.
   * @throws ServableError `OVERLOADED` (queue full, with `details.retryAfterMs`), `DEADLINE_EXCEEDED`, `ABORTED`, `DISPOSED`
   */
  run(feeds: TensorMap, options: BatchRunOptions = {}): Promise<TensorMap> {
    if (this.#closed) return Promise.reject(new ServableError('DISPOSED', 'batcher: expected an open batcher, got one that was closed — make a new batcher'));
    try {
      throwIfAborted(options.signal, 'request');
    } catch (e) {
      return Promise.reject(e);
    }
    this.#stats.requests++;
    const first = Object.values(feeds)[0];
    const rows = first?.shape[0] ?? 1;
    if (this.#queuedRows + rows > this.#maxQueue) {
      this.#stats.rejected++;
      const retryAfterMs = Math.max(1, Math.ceil(((this.#queuedRows / Math.max(1, this.#max)) + 1) * this.#avgComputeMs));
      return Promise.reject(
        new ServableError('OVERLOADED', `queue: expected room for ${rows} example(s), got a full queue (${this.#queuedRows}/${this.#maxQueue}) — retry after ${retryAfterMs} ms`, {
          details: { retryAfterMs },
        }),
      );
    }
    const key = this.#canMerge
      ? Object.keys(feeds)
          .sort()
          .map((k) => `${k}:${feeds[k]!.shape.slice(1).join('x')}`)
          .join('|')
      : '';
    return new Promise<TensorMap>((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const onAbort = () => settle(new ServableError('ABORTED', `request was aborted: ${String(options.signal?.reason ?? 'AbortSignal fired')}`));
      const pending: Pending = {
        feeds,
        rows,
        key,
        enqueuedAt: now(),
        settled: false,
        resolve: (out) => {
          if (pending.settled) return;
          pending.settled = true;
          pending.cleanup();
          resolve(out);
        },
        reject: (e) => {
          if (pending.settled) return;
          pending.settled = true;
          pending.cleanup();
          reject(e);
        },
        cleanup: () => {
          if (timer) clearTimeout(timer);
          options.signal?.removeEventListener('abort', onAbort);
        },
      };
      const settle = (error: ServableError) => {
        const i = this.#queue.indexOf(pending);
        if (i >= 0) {
          this.#queue.splice(i, 1);
          this.#queuedRows -= rows;
        }
        pending.reject(error);
        this.#notifyIdle();
      };
      const timeout = options.timeoutMs ?? this.#timeout;
      if (timeout !== undefined) {
        timer = setTimeout(() => {
          this.#stats.timedOut++;
          settle(new ServableError('DEADLINE_EXCEEDED', `request: expected an answer within ${timeout} ms, got none in time — raise the timeout or add capacity`, { details: { timeoutMs: timeout } }));
        }, timeout);
      }
      options.signal?.addEventListener('abort', onAbort, { once: true });
      this.#queue.push(pending);
      this.#queuedRows += rows;
      this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#running >= this.#concurrency || this.#queue.length === 0) return;
    const head = this.#queue[0]!;
    let rows = 0;
    for (const p of this.#queue) if (p.key === head.key) rows += p.rows;
    const full = rows >= this.#max || this.#preferred.has(rows) || !this.#canMerge;
    const waited = now() - head.enqueuedAt;
    if (full || waited >= this.#delay) {
      if (this.#timer) {
        clearTimeout(this.#timer);
        this.#timer = undefined;
      }
      this.#dispatch();
      this.#schedule();
      return;
    }
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined;
      this.#schedule();
    }, Math.max(0, this.#delay - waited));
  }

  #dispatch(): void {
    const head = this.#queue[0]!;
    const batch: Pending[] = [];
    let rows = 0;
    for (let i = 0; i < this.#queue.length; ) {
      const p = this.#queue[i]!;
      if (p.key === head.key && (batch.length === 0 || rows + p.rows <= this.#max)) {
        batch.push(p);
        rows += p.rows;
        this.#queue.splice(i, 1);
        this.#queuedRows -= p.rows;
        if (rows >= this.#max) break;
      } else i++;
    }
    this.#running++;
    void this.#execute(batch, rows);
  }

  async #execute(batch: Pending[], rows: number): Promise<void> {
    const started = now();
    const queueMs = Math.max(...batch.map((p) => started - p.enqueuedAt));
    let failed = false;
    try {
      const live = batch.filter((p) => !p.settled);
      if (live.length === 0) return;
      const names = Object.keys(live[0]!.feeds);
      const merged: TensorMap = {};
      for (const n of names) merged[n] = concatBatch(live.map((p) => p.feeds[n]!));
      const total = live.reduce((s, p) => s + p.rows, 0);
      const outputs = await this.#run(live.length === 1 ? live[0]!.feeds : merged, {});
      let offset = 0;
      for (const p of live) {
        const mine: TensorMap = {};
        for (const [name, t] of Object.entries(outputs)) {
          if (live.length > 1 && t.shape[0] !== total) {
            throw new ServableError('INFERENCE_FAILED', `output "${name}": expected ${total} rows for a merged batch, got ${t.shape[0]} — the model does not keep the batch axis; disable batching for it`);
          }
          mine[name] = live.length === 1 ? t : sliceBatch(t, offset, offset + p.rows);
        }
        offset += p.rows;
        p.resolve(mine);
      }
      this.#stats.batches++;
      this.#stats.examples += total;
    } catch (e) {
      failed = true;
      for (const p of batch) p.reject(e);
    } finally {
      const computeMs = now() - started;
      this.#avgComputeMs = this.#avgComputeMs * 0.8 + computeMs * 0.2;
      this.#running--;
      this.onBatch?.({ size: rows, requests: batch.length, queueMs, computeMs, failed });
      this.#notifyIdle();
      this.#schedule();
    }
  }

  #notifyIdle(): void {
    if (this.#running === 0 && this.#queue.length === 0) for (const f of this.#idle.splice(0)) f();
  }

  /** Resolves when nothing is queued or running. */
  drain(): Promise<void> {
    if (this.#running === 0 && this.#queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /** Stops accepting requests; queued ones finish (or `reject: true` fails them with `DISPOSED`). */
  async close(options: { reject?: boolean } = {}): Promise<void> {
    this.#closed = true;
    if (options.reject) {
      for (const p of this.#queue.splice(0)) p.reject(new ServableError('DISPOSED', 'batcher: expected to run this request, got closed before it ran — retry on a live predictor'));
      this.#queuedRows = 0;
      if (this.#timer) {
        clearTimeout(this.#timer);
        this.#timer = undefined;
      }
    }
    await this.drain();
  }
}
