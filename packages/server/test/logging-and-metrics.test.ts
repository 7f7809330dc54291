import { afterAll, beforeAll, expect, it } from 'vitest';
import { createServer, type Server } from '../src/index.js';
import { createTestRepository, type TestRepository } from './support/test-repository.js';

let repo: TestRepository;
const lines: Record<string, unknown>[] = [];
let server: Server;

beforeAll(async () => {
  repo = createTestRepository();
  repo.addVersion('add_one', '1', 'add_one.onnx');
  server = await createServer({
    repository: repo.root,
    inProcess: true,
    logger: { level: 'info', stream: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) } },
  });
});

afterAll(async () => {
  await server.close();
  repo.remove();
});

it('logs request ids, echoes them, and never logs payloads', async () => {
  const r = await server.fastify.inject({
    method: 'POST',
    url: '/v2/models/add_one/infer',
    headers: { 'x-request-id': 'req-abc' },
    payload: { inputs: [{ name: 'x', shape: [1, 1], datatype: 'FP32', data: [31337.5] }] },
  });
  expect(r.statusCode).toBe(200);
  expect(r.headers['x-request-id']).toBe('req-abc');
  const mine = lines.filter((l) => l.reqId === 'req-abc');
  expect(mine.length).toBeGreaterThanOrEqual(2);
  expect(JSON.stringify(lines)).not.toContain('31337');
  expect(lines.some((l) => l.msg === 'model version ready' && l.model === 'add_one')).toBe(true);
});

it('keeps metrics per server instance', async () => {
  const other = await createServer({ repository: repo.root, inProcess: true });
  try {
    await server.fastify.inject({ method: 'POST', url: '/v2/models/add_one/infer', payload: { inputs: [{ name: 'x', shape: [1, 1], datatype: 'FP32', data: [1] }] } });
    const mine = (await server.fastify.inject({ method: 'GET', url: '/metrics' })).body;
    const theirs = (await other.fastify.inject({ method: 'GET', url: '/metrics' })).body;
    expect(mine).toMatch(/servable_request_success_total\{model="add_one",version="1",protocol="rest"\} [1-9]/);
    expect(theirs).not.toMatch(/servable_request_success_total\{/);
    expect(theirs).toMatch(/servable_model_ready\{model="add_one",version="1"\} 1/);
  } finally {
    await other.close();
  }
});
