import { performance } from 'node:perf_hooks';
import type { Model } from '@servable/core';
import { syntheticFeeds } from './synthetic-feeds.js';

/** Latency and throughput of one batch size. */
export interface BatchMeasurement {
  /** Examples per run. */
  readonly batch: number;
  /** Runs timed (after warm-up). */
  readonly runs: number;
  /** Median run latency, milliseconds. */
  readonly p50Ms: number;
  /** 99th percentile run latency, milliseconds. */
  readonly p99Ms: number;
  /** Mean run latency, milliseconds. */
  readonly meanMs: number;
  /** Examples per second (examples run ÷ time spent running). */
  readonly examplesPerSecond: number;
}

/** Options of {@link measureModel}. */
export interface MeasureOptions {
  /** Batch sizes to try; sizes a fixed-batch model cannot take are skipped. */
  readonly batches: readonly number[];
  /** Seconds per batch size (after warm-up). */
  readonly seconds: number;
  /** Untimed runs first (default 3). */
  readonly warmupRuns?: number;
  /** At least this many timed runs even past `seconds` (default 5). */
  readonly minRuns?: number;
  /** Called after each batch size. */
  readonly onProgress?: (done: number, total: number, last: BatchMeasurement) => void;
}

/** The value at quantile `q` (0–1) of sorted numbers (nearest rank). */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank]!;
}

/** The batch sizes a model accepts among those asked: all when the batch dimension is symbolic. */
export function acceptedBatches(model: Model, batches: readonly number[]): number[] {
  const fixed = model.signature.inputs.map((s) => s.shape[0]).find((d) => typeof d === 'number');
  return typeof fixed === 'number' ? [fixed] : [...batches];
}

/**
 * Times `model.run` on seeded synthetic feeds for each batch size: p50/p99 latency and
 * throughput. Runs one at a time, so the figures are per-run, not under concurrency.
 */
export async function measureModel(model: Model, options: MeasureOptions): Promise<BatchMeasurement[]> {
  const out: BatchMeasurement[] = [];
  const batches = [...new Set(acceptedBatches(model, options.batches))];
  for (const batch of batches) {
    const feeds = syntheticFeeds(model.signature, batch);
    for (let i = 0; i < (options.warmupRuns ?? 3); i++) await model.run(feeds);
    const latencies: number[] = [];
    const started = performance.now();
    const until = started + options.seconds * 1000;
    while (performance.now() < until || latencies.length < (options.minRuns ?? 5)) {
      const t0 = performance.now();
      await model.run(feeds);
      latencies.push(performance.now() - t0);
    }
    const busy = latencies.reduce((a, b) => a + b, 0);
    latencies.sort((a, b) => a - b);
    const m: BatchMeasurement = {
      batch,
      runs: latencies.length,
      p50Ms: quantile(latencies, 0.5),
      p99Ms: quantile(latencies, 0.99),
      meanMs: busy / latencies.length,
      examplesPerSecond: (latencies.length * batch) / (busy / 1000),
    };
    out.push(m);
    options.onProgress?.(out.length, batches.length, m);
  }
  return out;
}
