import { describe, expect, it } from 'vitest';
import { createRandom } from '../random/seeded-random.js';
import { argmaxOf, Sampler } from './sampler.js';

const logits = Float32Array.from([1, 4, 3, 2, 0]);

function counts(sampler: Sampler, row: Float32Array, n: number): number[] {
  const c = new Array<number>(row.length).fill(0);
  for (let i = 0; i < n; i++) c[sampler.pick(row)]!++;
  return c;
}

describe('Sampler', () => {
  it('is greedy without temperature, topK or topP, and with temperature 0', () => {
    expect(new Sampler({}, createRandom(1)).pick(logits)).toBe(1);
    expect(new Sampler({ temperature: 0, topK: 3 }, createRandom(1)).pick(logits)).toBe(1);
    expect(argmaxOf(Float32Array.from([2, 5, 5]))).toBe(1);
  });

  it('samples only among the topK tokens', () => {
    const c = counts(new Sampler({ temperature: 1, topK: 2 }, createRandom(3)), logits, 2000);
    expect(c[0]! + c[3]! + c[4]!).toBe(0);
    expect(c[1]).toBeGreaterThan(c[2]!);
    expect(c[2]).toBeGreaterThan(0);
  });

  it('samples only inside the nucleus for topP', () => {
    // softmax([1,4,3,2,0]) ≈ [0.032, 0.644, 0.237, 0.087, 0.012]: 0.85 needs tokens 1 and 2.
    const c = counts(new Sampler({ temperature: 1, topP: 0.85 }, createRandom(4)), logits, 2000);
    expect(c[0]! + c[3]! + c[4]!).toBe(0);
    expect(c[2]).toBeGreaterThan(0);
    const wide = counts(new Sampler({ temperature: 1, topP: 0.99 }, createRandom(4)), logits, 4000);
    expect(wide[3]).toBeGreaterThan(0);
  });

  it('follows the softmax frequencies without truncation, and sharpens them at low temperature', () => {
    const n = 20000;
    const c = counts(new Sampler({ temperature: 1 }, createRandom(5)), logits, n);
    expect(c[1]! / n).toBeCloseTo(0.644, 1);
    expect(c[2]! / n).toBeCloseTo(0.237, 1);
    const cold = counts(new Sampler({ temperature: 0.1 }, createRandom(5)), logits, 2000);
    expect(cold[1]).toBeGreaterThan(1990);
  });

  it('applies the repetition penalty to remembered tokens without changing the engine row', () => {
    const row = Float32Array.from([3.5, 4, -1]);
    const s = new Sampler({ repetitionPenalty: 2 }, createRandom(1));
    expect(s.pick(row)).toBe(1);
    s.remember([1]);
    expect(s.pick(row)).toBe(0);
    expect(Array.from(row)).toEqual([3.5, 4, -1]);
    const negative = new Sampler({ repetitionPenalty: 2 }, createRandom(1));
    negative.remember([0]);
    expect(negative.pick(Float32Array.from([-1, -1.5]))).toBe(1);
  });

  it('draws the same tokens from the same seed', () => {
    const a = counts(new Sampler({ temperature: 1.5 }, createRandom(9)), logits, 50);
    const b = counts(new Sampler({ temperature: 1.5 }, createRandom(9)), logits, 50);
    expect(a).toEqual(b);
  });

  it('handles a large, flat vocabulary with topP exactly (every token is a candidate)', () => {
    const flat = new Float32Array(50_000);
    const s = new Sampler({ temperature: 1, topP: 0.5 }, createRandom(11));
    const seen = new Set<number>();
    for (let i = 0; i < 200; i++) seen.add(s.pick(flat));
    expect(Math.max(...seen)).toBeLessThan(25_000);
    expect(seen.size).toBeGreaterThan(150);
  });
});
