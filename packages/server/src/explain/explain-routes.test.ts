import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from '../create-server.js';
import { createTestRepository, type TestRepository } from '../../test/support/test-repository.js';

const WEIGHTS = [3, -2, 0, 0, 1, 0];
const BIAS = 0.5;
const X = [0.5, 1.5, -2, 4, 2.5, -1];

let repo: TestRepository;
let server: Server;

function explainBody(parameters: Record<string, unknown>, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ id: 'e-1', inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 6], data: [X] }], parameters, ...extra });
}

async function post(url: string, payload: string) {
  return server.fastify.inject({ method: 'POST', url, payload, headers: { 'content-type': 'application/json' } });
}

interface ExplainReply {
  id: string;
  model_name: string;
  model_version: string;
  parameters: Record<string, unknown>;
  outputs: { name: string; datatype: string; shape: number[]; data: number[] }[];
}

function output(reply: ExplainReply, name: string) {
  return reply.outputs.find((o) => o.name === name)!;
}

beforeAll(async () => {
  repo = createTestRepository();
  repo.addVersion('linear', '1', 'linear_tabular.onnx');
  server = await createServer({ repository: repo.root, inProcess: true, batching: { maxBatchSize: 8, maxQueueDelayMs: 0 } });
}, 60_000);

afterAll(async () => {
  await server?.close();
  repo?.remove();
});

describe('POST /v2/models/{name}/explain', () => {
  it('integrated gradients attribute w_i·(x_i − b_i) to each feature, as OIP output tensors', async () => {
    const baseline = [1, -1, 0.25, 2, 0.5, 3];
    const r = await post('/v2/models/linear/explain', explainBody({ method: 'integrated-gradients', steps: 16, baseline: [baseline] }));
    expect(r.statusCode, r.body).toBe(200);
    const reply = r.json() as ExplainReply;
    expect(reply).toMatchObject({ id: 'e-1', model_name: 'linear', model_version: '1' });
    const attributions = output(reply, 'attributions');
    expect(attributions).toMatchObject({ datatype: 'FP32', shape: [1, 6] });
    attributions.data.forEach((a, i) => expect(a).toBeCloseTo(WEIGHTS[i]! * (X[i]! - baseline[i]!), 3));
    const f = (v: number[]) => v.reduce((s, x, i) => s + x * WEIGHTS[i]!, BIAS);
    expect(output(reply, 'explained_output').data[0]).toBeCloseTo(f(X), 4);
    expect(output(reply, 'baseline_output').data[0]).toBeCloseTo(f(baseline), 4);
    expect(reply.parameters).toMatchObject({ method: 'integrated-gradients', input: 'features', output: 'score', target_index: 0, gradient_source: 'finite-differences' });
    expect(reply.parameters.model_evaluations).toBeGreaterThan(2);
    expect(Math.abs(reply.parameters.convergence_delta as number)).toBeLessThan(1e-3);
    expect(reply.parameters.ms).toBeGreaterThan(0);
  });

  it('KernelSHAP with a seed sums to f(x) − f(0) and ranks the three live features first, through a pinned version', async () => {
    const r = await post('/v2/models/linear/versions/1/explain', explainBody({ method: 'kernelshap', samples: 40, seed: 7 }));
    expect(r.statusCode, r.body).toBe(200);
    const reply = r.json() as ExplainReply;
    const a = output(reply, 'attributions').data;
    const sum = a.reduce((s, v) => s + v, 0);
    expect(sum).toBeCloseTo(output(reply, 'explained_output').data[0]! - output(reply, 'baseline_output').data[0]!, 3);
    const ranked = a.map((v, i) => [Math.abs(v), i] as const).sort((p, q) => q[0] - p[0]).map(([, i]) => i);
    expect(new Set(ranked.slice(0, 3))).toEqual(new Set([0, 1, 4]));
    expect(reply.parameters.model_evaluations).toBe(2 + 40);
  });

  it('occlusion masks one feature at a time: each attribution is w_i·x_i', async () => {
    const r = await post('/v2/models/linear/explain', explainBody({ method: 'occlusion' }));
    const a = output(r.json() as ExplainReply, 'attributions').data;
    a.forEach((v, i) => expect(v).toBeCloseTo(WEIGHTS[i]! * X[i]!, 4));
  });

  it('answers binary attributions when asked', async () => {
    const r = await post('/v2/models/linear/explain', explainBody({ method: 'occlusion', binary_data_output: true }));
    expect(r.statusCode).toBe(200);
    const headerLength = Number(r.headers['inference-header-content-length']);
    const head = JSON.parse(r.rawPayload.subarray(0, headerLength).toString('utf8')) as ExplainReply;
    expect(head.outputs[0]).toMatchObject({ name: 'attributions', parameters: { binary_data_size: 24 } });
    const raw = r.rawPayload.subarray(headerLength);
    const values = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
    Array.from(values).forEach((v, i) => expect(v).toBeCloseTo(WEIGHTS[i]! * X[i]!, 4));
  });

  it.each([
    [{}, /explain parameters.method: expected one of "occlusion", "kernelshap", "integrated-gradients", "saliency"/],
    [{ method: 'lime' }, /parameters.method: expected one of .* got "lime"/],
    [{ method: 'kernelshap', samples: 0 }, /parameters.samples: expected a positive integer, got 0/],
    [{ method: 'occlusion', patch: 'big' }, /parameters.patch: expected a positive integer or/],
    [{ method: 'integrated-gradients', baseline: 'zeros' }, /parameters.baseline: expected a number or an array/],
    [{ method: 'occlusion', target: { index: 5 } }, /target.index/],
  ])('answers 400 naming the parameter for %j', async (parameters, message) => {
    const r = await post('/v2/models/linear/explain', explainBody(parameters));
    expect(r.statusCode, r.body).toBe(400);
    expect(r.json().error).toMatch(message);
  });

  it('answers 400 for a batch of several examples and for a wrong shape, 404 for an unknown model', async () => {
    const batch = JSON.stringify({ inputs: [{ name: 'features', datatype: 'FP32', shape: [2, 6], data: [...X, ...X] }], parameters: { method: 'occlusion' } });
    const two = await post('/v2/models/linear/explain', batch);
    expect(two.statusCode).toBe(400);
    expect(two.json().error).toMatch(/one example to explain/);
    const shape = JSON.stringify({ inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 5], data: X.slice(0, 5) }], parameters: { method: 'occlusion' } });
    expect((await post('/v2/models/linear/explain', shape)).statusCode).toBe(400);
    expect((await post('/v2/models/nothing/explain', explainBody({ method: 'occlusion' }))).statusCode).toBe(404);
  });

  it('runs its model evaluations through the batcher: the inference counter grows by model_evaluations', async () => {
    const inferred = async () => {
      const metric = await server.metrics.registry.getSingleMetric('servable_inference_count_total')!.get();
      return metric.values.filter((v) => v.labels.model === 'linear').reduce((s, v) => s + v.value, 0);
    };
    const before = await inferred();
    const r = await post('/v2/models/linear/explain', explainBody({ method: 'occlusion' }));
    const spent = (r.json() as ExplainReply).parameters.model_evaluations as number;
    expect(spent).toBe(2 + 6);
    expect((await inferred()) - before).toBe(spent);
  });
});
