import { fileURLToPath } from 'node:url';
import { createPredictor, loadModel, type Classification } from '@servable/core';
import { onnxNode } from '@servable/runtime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.mjs';

const MLP = fileURLToPath(new URL('../../../fixtures/models/mlp.onnx', import.meta.url));

let app: Awaited<ReturnType<typeof buildApp>>;

function image(seed: number): number[][] {
  return Array.from({ length: 28 }, (_, r) => Array.from({ length: 28 }, (_, c) => ((r * 28 + c) * (seed + 3)) % 17 / 16));
}

beforeAll(async () => {
  app = await buildApp({ modelPath: MLP, batching: { maxBatchSize: 16, maxQueueDelayMs: 20 } });
});

afterAll(async () => {
  await app?.close();
});

describe('examples/node-service', () => {
  it('answers concurrent requests with what an unbatched predictor gives, in fewer engine runs', async () => {
    const n = 8;
    const replies = await Promise.all(Array.from({ length: n }, (_, i) => app.inject({ method: 'POST', url: '/classify', payload: { pixels: image(i), topK: 2 } })));
    const reference = createPredictor(await loadModel(MLP, { runtimes: [onnxNode()] }));
    for (let i = 0; i < n; i++) {
      expect(replies[i]!.statusCode).toBe(200);
      const expected = (await reference.predict(image(i), { output: 'classification', topK: 2 })) as Classification;
      const got = replies[i]!.json();
      expect(got.label).toBe(expected.label);
      expect(got.top).toHaveLength(2);
      expect(got.score).toBeCloseTo(expected.score, 5);
    }
    await reference.dispose();
    const stats = (await app.inject({ method: 'GET', url: '/stats' })).json();
    expect(stats.requests).toBe(n);
    expect(stats.examples).toBe(n);
    expect(stats.batches).toBeLessThan(n);
  });

  it('returns 400 with the error code and message for input of the wrong shape', async () => {
    const reply = await app.inject({ method: 'POST', url: '/classify', payload: { pixels: [[1, 2, 3]] } });
    expect(reply.statusCode).toBe(400);
    expect(reply.json()).toMatchObject({ code: 'SHAPE_MISMATCH' });
    expect(reply.json().message).toContain('input "pixels": expected [batch, 28, 28]');
    const missing = await app.inject({ method: 'POST', url: '/classify', payload: {} });
    expect(missing.statusCode).toBe(400);
  });

  it('reports health with the runtime that serves the model', async () => {
    const reply = await app.inject({ method: 'GET', url: '/healthz' });
    expect(reply.json()).toEqual({ ok: true, runtime: 'onnx-node', device: 'cpu' });
  });
});
