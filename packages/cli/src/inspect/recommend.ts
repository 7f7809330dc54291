import type { BatchMeasurement } from '../measure/measure-model.js';

/** Measurements of one runtime that loaded the model. */
export interface RuntimeMeasurements {
  readonly runtime: string;
  readonly device: string;
  readonly measurements: readonly BatchMeasurement[];
}

/** What `inspect` recommends, with the figures it rests on. */
export interface Recommendation {
  readonly runtime: string;
  readonly device: string;
  /** Suggested `--max-batch` for the server: the smallest measured batch within 80% of the best throughput. */
  readonly batchSize: number;
  /** Throughput at that batch size, examples per second. */
  readonly examplesPerSecond: number;
  /** Median latency of one example alone, when batch 1 was measured. */
  readonly singleExampleP50Ms?: number;
  /** Sentences for people. */
  readonly notes: readonly string[];
}

/** Share of the best throughput a smaller batch must reach to be preferred (lower latency, same work). */
export const BATCH_THROUGHPUT_SHARE = 0.8;

/**
 * Picks the runtime with the best measured throughput, and the smallest batch size that reaches
 * {@link BATCH_THROUGHPUT_SHARE} of that runtime's best (bigger batches add latency for little gain).
 * Returns `undefined` when nothing was measured.
 */
export function recommend(results: readonly RuntimeMeasurements[]): Recommendation | undefined {
  const measured = results.filter((r) => r.measurements.length > 0);
  if (measured.length === 0) return undefined;
  const best = (r: RuntimeMeasurements) => Math.max(...r.measurements.map((m) => m.examplesPerSecond));
  const winner = [...measured].sort((a, b) => best(b) - best(a))[0]!;
  const top = best(winner);
  const sorted = [...winner.measurements].sort((a, b) => a.batch - b.batch);
  const pick = sorted.find((m) => m.examplesPerSecond >= BATCH_THROUGHPUT_SHARE * top) ?? sorted[sorted.length - 1]!;
  const single = sorted.find((m) => m.batch === 1);
  const notes: string[] = [];
  notes.push(`${winner.runtime} on ${winner.device} had the best throughput here: ${Math.round(top)} examples/s.`);
  if (pick.batch > 1) {
    notes.push(`Batching helps: batch ${pick.batch} reaches ${Math.round(pick.examplesPerSecond)} examples/s; serve with --max-batch ${pick.batch}.`);
  } else {
    notes.push('Batching gains little on this machine: serve with a small --max-batch (1–4) to keep latency low.');
  }
  if (single) notes.push(`One example alone takes ${single.p50Ms.toFixed(2)} ms (p50).`);
  for (const other of measured) {
    if (other === winner) continue;
    notes.push(`${other.runtime} on ${other.device}: ${Math.round(best(other))} examples/s at best.`);
  }
  return {
    runtime: winner.runtime,
    device: winner.device,
    batchSize: pick.batch,
    examplesPerSecond: pick.examplesPerSecond,
    ...(single ? { singleExampleP50Ms: single.p50Ms } : {}),
    notes,
  };
}
