import { describe, expect, it } from 'vitest';
import { quantile } from './measure-model.js';
import { concreteShape, syntheticFeeds } from './synthetic-feeds.js';

describe('measurement helpers', () => {
  it('takes nearest-rank quantiles', () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(quantile(sorted, 0.5)).toBe(50);
    expect(quantile(sorted, 0.99)).toBe(99);
    expect(quantile([7], 0.99)).toBe(7);
  });

  it('makes seeded feeds of every dtype with the batch on the first symbolic dimension', () => {
    expect(concreteShape(['batch', 'n', 3], 4)).toEqual([4, 8, 3]);
    const signature = {
      inputs: [
        { name: 'a', dtype: 'float32' as const, shape: ['batch', 4] },
        { name: 'ids', dtype: 'int64' as const, shape: ['batch', 3] },
        { name: 'mask', dtype: 'bool' as const, shape: ['batch', 3] },
        { name: 'h', dtype: 'float16' as const, shape: ['batch', 2] },
        { name: 's', dtype: 'string' as const, shape: ['batch'] },
      ],
      outputs: [],
    };
    const feeds = syntheticFeeds(signature, 2);
    expect(feeds.a!.data).toBeInstanceOf(Float32Array);
    expect(feeds.a!.shape).toEqual([2, 4]);
    expect(feeds.ids!.data).toBeInstanceOf(BigInt64Array);
    expect(feeds.h!.data).toBeInstanceOf(Uint16Array);
    expect(feeds.s!.data).toHaveLength(2);
    expect(Array.from(syntheticFeeds(signature, 2).a!.data as Float32Array)).toEqual(Array.from(feeds.a!.data as Float32Array));
  });
});
