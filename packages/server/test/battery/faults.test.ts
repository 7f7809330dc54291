import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from '../../src/index.js';
import { createTestRepository, type TestRepository } from '../support/test-repository.js';
import { postHead } from './raw-http.js';

const SLOW_RUNTIME = fileURLToPath(new URL('./slow-runtime.mjs', import.meta.url));
const VALID = '{"inputs":[{"name":"x","datatype":"FP32","shape":[1,3],"data":[1,2,3]}]}';
const ABORTING_CLIENTS = 1000;
const CONCURRENCY = 50;

let repo: TestRepository;
let server: Server;
let port: number;

beforeAll(async () => {
  repo = createTestRepository();
  repo.addVersion('add_one', '1', 'add_one.onnx');
  repo.addVersion('slow', '1', 'add_one.onnx');
  repo.writeConfig('slow', { runtimes: [{ module: SLOW_RUNTIME, factory: 'slowRuntime', options: { delayMs: 400 } }], timeoutMs: 100 });
  repo.addVersion('busy', '1', 'add_one.onnx');
  repo.writeConfig('busy', { runtimes: [{ module: SLOW_RUNTIME, factory: 'slowRuntime', options: { delayMs: 5 } }] });
  server = await createServer({ repository: repo.root, inProcess: true, port: 0 });
  port = Number(new URL(await server.listen()).port);
}, 60_000);

afterAll(async () => {
  await server?.close();
  repo?.remove();
});

const infer = (model: string, id = 'check') =>
  server.fastify.inject({ method: 'POST', url: `/v2/models/${model}/infer`, payload: VALID.replace('{', `{"id":"${id}",`), headers: { 'content-type': 'application/json' } });

async function expectCorrect(model: string): Promise<void> {
  const r = await infer(model);
  expect(r.statusCode, r.body).toBe(200);
  expect(r.json()).toMatchObject({ id: 'check', outputs: [{ name: 'y', data: [2, 3, 4] }] });
}

/** True once no request is running on either model (requests of gone clients still finish); gives up after 10 s. */
async function becomesIdle(): Promise<boolean> {
  const idle = () => ['add_one', 'busy'].every((name) => server.registry.get(name).active === 0);
  for (let waited = 0; !idle() && waited < 10_000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
  return idle();
}

/** One client that connects, sends part of a request (or all of it), and drops the connection. */
function abortingClient(i: number): Promise<void> {
  const model = i % 2 === 0 ? 'busy' : 'add_one';
  const request = Buffer.from(postHead(`/v2/models/${model}/infer`, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(VALID) }) + VALID);
  const cut = [0, 10, request.indexOf('\r\n\r\n') + 4, request.length - 5, request.length][i % 5]!;
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.on('error', () => {});
    socket.on('close', () => resolve());
    socket.on('connect', () => {
      socket.write(request.subarray(0, cut), () => setTimeout(() => socket.destroy(), i % 3));
    });
  });
}

describe('faults', () => {
  it('answers 504 for a model slower than its deadline and lives on', async () => {
    const r = await infer('slow');
    expect(r.statusCode).toBe(504);
    expect(r.json().error).toContain('100 ms');
    await expectCorrect('add_one');
    const again = await Promise.all([infer('slow'), infer('slow'), infer('add_one')]);
    expect(again.map((x) => x.statusCode)).toEqual([504, 504, 200]);
    expect((await server.fastify.inject({ method: 'GET', url: '/v2/health/live' })).statusCode).toBe(200);
  });

  it(`stays up and correct after ${ABORTING_CLIENTS} clients abort mid-request`, async () => {
    let next = 0;
    const lane = async () => {
      while (next < ABORTING_CLIENTS) await abortingClient(next++);
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, lane));
    expect(next).toBe(ABORTING_CLIENTS);
    expect(await becomesIdle()).toBe(true);
    for (const model of ['add_one', 'busy']) await expectCorrect(model);
    const answers = await Promise.all(Array.from({ length: 64 }, (_, i) => infer(i % 2 ? 'busy' : 'add_one', `after-${i}`)));
    for (const [i, a] of answers.entries()) {
      expect(a.statusCode).toBe(200);
      expect(a.json()).toMatchObject({ id: `after-${i}`, outputs: [{ data: [2, 3, 4] }] });
    }
    expect(await becomesIdle()).toBe(true);
    const ready = await server.fastify.inject({ method: 'GET', url: '/v2/health/ready' });
    expect(ready.statusCode).toBe(200);
  });
});
