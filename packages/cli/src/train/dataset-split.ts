import type { Tensor } from '@servable/core';

/** Examples ready for `Trainer.fit`: inputs as one float32 tensor, integer class labels. */
export interface Examples {
  readonly x: Tensor<'float32'>;
  readonly y: number[];
}

/** A seeded permutation of 0…n−1 (xorshift), the same on every machine. */
export function shuffledOrder(n: number, seed: number): Uint32Array {
  const order = Uint32Array.from({ length: n }, (_, i) => i);
  let s = seed >>> 0 || 1;
  for (let i = n - 1; i > 0; i--) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    const j = (s >>> 0) % (i + 1);
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
  return order;
}

/** Copies examples `order[from…to)` out of flat values, scaled, into a tensor of `[n, ...inputShape]`. */
export function pick(values: ArrayLike<number>, labels: ArrayLike<number>, perExample: number, order: ArrayLike<number>, from: number, to: number, scale: number, inputShape: readonly number[]): Examples {
  const n = to - from;
  const x = new Float32Array(n * perExample);
  const y: number[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const k = order[from + i]!;
    for (let j = 0; j < perExample; j++) x[i * perExample + j] = values[k * perExample + j]! * scale;
    y[i] = labels[k]!;
  }
  return { x: { dtype: 'float32', shape: [n, ...inputShape], data: x }, y };
}

/**
 * Shuffles with the seed, holds out a tenth for evaluation (when there are at least ten
 * examples), and caps the training examples at `limit`.
 */
export function splitHeldOut(
  values: ArrayLike<number>,
  labels: ArrayLike<number>,
  perExample: number,
  inputShape: readonly number[],
  options: { seed: number; limit?: number },
): { train: Examples; test?: Examples; trainCount: number; testCount: number } {
  const count = labels.length;
  const order = shuffledOrder(count, options.seed);
  const testCount = count >= 10 ? Math.floor(count / 10) : 0;
  const trainCount = Math.min(count - testCount, options.limit ?? Infinity);
  const train = pick(values, labels, perExample, order, testCount, testCount + trainCount, 1, inputShape);
  const test = testCount > 0 ? pick(values, labels, perExample, order, 0, testCount, 1, inputShape) : undefined;
  return { train, ...(test ? { test } : {}), trainCount, testCount };
}
