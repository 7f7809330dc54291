import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loggerOptions } from '../../src/auth/index.js';
import { createServer, type Server } from '../../src/index.js';
import { createTestRepository, type TestRepository } from '../support/test-repository.js';

const MARKER = 'MARKER-c0ffee-payload-must-not-be-logged';
const SECRET = 'secret-api-key-value-0123456789';

let repo: TestRepository;
let server: Server;
const lines: string[] = [];

beforeAll(async () => {
  repo = createTestRepository();
  repo.addVersion('identity_string', '1', 'identity_string.onnx');
  repo.addVersion('add_one', '1', 'add_one.onnx');
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter((l) => l.length > 0));
      done();
    },
  });
  server = await createServer({ repository: repo.root, inProcess: true, logger: { level: 'trace', stream, ...loggerOptions() } });
}, 60_000);

afterAll(async () => {
  await server?.close();
  repo?.remove();
});

describe('payload privacy in the real server\'s logs', () => {
  it('writes a marker sent in bodies and headers to no log line, on success and on every kind of refusal', async () => {
    const headers = { 'content-type': 'application/json', 'x-api-key': SECRET, authorization: `Bearer ${SECRET}` };
    const requests = [
      { url: '/v2/models/identity_string/infer', payload: { id: MARKER, inputs: [{ name: 'x', datatype: 'BYTES', shape: [1, 1], data: [MARKER] }] } },
      { url: '/v2/models/add_one/infer', payload: { inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 1], data: [MARKER] }] } },
      { url: '/v2/models/add_one/infer', payload: { inputs: [{ name: MARKER, datatype: 'FP32', shape: [1, 1], data: [1] }] } },
      { url: '/v1/models/add_one:predict', payload: { instances: [[MARKER]] } },
      { url: '/predict', payload: { [MARKER]: 1 } },
      { url: '/v2/models/add_one/infer', payload: `{"inputs": "${MARKER}` },
      { url: `/v2/models/add_one/infer?api_key=${SECRET}&token=${MARKER}`, payload: { inputs: [] } },
    ];
    const statuses: number[] = [];
    for (const r of requests) {
      const res = await server.fastify.inject({ method: 'POST', url: r.url, headers, payload: typeof r.payload === 'string' ? r.payload : JSON.stringify(r.payload) });
      statuses.push(res.statusCode);
    }
    expect(statuses[0]).toBe(200);
    expect(statuses.slice(1).every((s) => s >= 400 && s < 500)).toBe(true);
    expect(lines.filter((l) => l.includes('"statusCode"')).length).toBeGreaterThanOrEqual(requests.length);
    const leaking = lines.filter((l) => l.includes(MARKER) || l.includes(SECRET));
    expect(leaking).toEqual([]);
  });
});

describe('payload logging, opted in with createServer({ logPayloads: true })', () => {
  it('logs request and response bodies redacted: tensor data summarized, credentials never', async () => {
    const logged: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logged.push(...chunk.toString('utf8').split('\n').filter((l) => l.length > 0));
        done();
      },
    });
    const verbose = await createServer({ repository: repo.root, inProcess: true, logger: { level: 'info', stream }, logPayloads: true });
    try {
      const payload = JSON.stringify({ id: 'visible-id', inputs: [{ name: 'x', datatype: 'BYTES', shape: [1, 1], data: [MARKER] }], parameters: { token: MARKER } });
      const r = await verbose.fastify.inject({ method: 'POST', url: '/v2/models/identity_string/infer', headers: { 'content-type': 'application/json', 'x-api-key': SECRET }, payload });
      expect(r.statusCode).toBe(200);
      const payloadLines = logged.filter((l) => l.includes('redactedPayload'));
      expect(payloadLines.length).toBe(2);
      expect(payloadLines.join('\n')).toContain('visible-id');
      expect(payloadLines.join('\n')).toContain('[1 values]');
      expect(logged.filter((l) => l.includes(MARKER) || l.includes(SECRET))).toEqual([]);
    } finally {
      await verbose.close();
    }
  });
});
