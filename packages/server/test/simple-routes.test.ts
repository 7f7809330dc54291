import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPredictor, loadModel, type Classification, type Predictor } from '@servable/core';
import { onnxNode } from '@servable/runtime-node';
import { createServer, type Server } from '../src/index.js';
import { expectOipError } from './support/oip-schema.js';
import { createTestRepository, type TestRepository } from './support/test-repository.js';

const LABELS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];
const MANIFEST = { labels: LABELS, preprocessing: { image: { scale: 1 / 255 } }, postprocessing: { activation: 'none', topK: 3 } };

let repo: TestRepository;
let server: Server;
let reference: Predictor;

function pixels(seed: number): number[] {
  return Array.from({ length: 784 }, (_, i) => (i * 31 + seed * 17) % 256);
}

beforeAll(async () => {
  repo = createTestRepository();
  const mlpDir = repo.addVersion('mnist', '1', 'mlp.onnx', MANIFEST);
  repo.addVersion('add_one', '1', 'add_one.onnx');
  server = await createServer({ repository: repo.root, inProcess: true, defaultModel: 'mnist' });
  reference = createPredictor(await loadModel(mlpDir, { runtimes: [onnxNode()] }));
});

afterAll(async () => {
  await reference.dispose();
  await server.close();
  repo.remove();
});

function post(url: string, payload: unknown) {
  return server.fastify.inject({ method: 'POST', url, payload: payload as object });
}

describe('POST /predict and /v1/models/{name}:predict', () => {
  it('reads numeric "inputs" straight into a tensor, answering exactly as the SDK does for nested arrays (one example, a batch, 17-digit floats)', async () => {
    const rows = (seed: number) => Array.from({ length: 28 }, (_, r) => pixels(seed).slice(r * 28, r * 28 + 28).map((v) => v / 255 + 1e-17 * seed));
    for (const inputs of [rows(4), [rows(5), rows(6)]]) {
      const expected = await reference.predict(inputs, { output: 'classification' });
      const r = await post('/predict', JSON.stringify({ inputs }));
      expect(r.statusCode, r.body).toBe(200);
      const list = (Array.isArray(expected) ? expected : [expected]) as Classification[];
      expect(r.json().predictions.map((p: { label: string; score: number }) => [p.label, p.score])).toEqual(list.map((c) => [c.label, c.score]));
    }
    const ragged = await post('/predict', JSON.stringify({ inputs: [[1, 2], [3]] }));
    expect(ragged.statusCode).toBe(400);
  });

  it('classifies an image given as pixel values, like the SDK', async () => {
    const image = { data: new Uint8Array(pixels(1)), width: 28, height: 28, channels: 1 as const };
    const expected = (await reference.predict(image, { output: 'classification' })) as Classification;
    const r = await post('/predict', { inputs: { image: { data: pixels(1), width: 28, height: 28, channels: 1 } } });
    expect(r.statusCode, r.body).toBe(200);
    const body = r.json();
    expect(body.model_name).toBe('mnist');
    expect(body.predictions).toHaveLength(1);
    expect(body.predictions[0].label).toBe(expected.label);
    expect(body.predictions[0].score).toBeCloseTo(expected.score, 6);
    expect(body.predictions[0].top.map((t: { label: string }) => t.label)).toEqual(expected.top.map((t) => t.label));
    expect(LABELS).toContain(body.predictions[0].label);
  });

  it('classifies base64 raw pixels and TF Serving instances as a batch', async () => {
    const images = [pixels(2), pixels(3)];
    const expected = (await reference.predict(
      images.map((p) => ({ data: new Uint8Array(p), width: 28, height: 28, channels: 1 as const })),
      { output: 'classification' },
    )) as Classification[];
    const r = await post('/v1/models/mnist:predict', {
      instances: images.map((p) => ({ b64: Buffer.from(p).toString('base64'), width: 28, height: 28, channels: 1 })),
    });
    expect(r.statusCode, r.body).toBe(200);
    const predictions = r.json().predictions as { label: string; score: number }[];
    expect(predictions.map((p) => p.label)).toEqual(expected.map((e) => e.label));
    predictions.forEach((p, i) => expect(p.score).toBeCloseTo(expected[i]!.score, 6));
  });

  it('honours top_k', async () => {
    const r = await post('/predict', { inputs: { image: { data: pixels(4), width: 28, height: 28, channels: 1 } }, top_k: 5 });
    expect(r.json().predictions[0].top).toHaveLength(5);
  });

  it('answers tensors as nested arrays for a model without labels', async () => {
    const one = await post('/v1/models/add_one:predict', { inputs: [1, 2, 3] });
    expect(one.statusCode, one.body).toBe(200);
    expect(one.json().predictions).toEqual([2, 3, 4]);
    const batch = await post('/v1/models/add_one:predict', { instances: [[1, 2], [10, 20]] });
    expect(batch.json().predictions).toEqual([[2, 3], [11, 21]]);
    const record = await post('/v1/models/add_one:predict', { instances: [{ x: [0, 0] }, { x: [5, 5] }] });
    expect(record.json().predictions).toEqual([[1, 1], [6, 6]]);
  });

  it.each([
    ['a body without inputs or instances', '/predict', { data: [] }, 400, /expected \{"inputs": \.\.\.\} or \{"instances"/],
    ['an image of the wrong size', '/predict', { inputs: { image: { data: [1, 2, 3], width: 28, height: 28, channels: 1 } } }, 400, /expected 784 bytes/],
    ['pixel values out of range', '/predict', { inputs: { image: { data: [300], width: 1, height: 1 } } }, 400, /0–255/],
    ['a wrong example shape', '/v1/models/add_one:predict', { inputs: [[[1]]] }, 400, /input "x"/],
    ['an unknown model', '/v1/models/nope:predict', { inputs: [1] }, 404, /model "nope"/],
    ['an unknown verb', '/v1/models/add_one:explain', { inputs: [1] }, 404, /:predict/],
  ])('refuses %s', async (_name, url, payload, status, message) => {
    const r = await post(url, payload);
    expect(r.statusCode).toBe(status);
    expect(expectOipError(r.body)).toMatch(message);
  });
});
