// Timing helpers shared by the benchmarks: interleaved rounds, medians, paired differences.

/** Median of numbers (NaN for none). */
export function median(values) {
  if (values.length === 0) return Number.NaN;
  const s = Float64Array.from(values).sort();
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** The q-quantile (0…1) by nearest rank. */
export function quantile(values, q) {
  if (values.length === 0) return Number.NaN;
  const s = Float64Array.from(values).sort();
  return s[Math.min(s.length - 1, Math.max(0, Math.round(q * (s.length - 1))))];
}

/**
 * Runs async cases in alternating rounds in one process, so that load from other processes,
 * CPU frequency and GC fall on every case alike. The order of the cases rotates every round.
 *
 * @param {{ name: string, run: () => Promise<unknown> }[]} cases
 * @param {{ rounds: number, perRound: number, warmup: number }} options
 * @returns {Promise<Map<string, { samples: number[], roundMedians: number[] }>>} microseconds per call
 */
export async function measureInterleaved(cases, { rounds, perRound, warmup }) {
  const results = new Map(cases.map((c) => [c.name, { samples: [], roundMedians: [] }]));
  for (const c of cases) for (let i = 0; i < warmup; i++) await c.run();
  for (let r = 0; r < rounds; r++) {
    for (let k = 0; k < cases.length; k++) {
      const c = cases[(r + k) % cases.length];
      const round = [];
      for (let i = 0; i < perRound; i++) {
        const t0 = process.hrtime.bigint();
        await c.run();
        round.push(Number(process.hrtime.bigint() - t0) / 1e3);
      }
      const res = results.get(c.name);
      res.samples.push(...round);
      res.roundMedians.push(median(round));
    }
  }
  return results;
}

/** Median over rounds of (a's round median − b's round median): robust to drift between rounds. */
export function pairedOverhead(a, b) {
  return median(a.roundMedians.map((m, i) => m - b.roundMedians[i]));
}
