import { describe, expect, it } from 'vitest';
import type { BatchMeasurement } from '../measure/measure-model.js';
import { recommend } from './recommend.js';

const m = (batch: number, examplesPerSecond: number, p50Ms = 1): BatchMeasurement => ({ batch, runs: 10, p50Ms, p99Ms: p50Ms * 2, meanMs: p50Ms, examplesPerSecond });

describe('recommend', () => {
  it('picks the fastest runtime and the smallest batch within 80% of its best', () => {
    const r = recommend([
      { runtime: 'onnx-node', device: 'cpu', measurements: [m(1, 100, 0.5), m(8, 850), m(32, 1000)] },
      { runtime: 'onnx-node', device: 'webgpu', measurements: [m(1, 50), m(8, 300), m(32, 600)] },
    ])!;
    expect(r).toMatchObject({ runtime: 'onnx-node', device: 'cpu', batchSize: 8, examplesPerSecond: 850, singleExampleP50Ms: 0.5 });
    expect(r.notes.join(' ')).toContain('--max-batch 8');
  });

  it('keeps batch 1 when batching does not pay, and gives nothing without measurements', () => {
    expect(recommend([{ runtime: 'tfjs', device: 'wasm', measurements: [m(1, 100), m(8, 90)] }])!.batchSize).toBe(1);
    expect(recommend([{ runtime: 'tfjs', device: 'wasm', measurements: [] }])).toBeUndefined();
  });
});
