import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createServer, type Server } from '../src/index.js';
import { expectOipError } from './support/oip-schema.js';
import { createTestRepository, type TestRepository } from './support/test-repository.js';

let repo: TestRepository;
let server: Server;

beforeAll(async () => {
  repo = createTestRepository();
  repo.addVersion('add_one', '1', 'add_one.onnx');
  const module = fileURLToPath(new URL('./support/crashing-runtime.mjs', import.meta.url));
  server = await createServer({ repository: repo.root, runtimes: [{ module, factory: 'crashingRuntime' }], batching: false });
});

afterAll(async () => {
  await server.close();
  repo.remove();
});

function infer(first: number) {
  return server.fastify.inject({ method: 'POST', url: '/v2/models/add_one/infer', payload: { inputs: [{ name: 'x', shape: [1, 2], datatype: 'FP32', data: [first, 5] }] } });
}

it('fails the run whose worker thread died, then serves again from a fresh worker', async () => {
  expect((await infer(1)).statusCode).toBe(200);
  const crashed = await infer(-1);
  expect(crashed.statusCode).toBe(500);
  expect(expectOipError(crashed.body)).toMatch(/worker thread, got one that exited/);
  let answer = await infer(2);
  for (let i = 0; i < 200 && answer.statusCode !== 200; i++) {
    await new Promise((r) => setTimeout(r, 25));
    answer = await infer(2);
  }
  expect(answer.statusCode, answer.body).toBe(200);
  expect(answer.json().outputs[0].data).toEqual([3, 6]);
  expect(server.registry.get('add_one').state).toBe('READY');
});
