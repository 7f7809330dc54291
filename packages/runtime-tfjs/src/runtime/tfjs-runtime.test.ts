import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it, vi } from 'vitest';
import { ServableError, createPredictor, loadModel, type DType } from '@servable/core';
import { goldenToTensors, runConformanceSuite, type ConformanceFixture, type GoldenCase } from '@servable/core/testing';
import { tfjs } from './tfjs-runtime.js';

const fixture = (name: string) => fileURLToPath(new URL(`../../fixtures/${name}`, import.meta.url));
const golden = (name: string): GoldenCase => JSON.parse(readFileSync(fixture(`golden/${name}.json`), 'utf8')) as GoldenCase;
const identity = (dtype: DType): ConformanceFixture => ({ source: fixture(`identity_${dtype}`) });

runConformanceSuite({
  name: 'tfjs (wasm)',
  runtimes: () => [tfjs({ backend: 'wasm' })],
  fixtures: {
    mlp: { source: fixture('mlp'), golden: golden('mlp') },
    multiIo: { source: fixture('multi_io'), golden: golden('multi_io') },
    fixedBatch: { source: fixture('fixed_batch'), golden: golden('fixed_batch') },
    identity: { float32: identity('float32'), int32: identity('int32'), bool: identity('bool'), string: identity('string') },
  },
  test: { describe, it },
});

describe('tfjs runtime', () => {
  it('reads the signature of a LayersModel with symbolic batch and named outputs', async () => {
    await using model = await loadModel(fixture('multi_io'), { runtimes: [tfjs()] });
    expect(model.signature).toEqual({
      inputs: [
        { name: 'a', dtype: 'float32', shape: ['batch', 4] },
        { name: 'ids', dtype: 'int32', shape: ['batch', 3] },
      ],
      outputs: [
        { name: 'total', dtype: 'float32', shape: ['batch', 1] },
        { name: 'embedded', dtype: 'float32', shape: ['batch', 6] },
      ],
    });
  });

  it('reads the signature of a GraphModel', async () => {
    await using model = await loadModel(fixture('identity_bool'), { runtimes: [tfjs()] });
    expect(model.report.format).toBe('tfjs-graph');
    expect(model.signature.inputs).toEqual([{ name: 'x', dtype: 'bool', shape: ['batch', 'd1'] }]);
    expect(model.signature.outputs).toEqual([{ name: 'y', dtype: 'bool', shape: ['batch', 'd1'] }]);
  });

  describe('a GraphModel with dynamic ops (NonMaxSuppressionV3, Where)', () => {
    const boxes = { dtype: 'float32' as const, shape: [4, 4], data: new Float32Array([0, 0, 1, 1, 0, 0, 1, 1, 2, 2, 3, 3, 0.1, 0, 1, 1]) };

    it('takes output shapes and dtypes from the signature in model.json, and names tensors without ":0"', async () => {
      await using model = await loadModel(fixture('graph_dynamic'), { runtimes: [tfjs({ backend: 'cpu' })] });
      expect(model.signature).toEqual({
        inputs: [{ name: 'boxes', dtype: 'float32', shape: ['batch', 4] }],
        outputs: [
          { name: 'logits', dtype: 'float32', shape: ['batch', 5] },
          { name: 'summary', dtype: 'float32', shape: [1, 5] },
          { name: 'selected', dtype: 'int32', shape: ['batch'] },
          { name: 'positive', dtype: 'int32', shape: ['batch', 1] },
        ],
      });
    });

    it('runs with executeAsync where the graph needs it, and with execute for outputs that do not', async () => {
      for (const backend of ['cpu', 'wasm'] as const) {
        await using model = await loadModel(fixture('graph_dynamic'), { runtimes: [tfjs({ backend })] });
        const graph = (model.loaded as unknown as { model: tf.GraphModel }).model;
        const executeAsync = vi.spyOn(graph, 'executeAsync');
        const out = await model.run({ boxes });
        // Scores: sigmoid(1.5), sigmoid(1.5), sigmoid(5.5), sigmoid(1.65): NMS keeps row 2, then row 3, which overlaps rows 0 and 1.
        expect({ shape: out.selected!.shape, data: Array.from(out.selected!.data as Int32Array) }).toEqual({ shape: [2], data: [2, 3] });
        expect({ shape: out.positive!.shape, data: Array.from(out.positive!.data as Int32Array) }).toEqual({ shape: [4, 1], data: [0, 1, 2, 3] });
        expect(out.logits!.shape).toEqual([4, 5]);
        expect(out.summary!.shape).toEqual([1, 5]);
        const logits = out.logits!.data as Float32Array;
        (out.summary!.data as Float32Array).forEach((v, j) => expect(v).toBeCloseTo((logits[j]! + logits[5 + j]! + logits[10 + j]! + logits[15 + j]!) / 4, 5));
        expect(executeAsync).toHaveBeenCalledTimes(1);
        const before = tf.memory().numTensors;
        for (let i = 0; i < 20; i++) await model.run({ boxes });
        expect(tf.memory().numTensors).toBe(before);
      }
    });

    it('serves predict with the names inspect shows', async () => {
      await using model = await loadModel(fixture('graph_dynamic'), { runtimes: [tfjs({ backend: 'cpu' })] });
      const predictor = createPredictor(model);
      const out = (await predictor.predict({ boxes: [[0, 0, 1, 1], [2, 2, 3, 3]] }, { output: 'tensors' })) as Record<string, { shape: number[] }>;
      expect(Object.keys(out).sort()).toEqual(['logits', 'positive', 'selected', 'summary']);
    });
  });

  it('loads model.json and its shards over HTTP', async () => {
    const server = createServer((req, res) => {
      try {
        const body = readFileSync(join(fixture(''), decodeURIComponent(req.url ?? '/').replace(/^\/+/, '')));
        res.writeHead(200).end(body);
      } catch {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      await using model = await loadModel(`http://127.0.0.1:${port}/mlp/model.json`, { runtimes: [tfjs()] });
      const g = golden('mlp');
      const out = await model.run(goldenToTensors(g.inputs));
      const expected = goldenToTensors(g.outputs).probabilities!;
      (out.probabilities!.data as Float32Array).forEach((v, i) => expect(Math.abs(v - (expected.data as Float32Array)[i]!)).toBeLessThan(1e-5));
    } finally {
      server.close();
    }
  });

  it('leaves no tensor behind after 1,000 predictions', async () => {
    await using model = await loadModel(fixture('mlp'), { runtimes: [tfjs()] });
    const feeds = goldenToTensors(golden('mlp').inputs);
    await model.run(feeds);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 1000; i++) await model.run(feeds);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('reports the reason when a backend cannot start, and the next runtime serves', async () => {
    await using model = await loadModel(fixture('mlp'), { runtimes: [tfjs({ backend: 'webgl' }), tfjs({ backend: 'webgpu' }), tfjs({ backend: 'cpu' })] });
    expect(model.report.runtime).toBe('tfjs');
    expect(model.report.device).toBe('cpu');
    const [webgl, webgpu] = model.report.attempts;
    expect(webgl?.status).toBe('unavailable');
    expect(webgl?.reason).toMatch(/webgl.*WebGL/);
    expect(webgpu?.status).toBe('unavailable');
    expect(webgpu?.reason).toMatch(/webgpu/);
  });

  it('reports a threads setting it cannot honour as a warning', async () => {
    await using model = await loadModel(fixture('mlp'), { runtimes: [tfjs({ threads: 4 })] });
    expect(model.report.warnings).toContainEqual(expect.objectContaining({ type: 'unsupported', setting: 'threads' }));
  });

  it('computes exact input gradients', async () => {
    await using model = await loadModel(fixture('fixed_batch'), { runtimes: [tfjs()] });
    const grad = await model.loaded.gradients!.doGradient({ x: { dtype: 'float32', shape: [1, 3], data: new Float32Array([1, 2, 3]) } }, { inputName: 'x', outputName: 'y', index: 1 });
    expect(grad.shape).toEqual([1, 3]);
    expect(Array.from(grad.data as Float32Array)).toEqual([0, 2, 0]);
  });

  it('computes gradients through a GraphModel and refuses an index out of range', async () => {
    await using model = await loadModel(fixture('identity_float32'), { runtimes: [tfjs()] });
    const feeds = { x: { dtype: 'float32' as const, shape: [2, 3], data: new Float32Array([1, 2, 3, 4, 5, 6]) } };
    const grad = await model.loaded.gradients!.doGradient(feeds, { inputName: 'x', outputName: 'y', index: 2 });
    expect(Array.from(grad.data as Float32Array)).toEqual([0, 0, 1, 0, 0, 1]);
    const error = await model.loaded.gradients!.doGradient(feeds, { inputName: 'x', outputName: 'y', index: 3 }).catch((e: unknown) => e);
    expect(ServableError.isInstance(error) && error.code).toBe('INVALID_ARGUMENT');
  });

  it('refuses a folder whose model.json is not a tfjs model', async () => {
    const err = await loadModel({ manifest: { schemaVersion: 1, name: 'bad', version: '1', format: 'tfjs-layers', file: 'model.json' }, files: { 'model.json': new TextEncoder().encode('{"hello":1}') } }, { runtimes: [tfjs()] }).catch((e: unknown) => e);
    expect(ServableError.isInstance(err) && err.code).toBe('MODEL_LOAD_FAILED');
    expect((err as Error).message).toMatch(/modelTopology/);
  });
});
