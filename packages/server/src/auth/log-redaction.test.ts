import { Writable } from 'node:stream';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { loggerOptions, redactPayload, redactUrl, registerPayloadLogging } from './log-redaction.js';

const MARKER = 'MARKER-7f3c9b1e-do-not-log';
const KEY = 'api-key-secret-value-1234567890';

function captureStream(): { stream: Writable; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter((l) => l.length > 0));
      done();
    },
  });
  return { stream, lines };
}

async function appWithLogs(logPayloads: boolean) {
  const { stream, lines } = captureStream();
  const app = Fastify({ logger: { level: 'trace', stream, ...loggerOptions() } });
  registerPayloadLogging(app, { logPayloads });
  app.post('/v2/models/m/infer', async (request) => {
    request.log.info({ body: request.body, headers: request.headers }, 'a careless log call');
    return { outputs: [{ name: 'y', datatype: 'FP32', shape: [3], data: [1, 2, 3] }], echo: MARKER };
  });
  await app.ready();
  const r = await app.inject({
    method: 'POST',
    url: `/v2/models/m/infer?token=${MARKER}&batch=1`,
    headers: { 'content-type': 'application/json', 'x-api-key': KEY, authorization: `Bearer ${KEY}` },
    payload: JSON.stringify({ inputs: [{ name: 'x', datatype: 'BYTES', shape: [1], data: [MARKER] }], parameters: { password: MARKER } }),
  });
  expect(r.statusCode).toBe(200);
  await app.close();
  return lines;
}

describe('payload privacy in logs', () => {
  it('logs no body, no credential header and no secret query value by default, even from a careless log call', async () => {
    const lines = await appWithLogs(false);
    expect(lines.length).toBeGreaterThanOrEqual(3);
    expect(lines.some((l) => l.includes('a careless log call'))).toBe(true);
    expect(lines.some((l) => l.includes('"statusCode":200'))).toBe(true);
    for (const line of lines) {
      expect(line).not.toContain(MARKER);
      expect(line).not.toContain(KEY);
    }
    expect(lines.some((l) => l.includes('token=[redacted]&batch=1'))).toBe(true);
  });

  it('logs payloads only when opted in, with secrets masked and tensor data reduced to a count', async () => {
    const lines = await appWithLogs(true);
    const payloadLines = lines.filter((l) => l.includes('redactedPayload'));
    expect(payloadLines).toHaveLength(2);
    const request = JSON.parse(payloadLines[0]!) as { redactedPayload: { inputs: { data: string }[]; parameters: { password: string } } };
    expect(request.redactedPayload.inputs[0]!.data).toBe('[1 values]');
    expect(request.redactedPayload.parameters.password).toBe('[redacted]');
    const response = JSON.parse(payloadLines[1]!) as { redactedPayload: { outputs: { data: string; name: string }[]; echo: string } };
    expect(response.redactedPayload.outputs[0]).toMatchObject({ name: 'y', data: '[3 values]' });
    expect(response.redactedPayload.echo).toBe(MARKER);
    for (const line of lines) expect(line).not.toContain(KEY);
    expect(lines.filter((l) => l.includes(MARKER))).toHaveLength(1);
  });
});

describe('redactPayload', () => {
  it('masks secret-like keys at any depth, bounds arrays, strings and depth', () => {
    const deep: Record<string, unknown> = {};
    let cursor = deep;
    for (let i = 0; i < 20; i++) cursor = (cursor.next = {}) as Record<string, unknown>;
    const out = redactPayload({
      api_key: 'x',
      nested: { accessToken: 'y', Secret: 'z', list: [1, 2, 3], long: new Array(100).fill(0) },
      text: 'a'.repeat(1000),
      bytes: new Uint8Array(10),
      floats: new Float32Array(4),
      deep,
    }) as Record<string, unknown>;
    expect(out.api_key).toBe('[redacted]');
    expect(out.nested).toEqual({ accessToken: '[redacted]', Secret: '[redacted]', list: [1, 2, 3], long: '[100 values]' });
    expect((out.text as string).length).toBeLessThan(300);
    expect(out.bytes).toBe('[10 bytes]');
    expect(out.floats).toBe('[4 values]');
    expect(JSON.stringify(out.deep)).toContain('[nested]');
  });

  it('masks secret query values only', () => {
    expect(redactUrl('/x?api_key=abc&model=m&signature=zz')).toBe('/x?api_key=[redacted]&model=m&signature=[redacted]');
    expect(redactUrl('/v2/models/key/infer')).toBe('/v2/models/key/infer');
  });
});
