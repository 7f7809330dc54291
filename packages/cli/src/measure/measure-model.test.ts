import { describe, expect, it } from 'vitest';
import type { Model, ModelSignature } from '@servable/core';
import { measureModel, quantile } from './measure-model.js';
import { syntheticFeeds } from './synthetic-feeds.js';
import { IMAGE_DIM_SIZE, OTHER_DIM_SIZE, parseShapeOverrides, planSyntheticInputs } from './synthetic-shapes.js';

const vad: ModelSignature = {
  inputs: [
    { name: 'input', dtype: 'float32', shape: ['batch', 'samples'] },
    { name: 'state', dtype: 'float32', shape: [2, 'batch', 128] },
    { name: 'sr', dtype: 'int64', shape: [] },
  ],
  outputs: [],
};
const detector: ModelSignature = { inputs: [{ name: 'x', dtype: 'float32', shape: ['N', 3, 'H', 'W'] }], outputs: [] };

describe('measurement helpers', () => {
  it('takes nearest-rank quantiles', () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(quantile(sorted, 0.5)).toBe(50);
    expect(quantile(sorted, 0.99)).toBe(99);
    expect(quantile([7], 0.99)).toBe(7);
  });

  it('makes seeded feeds of every dtype in the shapes given', () => {
    const signature: ModelSignature = {
      inputs: [
        { name: 'a', dtype: 'float32', shape: ['batch', 4] },
        { name: 'ids', dtype: 'int64', shape: ['batch', 3] },
        { name: 'mask', dtype: 'bool', shape: ['batch', 3] },
        { name: 'h', dtype: 'float16', shape: ['batch', 2] },
        { name: 's', dtype: 'string', shape: ['batch'] },
      ],
      outputs: [],
    };
    const shapes = planSyntheticInputs(signature, [], [2], [1]).shapesFor(2);
    const feeds = syntheticFeeds(signature, shapes);
    expect(feeds.a!.data).toBeInstanceOf(Float32Array);
    expect(feeds.a!.shape).toEqual([2, 4]);
    expect(feeds.ids!.data).toBeInstanceOf(BigInt64Array);
    expect(feeds.h!.data).toBeInstanceOf(Uint16Array);
    expect(feeds.s!.data).toHaveLength(2);
    expect(Array.from(syntheticFeeds(signature, shapes).a!.data as Float32Array)).toEqual(Array.from(feeds.a!.data as Float32Array));
  });

  it('honours the seconds budget: a run slower than it gets one warm-up and one timed run per batch size', async () => {
    const shapes: number[][] = [];
    const model = {
      signature: vad,
      run: async (feeds: Record<string, { shape: number[] }>) => {
        shapes.push(feeds.input!.shape);
        await new Promise((r) => setTimeout(r, 30));
        return {};
      },
    } as unknown as Model;
    const result = await measureModel(model, { plan: planSyntheticInputs(vad, [], [1, 2], [1]), seconds: 0.01 });
    expect(result.map((m) => [m.batch, m.runs])).toEqual([
      [1, 1],
      [2, 1],
    ]);
    expect(shapes).toEqual([[1, 64], [1, 64], [2, 64], [2, 64]]);
  });
});

describe('synthetic input shapes', () => {
  it('gives a shared symbolic name one size in every input, the batch included', () => {
    const plan = planSyntheticInputs(vad, [], undefined, [1, 8]);
    expect(plan.batchDims).toEqual(['batch']);
    expect(plan.batches).toEqual([1, 8]);
    expect(plan.shapesFor(8)).toEqual({ input: [8, OTHER_DIM_SIZE], state: [2, 8, 128], sr: [] });
  });

  it('treats a lone dynamic axis after a fixed first one as an RNN state batch, even unnamed', () => {
    const signature: ModelSignature = {
      inputs: [
        { name: 'input', dtype: 'float32', shape: ['d0', 'd1'] },
        { name: 'state', dtype: 'float32', shape: [2, 'd2', 128] },
      ],
      outputs: [],
    };
    expect(planSyntheticInputs(signature, [], [4], [1]).shapesFor(4)).toEqual({ input: [4, OTHER_DIM_SIZE], state: [2, 4, 128] });
  });

  it('sizes image height and width for detectors, not 8', () => {
    const plan = planSyntheticInputs(detector, [], undefined, [1]);
    expect(plan.shapesFor(1)).toEqual({ x: [1, 3, IMAGE_DIM_SIZE, IMAGE_DIM_SIZE] });
    expect(plan.dims).toEqual({ H: { size: IMAGE_DIM_SIZE, from: 'image default' }, W: { size: IMAGE_DIM_SIZE, from: 'image default' } });
  });

  it('takes --shape for an input, a dimension or a scalar, and measures the batch it gives unless --batch is set', () => {
    const byInput = planSyntheticInputs(detector, parseShapeOverrides(['x=1,3,640,480']), undefined, [1, 8, 32]);
    expect(byInput.batches).toEqual([1]);
    expect(byInput.shapesFor(1)).toEqual({ x: [1, 3, 640, 480] });
    expect(planSyntheticInputs(detector, parseShapeOverrides(['x=2,3,640,480']), [4, 16], [1]).batches).toEqual([4, 16]);
    expect(planSyntheticInputs(vad, parseShapeOverrides(['samples=512', 'sr=']), undefined, [1]).shapesFor(1)).toEqual({ input: [1, 512], state: [2, 1, 128], sr: [] });
  });

  it('refuses --shape entries that do not fit the signature, naming what would', () => {
    const refuse = (entries: string[], pattern: RegExp) => expect(() => planSyntheticInputs(vad, parseShapeOverrides(entries), undefined, [1])).toThrow(pattern);
    refuse(['nope=1'], /flag --shape nope: expected an input \(input, state, sr\) or a symbolic dimension \(batch, samples\)/);
    refuse(['state=2,1'], /expected 3 size\(s\) for input "state" \[2, batch, 128\], got 2 \(2,1\) — write it as state=2,N,128/);
    refuse(['state=3,1,128'], /expected 2 at axis 0 of input "state"/);
    refuse(['input=1,512', 'state=2,4,128'], /one batch size for "batch"/);
    expect(() => parseShapeOverrides(['x=1,a'])).toThrow(/flag --shape: expected name=sizes/);
    expect(() => parseShapeOverrides(['x=1', 'x=2'])).toThrow(/each name once/);
  });

  it('measures the fixed batch of a model without a symbolic one', () => {
    const fixed: ModelSignature = { inputs: [{ name: 'x', dtype: 'float32', shape: [1, 3] }], outputs: [] };
    expect(planSyntheticInputs(fixed, [], [1, 8], [1]).batches).toEqual([1]);
  });
});
