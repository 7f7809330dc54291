import { describe, expect, it } from 'vitest';
import { ServableError } from '../errors/servable-error.js';
import type { ModelManifest } from '../model/manifest.js';
import { float32ToFloat16 } from '../tensor/float16.js';
import type { TensorMap } from '../tensor/tensor.js';
import { argmax, classify, softmax, topK } from './postprocess.js';

const scores = (rows: number[][], name = 'scores'): TensorMap => ({
  [name]: { dtype: 'float32', shape: [rows.length, rows[0]!.length], data: Float32Array.from(rows.flat()) },
});

describe('softmax, argmax, topK', () => {
  it('softmax matches hand-computed values and survives large logits', () => {
    const p = softmax([0, Math.log(3)]);
    expect(p[0]).toBeCloseTo(0.25, 10);
    expect(p[1]).toBeCloseTo(0.75, 10);
    const big = softmax([1000, 1000 + Math.log(3)]);
    expect(big[1]).toBeCloseTo(0.75, 10);
  });

  it('argmax takes the first of equal maxima; topK breaks ties by index', () => {
    expect(argmax([1, 5, 5, 2])).toBe(1);
    expect(topK([0.1, 0.4, 0.4, 0.1], 3)).toEqual([
      { index: 1, score: 0.4 },
      { index: 2, score: 0.4 },
      { index: 0, score: 0.1 },
    ]);
    expect(topK([1, 2], 0)).toEqual([]);
    expect(topK([1, 2], -1)).toEqual([]);
  });
});

describe('classify', () => {
  it('auto applies softmax to logits and leaves probabilities alone', () => {
    const [logits] = classify(scores([[0, Math.log(3)]]), undefined);
    expect(logits!.probabilities[1]).toBeCloseTo(0.75, 6);
    const [probs] = classify(scores([[0.2, 0.8]]), undefined);
    expect(probs!.probabilities[0]).toBeCloseTo(0.2, 6);
    expect(probs!.probabilities[1]).toBeCloseTo(0.8, 6);
  });

  it('honours an explicit activation', () => {
    const [s] = classify(scores([[0, 2]]), undefined, { activation: 'sigmoid' });
    expect(s!.probabilities[0]).toBeCloseTo(0.5, 6);
    expect(s!.probabilities[1]).toBeCloseTo(1 / (1 + Math.exp(-2)), 6);
    const [n] = classify(scores([[3, 1]]), undefined, { activation: 'none' });
    expect(n!.probabilities).toEqual([3, 1]);
    const [f] = classify(scores([[0.5, 0.5]]), undefined, { activation: 'softmax' });
    expect(f!.probabilities[0]).toBeCloseTo(0.5, 6);
  });

  it('names classes from the manifest labels, best first, one result per row', () => {
    const manifest = { labels: ['cat', 'dog', 'bird'], postprocessing: { topK: 2 } } as unknown as ModelManifest;
    const out = classify(scores([[0.1, 0.7, 0.2], [0.6, 0.1, 0.3]]), manifest);
    expect(out.map((c) => c.label)).toEqual(['dog', 'cat']);
    expect(out[0]!.top.map((t) => t.label)).toEqual(['dog', 'bird']);
    expect(out[0]!.score).toBeCloseTo(0.7, 6);
    expect(out[1]!.index).toBe(0);
    expect(classify(scores([[0.1, 0.7, 0.2]]), manifest, { topK: 3 })[0]!.top).toHaveLength(3);
    expect(classify(scores([[0.1, 0.7, 0.2]]), undefined)[0]!.label).toBe('1');
  });

  it('reads the output the postprocessing names, and rank-1 scores', () => {
    const outputs: TensorMap = { ...scores([[1, 0]], 'first'), second: { dtype: 'float32', shape: [2], data: new Float32Array([0.1, 0.9]) } };
    expect(classify(outputs, undefined, { output: 'second' })[0]!.index).toBe(1);
    expect(classify(outputs, undefined)[0]!.index).toBe(0);
    expect(() => classify(outputs, undefined, { output: 'third' })).toThrow(expect.objectContaining({ code: 'INVALID_ARGUMENT' }));
  });

  it('reads float16 and int64 scores; refuses strings', () => {
    expect(classify({ h: { dtype: 'float16', shape: [1, 2], data: float32ToFloat16([0.25, 0.75]) } }, undefined)[0]!.index).toBe(1);
    expect(classify({ i: { dtype: 'int64', shape: [1, 3], data: new BigInt64Array([1n, 9n, 2n]) } }, undefined)[0]!.index).toBe(1);
    try {
      classify({ t: { dtype: 'string', shape: [1, 1], data: ['x'] } }, undefined);
      expect.unreachable();
    } catch (e) {
      expect(ServableError.isInstance(e) && e.code).toBe('UNSUPPORTED_CAPABILITY');
    }
  });
});
