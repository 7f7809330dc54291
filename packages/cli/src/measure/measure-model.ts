import { performance } from 'node:perf_hooks';
import type { Model } from '@servable/core';
import { syntheticFeeds } from './synthetic-feeds.js';
import type { SyntheticInputPlan } from './synthetic-shapes.js';

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
  /** How the inputs are sized and which batch sizes are measured (see `planSyntheticInputs`). */
  readonly plan: SyntheticInputPlan;
  /**
   * Seconds per batch size, warm-up included. Runs stop once it is spent, after at least one
   * warm-up run and one timed run: a model slower than the budget gets one of each.
   */
  readonly seconds: number;
  /** At most this many untimed runs first (default 3); they stop early after a quarter of `seconds`. */
  readonly warmupRuns?: number;
  /** Called after each batch size. */
  readonly onProgress?: (done: number, total: number, last: BatchMeasurement) => void;
}

/** The value at quantile `q` (0–1) of sorted numbers (nearest rank). */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank]!;
}

/**
 * Times `model.run` on seeded synthetic feeds for each batch size: p50/p99 latency and
 * throughput. Runs one at a time, so the figures are per-run, not under concurrency.
 */
export async function measureModel(model: Model, options: MeasureOptions): Promise<BatchMeasurement[]> {
  const out: BatchMeasurement[] = [];
  const batches = options.plan.batches;
  const budgetMs = options.seconds * 1000;
  for (const batch of batches) {
    const feeds = syntheticFeeds(model.signature, options.plan.shapesFor(batch));
    const started = performance.now();
    const warmupUntil = started + budgetMs / 4;
    for (let i = 0; i < (options.warmupRuns ?? 3); i++) {
      await model.run(feeds);
      if (performance.now() >= warmupUntil) break;
    }
    const until = started + budgetMs;
    const latencies: number[] = [];
    do {
      const t0 = performance.now();
      await model.run(feeds);
      latencies.push(performance.now() - t0);
    } while (performance.now() < until);
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
