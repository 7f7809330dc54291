import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from '../src/index.js';
import { createTestRepository, type TestRepository } from './support/test-repository.js';

let repo: TestRepository;
let server: Server;

beforeAll(async () => {
  repo = createTestRepository();
  repo.addVersion('add_one', '1', 'add_one.onnx');
  // A long queue delay holds requests in the batcher long enough to scrape them there.
  server = await createServer({ repository: repo.root, inProcess: true, batching: { maxBatchSize: 64, maxQueueDelayMs: 400 } });
});

afterAll(async () => {
  await server.close();
  repo.remove();
});

const scrape = async () => (await server.fastify.inject({ method: 'GET', url: '/metrics' })).body;
const gauge = (text: string, name: string) => {
  const m = new RegExp(`^${name}\\{model="add_one",version="1"\\} (\\d+)$`, 'm').exec(text);
  return m ? Number(m[1]) : undefined;
};

describe('load gauges for autoscaling', () => {
  it('reports requests in flight and examples queued at scrape time, and 0 once they are answered', async () => {
    const idle = await scrape();
    expect(gauge(idle, 'servable_inference_requests_in_flight')).toBe(0);
    expect(gauge(idle, 'servable_queue_examples')).toBe(0);
    const pending = [1, 2, 3].map((rows) =>
      server.fastify.inject({
        method: 'POST',
        url: '/v2/models/add_one/infer',
        payload: { inputs: [{ name: 'x', shape: [rows, 2], datatype: 'FP32', data: Array.from({ length: rows * 2 }, (_, i) => i) }] },
      }),
    );
    let busy = '';
    for (let i = 0; i < 50 && gauge(busy, 'servable_queue_examples') !== 6; i++) {
      await new Promise((r) => setTimeout(r, 5));
      busy = await scrape();
    }
    expect(gauge(busy, 'servable_inference_requests_in_flight')).toBe(3);
    expect(gauge(busy, 'servable_queue_examples')).toBe(6);
    expect(busy).toMatch(/^# TYPE servable_inference_requests_in_flight gauge$/m);
    const answers = await Promise.all(pending);
    for (const a of answers) expect(a.statusCode, a.body).toBe(200);
    const after = await scrape();
    expect(gauge(after, 'servable_inference_requests_in_flight')).toBe(0);
    expect(gauge(after, 'servable_queue_examples')).toBe(0);
  });
});
