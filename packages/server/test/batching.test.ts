import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from '../src/index.js';
import { expectOipError, expectOipSchema } from './support/oip-schema.js';
import { createTestRepository, workerRuntime, type TestRepository } from './support/test-repository.js';

let repo: TestRepository;

beforeAll(() => {
  repo = createTestRepository();
  repo.addVersion('add_one', '1', 'add_one.onnx');
});

afterAll(() => repo.remove());

function infer(server: Server, rows: number[][]) {
  return server.fastify.inject({
    method: 'POST',
    url: '/v2/models/add_one/infer',
    payload: { inputs: [{ name: 'x', shape: [rows.length, rows[0]!.length], datatype: 'FP32', data: rows }] },
  });
}

describe('dynamic batching in worker threads', () => {
  let server: Server;
  beforeAll(async () => {
    server = await createServer({ repository: repo.root, runtimes: [await workerRuntime()], workers: 2, batching: { maxBatchSize: 16, maxQueueDelayMs: 5 } });
  });
  afterAll(() => server.close());

  it('merges concurrent requests, and each sees only its own rows', async () => {
    const requests = Array.from({ length: 120 }, (_, i) => {
      const rowCount = (i % 3) + 1;
      return Array.from({ length: rowCount }, (_, r) => [i * 1000 + r, -i, i / 8, r]);
    });
    const answers = await Promise.all(requests.map((rows) => infer(server, rows)));
    answers.forEach((a, i) => {
      expect(a.statusCode, a.body).toBe(200);
      expectOipSchema('inference_response', a.body);
      const output = a.json().outputs[0];
      expect(output.shape).toEqual([requests[i]!.length, 4]);
      expect(output.data).toEqual(requests[i]!.flat().map((v) => Math.fround(v) + 1));
    });
    const stats = server.registry.get('add_one').predictor!.batcher!.stats;
    expect(stats.batches).toBeLessThan(stats.requests);
    const metrics = await (await server.fastify.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/servable_batch_execution_total\{model="add_one",version="1"\} \d+/);
    expect(metrics).toMatch(/servable_request_success_total\{model="add_one",version="1",protocol="rest"\} 120/);
    expect(metrics).toMatch(/servable_inference_count_total\{model="add_one",version="1"\} 2\d\d/);
    expect(metrics).toMatch(/servable_compute_duration_seconds_count\{model="add_one",version="1"\}/);
    expect(metrics).toMatch(/servable_queue_duration_seconds_count\{model="add_one",version="1"\}/);
  });
});

describe('queue limit and deadline', () => {
  it('answers 503 with Retry-After when the queue is full', async () => {
    const server = await createServer({ repository: repo.root, inProcess: true, batching: { maxBatchSize: 64, maxQueueDelayMs: 200, maxQueueSize: 4 } });
    try {
      const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => infer(server, [[i, i]])));
      const rejected = answers.filter((a) => a.statusCode === 503);
      const served = answers.filter((a) => a.statusCode === 200);
      expect(served).toHaveLength(4);
      expect(rejected).toHaveLength(8);
      for (const r of rejected) {
        expect(Number(r.headers['retry-after'])).toBeGreaterThanOrEqual(1);
        expect(expectOipError(r.body)).toMatch(/full queue/);
      }
      const metrics = (await server.fastify.inject({ method: 'GET', url: '/metrics' })).body;
      expect(metrics).toMatch(/servable_request_failure_total\{model="add_one",version="1",protocol="rest",code="OVERLOADED"\} 8/);
    } finally {
      await server.close();
    }
  });

  it('answers 504 when a request waits past its deadline', async () => {
    const server = await createServer({ repository: repo.root, inProcess: true, batching: { maxBatchSize: 64, maxQueueDelayMs: 300 }, timeoutMs: 20 });
    try {
      const r = await infer(server, [[1, 2]]);
      expect(r.statusCode).toBe(504);
      expect(expectOipError(r.body)).toMatch(/expected an answer within 20 ms/);
    } finally {
      await server.close();
    }
  });
});
