import { describe, expect, it } from 'vitest';
import { ServableError } from '../errors/servable-error.js';
import type { ModelSignature } from '../model/signature.js';
import type { Tensor, TensorMap } from '../tensor/tensor.js';
import { Batcher, type BatchExecution } from './batcher.js';

const batchSig: ModelSignature = {
  inputs: [{ name: 'x', dtype: 'float32', shape: ['batch', 'n'] }],
  outputs: [{ name: 'y', dtype: 'float32', shape: ['batch', 'n'] }],
};
const fixedSig: ModelSignature = {
  inputs: [{ name: 'x', dtype: 'float32', shape: [1, 2] }],
  outputs: [{ name: 'y', dtype: 'float32', shape: [1, 2] }],
};

const rows = (...values: number[][]): TensorMap => ({ x: { dtype: 'float32', shape: [values.length, values[0]!.length], data: Float32Array.from(values.flat()) } });
const tick = () => new Promise((resolve) => setImmediate(resolve));

/** A run function that doubles `x` into `y` and records every batch it was given. */
function doubler(options: { gate?: Promise<void>; fail?: (x: Tensor) => boolean } = {}) {
  const calls: Tensor[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const run = async (feeds: TensorMap): Promise<TensorMap> => {
    const x = feeds.x!;
    calls.push(x);
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    try {
      await options.gate;
      await tick();
      if (options.fail?.(x)) throw new Error('engine exploded');
      return { y: { dtype: 'float32', shape: [...x.shape], data: (x.data as Float32Array).map((v) => v * 2) } };
    } finally {
      inFlight--;
    }
  };
  return { run, calls, get maxInFlight() { return maxInFlight; } };
}

async function rejection(p: Promise<unknown>): Promise<ServableError> {
  try {
    await p;
  } catch (e) {
    if (ServableError.isInstance(e)) return e;
    throw new Error(`expected a ServableError, got ${String(e)}`);
  }
  throw new Error('expected a rejection, got success');
}

describe('Batcher', () => {
  it('merges concurrent requests into one run and gives each its own rows back', async () => {
    const engine = doubler();
    const batcher = new Batcher(engine.run, batchSig, { maxQueueDelayMs: 20 });
    const executions: BatchExecution[] = [];
    batcher.onBatch = (e) => executions.push(e);
    const results = await Promise.all([
      batcher.run(rows([1, 1])),
      batcher.run(rows([2, 2], [3, 3])),
      batcher.run(rows([4, 4])),
      batcher.run(rows([5, 5], [6, 6], [7, 7])),
    ]);
    expect(engine.calls).toHaveLength(1);
    expect(engine.calls[0]!.shape).toEqual([7, 2]);
    expect(results.map((r) => Array.from(r.y!.data as Float32Array))).toEqual([[2, 2], [4, 4, 6, 6], [8, 8], [10, 10, 12, 12, 14, 14]]);
    expect(results.map((r) => r.y!.shape[0])).toEqual([1, 2, 1, 3]);
    expect(executions).toHaveLength(1);
    expect(executions[0]).toMatchObject({ size: 7, requests: 4, failed: false });
    expect(batcher.stats).toMatchObject({ requests: 4, batches: 1, examples: 7, queued: 0, running: 0 });
  });

  it('never merges requests whose non-batch dimensions differ', async () => {
    const engine = doubler();
    const batcher = new Batcher(engine.run, batchSig, { maxQueueDelayMs: 20 });
    const [a, b, c] = await Promise.all([batcher.run(rows([1, 2])), batcher.run(rows([1, 2, 3])), batcher.run(rows([4, 5]))]);
    expect(engine.calls.map((t) => t.shape)).toEqual([[2, 2], [1, 3]]);
    expect(Array.from(a.y!.data as Float32Array)).toEqual([2, 4]);
    expect(Array.from(b.y!.data as Float32Array)).toEqual([2, 4, 6]);
    expect(Array.from(c.y!.data as Float32Array)).toEqual([8, 10]);
  });

  it('respects maxBatchSize', async () => {
    const engine = doubler();
    const batcher = new Batcher(engine.run, batchSig, { maxBatchSize: 2, maxQueueDelayMs: 20 });
    const results = await Promise.all([1, 2, 3, 4, 5].map((v) => batcher.run(rows([v]))));
    expect(engine.calls.map((t) => t.shape[0])).toEqual([2, 2, 1]);
    expect(results.map((r) => r.y!.data[0])).toEqual([2, 4, 6, 8, 10]);
  });

  it('dispatches at once when a preferred batch size is reached', async () => {
    const engine = doubler();
    const batcher = new Batcher(engine.run, batchSig, { maxQueueDelayMs: 60_000, preferredBatchSizes: [2] });
    const first = batcher.run(rows([1]));
    await tick();
    expect(engine.calls).toHaveLength(0);
    const second = batcher.run(rows([2]));
    await tick();
    expect(engine.calls).toHaveLength(1);
    expect(engine.calls[0]!.shape[0]).toBe(2);
    await Promise.all([first, second]);
    const third = batcher.run(rows([3]));
    await batcher.close({ reject: true });
    expect((await rejection(third)).code).toBe('DISPOSED');
  });

  it('refuses requests beyond the queue limit with OVERLOADED and a retry hint', async () => {
    const engine = doubler();
    const batcher = new Batcher(engine.run, batchSig, { maxQueueSize: 2, maxQueueDelayMs: 60_000 });
    const queued = [batcher.run(rows([1])), batcher.run(rows([2]))];
    const e = await rejection(batcher.run(rows([3])));
    expect(e.code).toBe('OVERLOADED');
    expect(e.details.retryAfterMs).toBeGreaterThan(0);
    expect(e.message).toContain('2/2');
    expect(batcher.stats.rejected).toBe(1);
    await batcher.close({ reject: true });
    for (const q of queued) expect((await rejection(q)).code).toBe('DISPOSED');
  });

  it('fails a request that passes its deadline with DEADLINE_EXCEEDED', async () => {
    let release!: () => void;
    const engine = doubler({ gate: new Promise<void>((r) => (release = r)) });
    const batcher = new Batcher(engine.run, batchSig, { maxQueueDelayMs: 0, timeoutMs: 60_000 });
    const late = batcher.run(rows([1]), { timeoutMs: 5 });
    const e = await rejection(late);
    expect(e.code).toBe('DEADLINE_EXCEEDED');
    expect(e.details.timeoutMs).toBe(5);
    expect(batcher.stats.timedOut).toBe(1);
    release();
    await batcher.drain();
  });

  it('fails a request aborted while queued with ABORTED, and it never runs', async () => {
    const engine = doubler();
    const batcher = new Batcher(engine.run, batchSig, { maxQueueDelayMs: 30 });
    const ctrl = new AbortController();
    const aborted = batcher.run(rows([9]), { signal: ctrl.signal });
    const kept = batcher.run(rows([1]));
    ctrl.abort(new Error('client went away'));
    const e = await rejection(aborted);
    expect(e.code).toBe('ABORTED');
    expect(e.message).toContain('client went away');
    expect(batcher.stats.queued).toBe(1);
    expect((await kept).y!.data[0]).toBe(2);
    expect(engine.calls.map((t) => Array.from(t.data as Float32Array))).toEqual([[1]]);
  });

  it('rejects (not throws) for an already aborted signal', async () => {
    const batcher = new Batcher(doubler().run, batchSig);
    const ctrl = new AbortController();
    ctrl.abort();
    let promise: Promise<TensorMap> | undefined;
    expect(() => (promise = batcher.run(rows([1]), { signal: ctrl.signal }))).not.toThrow();
    expect((await rejection(promise!)).code).toBe('ABORTED');
  });

  it('a failing run rejects only the requests of its batch', async () => {
    const engine = doubler({ fail: (x) => x.shape[1] === 3 });
    const batcher = new Batcher(engine.run, batchSig, { maxQueueDelayMs: 20 });
    const good = batcher.run(rows([1, 2]));
    const bad1 = batcher.run(rows([1, 2, 3]));
    const bad2 = batcher.run(rows([4, 5, 6]));
    const good2 = batcher.run(rows([3, 4]));
    await expect(bad1).rejects.toThrow('engine exploded');
    await expect(bad2).rejects.toThrow('engine exploded');
    expect(Array.from((await good).y!.data as Float32Array)).toEqual([2, 4]);
    expect(Array.from((await good2).y!.data as Float32Array)).toEqual([6, 8]);
  });

  it('refuses a merged output that lost the batch axis', async () => {
    const batcher = new Batcher(async () => ({ y: { dtype: 'float32', shape: [1], data: new Float32Array(1) } }), batchSig, { maxQueueDelayMs: 20 });
    const [a, b] = await Promise.allSettled([batcher.run(rows([1])), batcher.run(rows([2]))]);
    expect(a.status === 'rejected' && (a.reason as ServableError).code).toBe('INFERENCE_FAILED');
    expect(b.status === 'rejected' && (b.reason as ServableError).message).toContain('batch axis');
  });

  it('runs a model without a symbolic batch axis one request at a time', async () => {
    const engine = doubler();
    const batcher = new Batcher(engine.run, fixedSig, { maxBatchSize: 8, maxQueueDelayMs: 20 });
    expect(batcher.merging).toBe(false);
    const results = await Promise.all([1, 2, 3].map((v) => batcher.run(rows([v, v]))));
    expect(engine.calls.map((t) => t.shape)).toEqual([[1, 2], [1, 2], [1, 2]]);
    expect(engine.maxInFlight).toBe(1);
    expect(results.map((r) => r.y!.data[0])).toEqual([2, 4, 6]);
  });

  it('close lets queued requests finish, then refuses new ones', async () => {
    const engine = doubler();
    const batcher = new Batcher(engine.run, batchSig, { maxQueueDelayMs: 20 });
    const pending = batcher.run(rows([1]));
    await batcher.close();
    expect((await pending).y!.data[0]).toBe(2);
    expect((await rejection(batcher.run(rows([1])))).code).toBe('DISPOSED');
  });

  it('drain resolves once the last queued request is aborted', async () => {
    const engine = doubler();
    const batcher = new Batcher(engine.run, batchSig, { maxQueueDelayMs: 60_000 });
    const ctrl = new AbortController();
    const p = batcher.run(rows([1]), { signal: ctrl.signal }).catch((e: unknown) => e);
    let drained = false;
    const draining = batcher.drain().then(() => (drained = true));
    await tick();
    expect(drained).toBe(false);
    ctrl.abort();
    await draining;
    expect(drained).toBe(true);
    expect(((await p) as ServableError).code).toBe('ABORTED');
    expect(engine.calls).toHaveLength(0);
  });

  it('runs up to maxConcurrentBatches at once', async () => {
    let release!: () => void;
    const engine = doubler({ gate: new Promise<void>((r) => (release = r)) });
    const batcher = new Batcher(engine.run, batchSig, { maxQueueDelayMs: 0, maxBatchSize: 1, maxConcurrentBatches: 2 });
    const all = Promise.all([1, 2, 3].map((v) => batcher.run(rows([v]))));
    await tick();
    expect(engine.calls).toHaveLength(2);
    release();
    await all;
    expect(engine.maxInFlight).toBe(2);
  });

  it('validates its options', () => {
    expect(() => new Batcher(doubler().run, batchSig, { maxBatchSize: 0 })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => new Batcher(doubler().run, batchSig, { maxQueueDelayMs: -1 })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
    expect(() => new Batcher(doubler().run, batchSig, { timeoutMs: NaN })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });
});
