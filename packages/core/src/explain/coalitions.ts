import { createRandom } from '../random/seeded-random.js';

/** Coalitions of features (1 = taken from the input, 0 = from the baseline) with their kernel weights. */
export interface CoalitionSample {
  /** `count × features` 0/1 masks, row-major. */
  readonly masks: Uint8Array;
  /** Kernel weight of each coalition (sampled ones share the weight of the sizes left to sampling). */
  readonly weights: Float64Array;
  /** Coalitions chosen. */
  readonly count: number;
}

function binomial(n: number, k: number): number {
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return Math.round(r);
}

function* combinations(n: number, k: number): Generator<number[]> {
  const idx = Array.from({ length: k }, (_, i) => i);
  while (true) {
    yield idx;
    let i = k - 1;
    while (i >= 0 && idx[i] === n - k + i) i--;
    if (i < 0) return;
    idx[i]!++;
    for (let j = i + 1; j < k; j++) idx[j] = idx[j - 1]! + 1;
  }
}

/** The most coalitions worth asking for: every one but the empty and the full (2^M − 2). */
export function maxCoalitions(features: number): number {
  return features >= 52 ? Number.MAX_SAFE_INTEGER : 2 ** features - 2;
}

/**
 * Chooses `budget` coalitions of `features` features as KernelSHAP does: the Shapley kernel
 * weight of a coalition of size s is (M − 1) / (C(M, s) · s · (M − s)); coalition sizes whose
 * share of the budget covers all their subsets are enumerated with exact weights (smallest and
 * largest sizes first, a subset with its complement), and the rest of the budget is sampled
 * from the remaining sizes with the seeded generator, in complementary pairs.
 * @param features - M ≥ 2
 * @param budget - coalitions wanted, at most 2^M − 2
 * @param seed - seed of the sampler
 */
export function sampleCoalitions(features: number, budget: number, seed: number): CoalitionSample {
  const m = features;
  let masks = new Uint8Array(Math.max(1, Math.min(budget, 1 << 16)) * m);
  const weights: number[] = [];
  const seen = new Map<string, number>();
  const words = Math.ceil(m / 30);
  const packed = new Array<number>(words);
  // A coalition's key packs its bits 30 to a number, so lookups never build long strings.
  const keyOf = (mask: Uint8Array): string => {
    packed.fill(0);
    for (let i = 0; i < m; i++) if (mask[i]) packed[(i / 30) | 0]! |= 1 << i % 30;
    return packed.join(',');
  };
  const add = (mask: Uint8Array, key: string, weight: number): void => {
    const k = weights.length;
    if ((k + 1) * m > masks.length) {
      const grown = new Uint8Array(masks.length * 2);
      grown.set(masks);
      masks = grown;
    }
    masks.set(mask, k * m);
    seen.set(key, k);
    weights.push(weight);
  };
  const sizes = Math.ceil((m - 1) / 2);
  const pairedSizes = Math.floor((m - 1) / 2);
  const kernel = Array.from({ length: sizes }, (_, i) => ((m - 1) / ((i + 1) * (m - i - 1))) * (i < pairedSizes ? 2 : 1));
  const kernelSum = kernel.reduce((a, b) => a + b, 0);
  for (let i = 0; i < sizes; i++) kernel[i]! /= kernelSum;

  let fullSizes = 0;
  let left = budget;
  const remaining = [...kernel];
  const mask = new Uint8Array(m);
  const complement = () => {
    for (let i = 0; i < m; i++) mask[i] = 1 - mask[i]!;
  };
  for (let s = 1; s <= sizes; s++) {
    const paired = s <= pairedSizes;
    const subsets = binomial(m, s) * (paired ? 2 : 1);
    if ((left * remaining[s - 1]!) / subsets < 1 - 1e-8) break;
    fullSizes++;
    left -= subsets;
    if (remaining[s - 1]! < 1) {
      const rest = 1 - remaining[s - 1]!;
      for (let i = 0; i < sizes; i++) remaining[i]! /= rest;
    }
    const w = kernel[s - 1]! / binomial(m, s) / (paired ? 2 : 1);
    for (const combo of combinations(m, s)) {
      mask.fill(0);
      for (const i of combo) mask[i] = 1;
      add(mask, keyOf(mask), w);
      if (paired) {
        complement();
        add(mask, keyOf(mask), w);
      }
    }
  }

  const fixedCount = weights.length;
  let samplesLeft = budget - fixedCount;
  if (fullSizes < sizes && samplesLeft > 0) {
    const random = createRandom(seed);
    const rest = kernel.slice(fullSizes).map((v, i) => (fullSizes + i < pairedSizes ? v / 2 : v));
    const restSum = rest.reduce((a, b) => a + b, 0);
    const cumulative: number[] = [];
    let acc = 0;
    for (const v of rest) cumulative.push((acc += v / restSum));
    const drawSize = (): number => {
      const u = random.next();
      let i = 0;
      while (i < cumulative.length - 1 && u >= cumulative[i]!) i++;
      return fullSizes + i + 1;
    };
    // Partial Fisher–Yates from any permutation draws a uniform subset, so one pool serves every draw.
    const pool = Array.from({ length: m }, (_, i) => i);
    let attempts = 0;
    const maxAttempts = 100 * budget + 1000;
    while (samplesLeft > 0 && attempts++ < maxAttempts) {
      const s = drawSize();
      mask.fill(0);
      for (let i = 0; i < s; i++) {
        const j = i + Math.floor(random.next() * (m - i));
        const picked = pool[j]!;
        pool[j] = pool[i]!;
        pool[i] = picked;
        mask[picked] = 1;
      }
      const key = keyOf(mask);
      const existing = seen.get(key);
      if (existing === undefined) {
        add(mask, key, 1);
        samplesLeft--;
      } else {
        weights[existing]! += 1;
      }
      if (samplesLeft > 0 && s <= pairedSizes) {
        complement();
        const complementKey = keyOf(mask);
        const other = seen.get(complementKey);
        if (other === undefined) {
          add(mask, complementKey, 1);
          samplesLeft--;
        } else {
          weights[other]! += 1;
        }
      }
    }
    const leftWeight = kernel.slice(fullSizes).reduce((a, b) => a + b, 0);
    let sampledWeight = 0;
    for (let k = fixedCount; k < weights.length; k++) sampledWeight += weights[k]!;
    for (let k = fixedCount; k < weights.length; k++) weights[k]! *= leftWeight / sampledWeight;
  }

  const count = weights.length;
  return { masks: masks.slice(0, count * m), weights: Float64Array.from(weights), count };
}
