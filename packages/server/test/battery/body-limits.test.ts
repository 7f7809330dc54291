import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from '../../src/index.js';
import { createTestRepository, type TestRepository } from '../support/test-repository.js';
import { postHead, rawExchange } from './raw-http.js';

const BODY_LIMIT = 4096;
const VALID = '{"id":"limits","inputs":[{"name":"x","datatype":"FP32","shape":[1,3],"data":[1,2,3]}]}';
const INFER = '/v2/models/add_one/infer';

let repo: TestRepository;
let server: Server;
let port: number;

beforeAll(async () => {
  repo = createTestRepository();
  repo.addVersion('add_one', '1', 'add_one.onnx');
  server = await createServer({ repository: repo.root, inProcess: true, batching: false, bodyLimit: BODY_LIMIT, port: 0 });
  port = Number(new URL(await server.listen()).port);
}, 60_000);

afterAll(async () => {
  await server?.close();
  repo?.remove();
});

const padded = (size: number) => VALID.slice(0, -1) + ' '.repeat(size - VALID.length) + '}';
const inject = (payload: string | Buffer, headers: Record<string, string> = {}) =>
  server.fastify.inject({ method: 'POST', url: INFER, payload, headers: { 'content-type': 'application/json', ...headers } });

async function expectServing(): Promise<void> {
  const r = await inject(VALID);
  expect(r.statusCode).toBe(200);
  expect(r.json().outputs[0].data).toEqual([2, 3, 4]);
}

describe('hostile bodies', () => {
  it('refuses JSON nested 10^6 deep with 400, at the top level and inside data', async () => {
    const big = createServer({ repository: repo.root, inProcess: true, batching: false, bodyLimit: 8 * 1024 * 1024 });
    const s = await big;
    try {
      const deep = '['.repeat(1_000_000) + ']'.repeat(1_000_000);
      const top = await s.fastify.inject({ method: 'POST', url: INFER, payload: deep, headers: { 'content-type': 'application/json' } });
      expect(top.statusCode).toBe(400);
      expect(top.json().error).toContain('nested');
      const inside = `{"inputs":[{"name":"x","datatype":"FP32","shape":[1,3],"data":${deep}}]}`;
      const r = await s.fastify.inject({ method: 'POST', url: INFER, payload: inside, headers: { 'content-type': 'application/json' } });
      expect(r.statusCode).toBe(400);
      const objects = '{"a":'.repeat(1_000_000) + '1' + '}'.repeat(1_000_000);
      expect((await s.fastify.inject({ method: 'POST', url: '/predict', payload: objects, headers: { 'content-type': 'application/json' } })).statusCode).toBe(400);
    } finally {
      await s.close();
    }
  });

  it('accepts a body 32 bytes under and exactly at the limit, refuses 32 bytes over with 413', async () => {
    for (const size of [BODY_LIMIT - 32, BODY_LIMIT]) {
      const body = padded(size);
      expect(Buffer.byteLength(body)).toBe(size);
      const r = await inject(body);
      expect(r.statusCode, `${size} bytes`).toBe(200);
      expect(r.json().outputs[0].data).toEqual([2, 3, 4]);
    }
    const over = await inject(padded(BODY_LIMIT + 32));
    expect(over.statusCode).toBe(413);
    const socket = await rawExchange(port, [postHead(INFER, { 'Content-Type': 'application/json', 'Content-Length': BODY_LIMIT + 32 }), padded(BODY_LIMIT + 32)]);
    expect(socket.statuses[0]).toBe(413);
    const chunked = await rawExchange(port, [postHead(INFER, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked' }), ...[0, 1, 2].map(() => `800\r\n${' '.repeat(0x800)}\r\n`), '0\r\n\r\n']);
    expect(chunked.statuses[0]).toBe(413);
    await expectServing();
  });

  it('survives a lying Content-Length in both directions', async () => {
    const longer = await rawExchange(port, [postHead(INFER, { 'Content-Type': 'application/json', 'Content-Length': 1000 }), VALID], { timeoutMs: 5000 });
    expect(longer.statuses).toEqual([400]);
    const shorter = await rawExchange(port, [postHead(INFER, { 'Content-Type': 'application/json', 'Content-Length': 10 }), VALID]);
    expect(shorter.statuses[0]).toBe(400);
    expect(shorter.statuses.every((s) => s >= 400 && s < 500)).toBe(true);
    const huge = await rawExchange(port, [postHead(INFER, { 'Content-Type': 'application/json', 'Content-Length': 2 ** 53 }), VALID]);
    expect(huge.statuses).toEqual([413]);
    const negative = await rawExchange(port, [postHead(INFER, { 'Content-Type': 'application/json', 'Content-Length': -5 }), VALID]);
    expect(negative.statuses).toEqual([400]);
    await expectServing();
  });

  it('answers a request split into one-byte chunks over a real socket, exactly', async () => {
    const head = postHead(INFER, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(VALID) });
    const bytes = Buffer.from(head + VALID);
    const chunks = Array.from({ length: bytes.length }, (_, i) => bytes.subarray(i, i + 1));
    const r = await rawExchange(port, chunks, { delayMs: 1 });
    expect(r.statuses).toEqual([200]);
    const body = JSON.parse(r.text.slice(r.text.indexOf('\r\n\r\n') + 4)) as { id: string; outputs: { data: number[] }[] };
    expect(body.id).toBe('limits');
    expect(body.outputs[0]!.data).toEqual([2, 3, 4]);
  });
});
