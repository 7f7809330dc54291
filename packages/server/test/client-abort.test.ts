import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from '../src/index.js';
import { createTestRepository, type TestRepository } from './support/test-repository.js';
// @ts-expect-error a plain ES module without types, shared with the battery's child processes
import { slowRuntimeRuns } from './battery/slow-runtime.mjs';

const SLOW_RUNTIME = fileURLToPath(new URL('./battery/slow-runtime.mjs', import.meta.url));
const RUN_MS = 400;

let repo: TestRepository;
let server: Server;
let port: number;

const runs = slowRuntimeRuns as () => number[];

function body(first: number): string {
  return JSON.stringify({ inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 3], data: [first, 0, 0] }] });
}

/** Posts an infer request; resolves with the status, or with the error code when the socket was cut. */
function post(first: number, options: { abortAfterMs?: number; headers?: Record<string, string> } = {}): Promise<number | string> {
  return new Promise((resolve) => {
    const payload = body(first);
    const req = request(
      { host: '127.0.0.1', port, path: '/v2/models/add_one/infer', method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), ...options.headers } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    req.end(payload);
    if (options.abortAfterMs !== undefined) setTimeout(() => req.destroy(), options.abortAfterMs);
  });
}

beforeAll(async () => {
  repo = createTestRepository();
  repo.addVersion('add_one', '1', 'add_one.onnx');
  server = await createServer({
    repository: repo.root,
    inProcess: true,
    port: 0,
    runtimes: [{ module: SLOW_RUNTIME, factory: 'slowRuntime', options: { delayMs: RUN_MS } }],
    batching: { maxBatchSize: 1, maxQueueDelayMs: 0, maxQueueSize: 64 },
  });
  port = Number(new URL(await server.listen()).port);
}, 60_000);

afterAll(async () => {
  await server?.close();
  repo?.remove();
});

describe('requests whose client is gone or whose deadline passed', () => {
  it('drops a queued request whose client disconnected: it never reaches the model', async () => {
    runs().length = 0;
    const busy = post(1);
    await new Promise((r) => setTimeout(r, 50));
    const aborted = post(101, { abortAfterMs: 50 });
    expect(await aborted).toBe('ECONNRESET');
    expect(await busy).toBe(200);
    expect(await post(2)).toBe(200);
    expect(runs()).toEqual([1, 2]);
  });

  it('answers 504 to a queued request past its Servable-Timeout-Ms or parameters.timeout, without running it', async () => {
    runs().length = 0;
    const busy = post(3);
    await new Promise((r) => setTimeout(r, 50));
    const byHeader = post(103, { headers: { 'servable-timeout-ms': '60' } });
    expect(await byHeader).toBe(504);
    expect(await busy).toBe(200);
    const busyAgain = post(4);
    await new Promise((r) => setTimeout(r, 50));
    const payload = JSON.stringify({ inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 3], data: [104, 0, 0] }], parameters: { timeout: 60_000 } });
    const byParameter = await server.fastify.inject({ method: 'POST', url: '/v2/models/add_one/infer', payload, headers: { 'content-type': 'application/json' } });
    expect(byParameter.statusCode).toBe(504);
    expect(byParameter.json().error).toMatch(/expected an answer within 60 ms/);
    expect(await busyAgain).toBe(200);
    expect(runs()).toEqual([3, 4]);
  });

  it('refuses a malformed deadline with 400 naming it', async () => {
    const r = await server.fastify.inject({ method: 'POST', url: '/v2/models/add_one/infer', payload: body(5), headers: { 'content-type': 'application/json', 'servable-timeout-ms': 'soon' } });
    expect(r.statusCode).toBe(400);
    expect(r.json().error).toMatch(/Servable-Timeout-Ms: expected a positive number of milliseconds/);
    const p = await server.fastify.inject({ method: 'POST', url: '/v2/models/add_one/infer', payload: JSON.stringify({ ...JSON.parse(body(5)), parameters: { timeout: -1 } }), headers: { 'content-type': 'application/json' } });
    expect(p.statusCode).toBe(400);
    expect(p.json().error).toMatch(/parameters.timeout: expected a positive number of microseconds/);
  });

  it('cuts connections still busy after drainTimeoutMs, then finishes closing', async () => {
    const draining = await createServer({
      repository: repo.root,
      inProcess: true,
      port: 0,
      drainTimeoutMs: 50,
      runtimes: [{ module: SLOW_RUNTIME, factory: 'slowRuntime', options: { delayMs: RUN_MS } }],
      batching: false,
    });
    const drainingPort = Number(new URL(await draining.listen()).port);
    const previous = port;
    port = drainingPort;
    try {
      const slow = post(7);
      await new Promise((r) => setTimeout(r, 50));
      await draining.close();
      expect(await slow).toBe('ECONNRESET');
    } finally {
      port = previous;
    }
  });
});
