import type { Random } from '../random/seeded-random.js';

const CANDIDATE_FLOOR = 1e-7;

/** How the next token is chosen from the logits. */
export interface SamplingOptions {
  /**
   * Divides the logits before sampling: below 1 sharpens, above 1 flattens. `0` (or omitted,
   * with neither `topK` nor `topP` set) picks the most likely token (greedy).
   */
  readonly temperature?: number;
  /** Sample only among the `topK` most likely tokens. */
  readonly topK?: number;
  /** Sample only among the most likely tokens whose probabilities add up to `topP` (nucleus). */
  readonly topP?: number;
  /**
   * Penalizes tokens already in the prompt or the output (CTRL / Hugging Face rule: a positive
   * logit is divided by it, a negative one multiplied). `1` (default) does nothing.
   */
  readonly repetitionPenalty?: number;
}

/**
 * Picks tokens from logit rows. One sampler serves one generation: it reuses its scratch
 * buffers from step to step.
 */
export class Sampler {
  readonly #options: SamplingOptions;
  readonly #random: Random;
  readonly #greedy: boolean;
  readonly #seen = new Set<number>();
  #scratch: Float32Array | undefined;
  #values: Float32Array | undefined;

  /**
   * @param options - validated sampling options
   * @param random - the generation's seeded generator
   */
  constructor(options: SamplingOptions, random: Random) {
    this.#options = options;
    this.#random = random;
    const t = options.temperature;
    this.#greedy = t === 0 || (t === undefined && options.topK === undefined && options.topP === undefined);
  }

  /** True when no randomness is involved. */
  get greedy(): boolean {
    return this.#greedy;
  }

  /** Records tokens for the repetition penalty (the prompt, then each new token). */
  remember(ids: Iterable<number>): void {
    if ((this.#options.repetitionPenalty ?? 1) === 1) return;
    for (const id of ids) this.#seen.add(id);
  }

  /** Chooses the next token from one row of logits (left untouched). */
  pick(logits: Float32Array): number {
    const penalty = this.#options.repetitionPenalty ?? 1;
    let row = logits;
    if (penalty !== 1 && this.#seen.size > 0) {
      row = this.#scratchOf(logits.length);
      row.set(logits);
      for (const id of this.#seen) {
        if (id < 0 || id >= row.length) continue;
        const v = row[id]!;
        row[id] = v > 0 ? v / penalty : v * penalty;
      }
    }
    if (this.#greedy) return argmaxOf(row);
    return this.#sample(row);
  }

  #scratchOf(length: number): Float32Array {
    if (!this.#scratch || this.#scratch.length !== length) this.#scratch = new Float32Array(length);
    return this.#scratch;
  }

  #sample(row: Float32Array): number {
    const vocab = row.length;
    const temperature = this.#options.temperature ?? 1;
    const topK = Math.min(this.#options.topK ?? vocab, vocab);
    const topP = this.#options.topP ?? 1;
    let max = -Infinity;
    for (let i = 0; i < vocab; i++) if (row[i]! > max) max = row[i]!;
    const probs = row === this.#scratch ? row : this.#scratchOf(vocab);
    let total = 0;
    for (let i = 0; i < vocab; i++) {
      const p = Math.exp((row[i]! - max) / temperature);
      probs[i] = p;
      total += p;
    }
    if (topK >= vocab && topP >= 1) return this.#draw(probs, vocab, total, -Infinity, 0);
    // The kept tokens are those above a threshold probability (plus, on a tie at the threshold,
    // the first ones in id order). The threshold comes from sorting the values of the candidates:
    // the tokens within a factor 1e-7 of the best, or every token when they are fewer than topK
    // or cannot reach topP (a flat distribution). Peaked rows sort a handful of values.
    let values = this.#valuesOf(vocab);
    let count = 0;
    let mass = 0;
    for (let i = 0; i < vocab; i++) {
      const p = probs[i]!;
      if (p >= CANDIDATE_FLOOR) {
        values[count++] = p;
        mass += p;
      }
    }
    if (topK < vocab ? count < topK : mass < topP * total) {
      values.set(probs);
      count = vocab;
    }
    values = values.subarray(0, count).sort();
    const keep = Math.min(topK, count);
    let limit = keep;
    if (topP < 1) {
      let keptMass = 0;
      for (let i = 0; i < keep; i++) keptMass += values[count - 1 - i]!;
      let cumulative = 0;
      for (let i = 0; i < keep; i++) {
        cumulative += values[count - 1 - i]!;
        if (cumulative >= topP * keptMass) {
          limit = i + 1;
          break;
        }
      }
    }
    const threshold = values[count - limit]!;
    let above = 0;
    let keptMass = 0;
    for (let i = 0; i < vocab; i++) {
      if (probs[i]! > threshold) {
        above++;
        keptMass += probs[i]!;
      }
    }
    const ties = limit - above;
    keptMass += ties * threshold;
    return this.#draw(probs, vocab, keptMass, threshold, ties);
  }

  #valuesOf(vocab: number): Float32Array {
    if (!this.#values || this.#values.length !== vocab) this.#values = new Float32Array(vocab);
    return this.#values;
  }

  /** Draws among tokens above `threshold` and the first `ties` tokens equal to it. */
  #draw(probs: Float32Array, vocab: number, mass: number, threshold: number, ties: number): number {
    let r = this.#random.next() * mass;
    let last = -1;
    let tiesLeft = ties;
    for (let i = 0; i < vocab; i++) {
      const p = probs[i]!;
      if (p < threshold || (p === threshold && tiesLeft-- <= 0)) continue;
      last = i;
      r -= p;
      if (r < 0) return i;
    }
    return last;
  }
}
/** Index of the largest value (the first one on ties). */
export function argmaxOf(row: Float32Array): number {
  let best = 0;
  let value = row[0] ?? -Infinity;
  for (let i = 1; i < row.length; i++) {
    if (row[i]! > value) {
      value = row[i]!;
      best = i;
    }
  }
  return best;
}
