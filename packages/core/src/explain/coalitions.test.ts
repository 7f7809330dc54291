import { describe, expect, it } from 'vitest';
import { maxCoalitions, sampleCoalitions } from './coalitions.js';
import { createRandom } from '../random/seeded-random.js';
import { solveWeightedLeastSquares } from './weighted-least-squares.js';

const rows = (s: ReturnType<typeof sampleCoalitions>, m: number) => Array.from({ length: s.count }, (_, k) => Array.from(s.masks.subarray(k * m, (k + 1) * m)).join(''));

describe('sampleCoalitions', () => {
  it('enumerates every coalition with the Shapley kernel weights when the budget allows', () => {
    const m = 5;
    const s = sampleCoalitions(m, maxCoalitions(m), 0);
    expect(s.count).toBe(30);
    expect(new Set(rows(s, m)).size).toBe(30);
    const total = s.weights.reduce((a, b) => a + b, 0);
    expect(total).toBeCloseTo(1, 12);
    // Kernel weight ∝ (M − 1) / (C(M, s) · s · (M − s)): size 1 vs size 2 → (4/(5·4)) / (4/(10·6)) = 3.
    const sizeOf = (k: number) => s.masks.subarray(k * m, (k + 1) * m).reduce((a, b) => a + b, 0);
    const w1 = s.weights[[...Array(s.count).keys()].find((k) => sizeOf(k) === 1)!]!;
    const w2 = s.weights[[...Array(s.count).keys()].find((k) => sizeOf(k) === 2)!]!;
    expect(w1 / w2).toBeCloseTo(3, 10);
  });

  it('spends exactly the budget on distinct coalitions, the same ones for the same seed', () => {
    const m = 16;
    const a = sampleCoalitions(m, 300, 5);
    expect(a.count).toBe(300);
    expect(new Set(rows(a, m)).size).toBe(300);
    expect(a.weights.reduce((x, y) => x + y, 0)).toBeCloseTo(1, 10);
    expect(rows(sampleCoalitions(m, 300, 5), m)).toEqual(rows(a, m));
    expect(rows(sampleCoalitions(m, 300, 6), m)).not.toEqual(rows(a, m));
  });
});

describe('createRandom', () => {
  it('repeats its sequence for a seed and stays in [0, 1)', () => {
    const a = createRandom(123);
    const b = createRandom(123);
    const xs = Array.from({ length: 1000 }, () => a.next());
    expect(Array.from({ length: 1000 }, () => b.next())).toEqual(xs);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.05);
    const ints = createRandom(1);
    expect(new Set(Array.from({ length: 500 }, () => Math.floor(ints.next() * 10)))).toEqual(new Set([...Array(10).keys()]));
  });
});

describe('solveWeightedLeastSquares', () => {
  it('recovers exact coefficients and answers a rank-deficient system', () => {
    const design = Float64Array.of(1, 0, 0, 1, 1, 1, 2, 1);
    const y = Float64Array.of(2, -1, 1, 3);
    const beta = solveWeightedLeastSquares(design, 4, 2, y, Float64Array.of(1, 2, 3, 4));
    expect(beta[0]).toBeCloseTo(2, 10);
    expect(beta[1]).toBeCloseTo(-1, 10);
    const singular = solveWeightedLeastSquares(Float64Array.of(1, 1, 2, 2), 2, 2, Float64Array.of(2, 4), Float64Array.of(1, 1));
    expect(singular[0]! + singular[1]!).toBeCloseTo(2, 6);
  });
});
