import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from '../src/index.js';
import { expectOipError, expectOipSchema } from './support/oip-schema.js';
import { createTestRepository, type TestRepository } from './support/test-repository.js';

let repo: TestRepository;
let server: Server;
let url: string;

beforeAll(async () => {
  repo = createTestRepository();
  repo.addVersion('add_one', '1', 'add_one.onnx');
  repo.addVersion('multi_io', '1', 'multi_io.onnx');
  repo.addVersion('identity_string', '1', 'identity_string.onnx');
  server = await createServer({ repository: repo.root, inProcess: true, port: 0, bodyLimit: 256 * 1024, maxJsonDepth: 16 });
  url = await server.listen();
});

afterAll(async () => {
  await server.close();
  repo.remove();
});

/** Sends raw bytes with node:http so that no Content-Type is added. */
function send(path: string, body: Buffer, headers: Record<string, string>): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${url}${path}`, { method: 'POST', headers: { 'content-length': String(body.length), ...headers } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

function binaryRequest(header: object, ...tensors: Buffer[]): { body: Buffer; headerLength: number } {
  const json = Buffer.from(JSON.stringify(header));
  return { body: Buffer.concat([json, ...tensors]), headerLength: json.length };
}

function splitResponse(r: { headers: Record<string, string | string[] | undefined>; body: Buffer }): { json: Record<string, unknown>; rest: Buffer } {
  const n = Number(r.headers['inference-header-content-length']);
  return { json: JSON.parse(r.body.subarray(0, n).toString('utf8')) as Record<string, unknown>, rest: r.body.subarray(n) };
}

describe('binary tensor data extension', () => {
  it('round-trips raw FP32 in and out without a Content-Type', async () => {
    const input = Buffer.from(new Float32Array([1, 2, 3, 4, 5, 6]).buffer);
    const { body, headerLength } = binaryRequest(
      { id: 'bin', inputs: [{ name: 'x', shape: [2, 3], datatype: 'FP32', parameters: { binary_data_size: input.length } }], outputs: [{ name: 'y', parameters: { binary_data: true } }] },
      input,
    );
    const r = await send('/v2/models/add_one/infer', body, { 'inference-header-content-length': String(headerLength) });
    expect(r.status, r.body.toString()).toBe(200);
    expect(r.headers['content-type']).toMatch(/application\/octet-stream/);
    const { json, rest } = splitResponse(r);
    expect(json).toMatchObject({ id: 'bin', model_name: 'add_one', outputs: [{ name: 'y', datatype: 'FP32', shape: [2, 3], parameters: { binary_data_size: 24 } }] });
    expect(Array.from(new Float32Array(new Uint8Array(rest).buffer))).toEqual([2, 3, 4, 5, 6, 7]);
  });

  it('mixes binary and JSON inputs and honours binary_data_output per request and per output', async () => {
    const ids = Buffer.from(new BigInt64Array([10n, -20n, 30n]).buffer);
    const mask = Buffer.from([1, 0, 1]);
    const h = Buffer.from(new Uint16Array([0x3800, 0x4000]).buffer);
    const { body, headerLength } = binaryRequest(
      {
        parameters: { binary_data_output: true },
        inputs: [
          { name: 'a', shape: [1, 4], datatype: 'FP32', data: [1, 1, 1, 1] },
          { name: 'ids', shape: [1, 3], datatype: 'INT64', parameters: { binary_data_size: ids.length } },
          { name: 'mask', shape: [1, 3], datatype: 'BOOL', parameters: { binary_data_size: mask.length } },
          { name: 'h', shape: [1, 2], datatype: 'FP16', parameters: { binary_data_size: h.length } },
        ],
        outputs: [{ name: 'total', parameters: { binary_data: false } }, { name: 'ids_next' }, { name: 'mask_not' }, { name: 'h_twice' }],
      },
      ids,
      mask,
      h,
    );
    const r = await send('/v2/models/multi_io/infer', body, { 'inference-header-content-length': String(headerLength), 'content-type': 'application/octet-stream' });
    expect(r.status, r.body.toString()).toBe(200);
    const { json, rest } = splitResponse(r);
    const outputs = json.outputs as { name: string; data?: unknown[]; parameters?: { binary_data_size: number } }[];
    expect(outputs[0]).toEqual({ name: 'total', datatype: 'FP32', shape: [1, 1], data: [6.5] });
    expect(outputs.slice(1).map((o) => o.parameters?.binary_data_size)).toEqual([24, 3, 4]);
    const bytes = new Uint8Array(rest);
    expect(Array.from(new BigInt64Array(bytes.slice(0, 24).buffer))).toEqual([11n, -19n, 31n]);
    expect(Array.from(bytes.slice(24, 27))).toEqual([0, 1, 0]);
    expect(Array.from(new Uint16Array(bytes.slice(27, 31).buffer))).toEqual([0x3c00, 0x4400]);
  });

  it('round-trips BYTES as length-prefixed elements', async () => {
    const parts = ['a', 'héllo'].map((s) => Buffer.from(s));
    const raw = Buffer.concat(parts.flatMap((p) => [Buffer.from(new Uint32Array([p.length]).buffer), p]));
    const { body, headerLength } = binaryRequest(
      { inputs: [{ name: 'x', shape: [1, 2], datatype: 'BYTES', parameters: { binary_data_size: raw.length } }], outputs: [{ name: 'y', parameters: { binary_data: true } }] },
      raw,
    );
    const r = await send('/v2/models/identity_string/infer', body, { 'inference-header-content-length': String(headerLength) });
    expect(r.status, r.body.toString()).toBe(200);
    expect(splitResponse(r).rest.equals(raw)).toBe(true);
  });

  it('answers JSON when no output is binary', async () => {
    const input = Buffer.from(new Float32Array([1]).buffer);
    const { body, headerLength } = binaryRequest({ inputs: [{ name: 'x', shape: [1, 1], datatype: 'FP32', parameters: { binary_data_size: 4 } }] }, input);
    const r = await send('/v2/models/add_one/infer', body, { 'inference-header-content-length': String(headerLength) });
    expect(r.status).toBe(200);
    expectOipSchema('inference_response', r.body.toString());
  });

  it.each([
    ['sizes that do not add up', 8, 4, /binary_data_size: expected a byte count within/],
    ['a binary part longer than declared', 4, 8, /binary_data_size values must add up/],
    ['a size that does not fit the shape', 4, 4, /expected 8 bytes \(2 × float32\), got 4/],
  ])('refuses %s with 400', async (_name, declared, sent, message) => {
    const shape = _name === 'a size that does not fit the shape' ? [1, 2] : [1, 1];
    const { body, headerLength } = binaryRequest({ inputs: [{ name: 'x', shape, datatype: 'FP32', parameters: { binary_data_size: declared } }] }, Buffer.alloc(sent));
    const r = await send('/v2/models/add_one/infer', body, { 'inference-header-content-length': String(headerLength) });
    expect(r.status).toBe(400);
    expect(expectOipError(r.body.toString())).toMatch(message);
  });

  it('refuses a header length beyond the body with 400', async () => {
    const r = await send('/v2/models/add_one/infer', Buffer.from('{}'), { 'inference-header-content-length': '99' });
    expect(r.status).toBe(400);
    expect(expectOipError(r.body.toString())).toMatch(/Inference-Header-Content-Length/);
  });
});

describe('limits', () => {
  it('answers 413 for a body over the limit', async () => {
    const big = Buffer.alloc(300 * 1024, 0x20);
    const r = await send('/v2/models/add_one/infer', big, { 'content-type': 'application/json' });
    expect(r.status).toBe(413);
    expectOipError(r.body.toString());
  });

  it('refuses deep nesting before parsing, without a stack overflow', async () => {
    const deep = Buffer.from(`{"inputs":${'['.repeat(100_000)}${']'.repeat(100_000)}}`);
    const r = await send('/v2/models/add_one/infer', deep, { 'content-type': 'application/json' });
    expect(r.status).toBe(400);
    expect(expectOipError(r.body.toString())).toMatch(/nested at most 16 levels/);
    const simple = await send('/v1/models/add_one:predict', deep, { 'content-type': 'application/json' });
    expect(simple.status).toBe(400);
  });

  it.each([
    ['negative', [-1, 3]],
    ['fractional', [1.5, 2]],
    ['huge', [1, 2 ** 40]],
    ['overflowing', [2 ** 30, 2 ** 30, 2 ** 30]],
    ['not numbers', ['1', 3]],
  ])('refuses %s dimensions with 400 before allocating', async (_name, shape) => {
    const r = await fetch(`${url}/v2/models/add_one/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ inputs: [{ name: 'x', shape, datatype: 'FP32', data: [1, 2, 3] }] }),
    });
    expect(r.status).toBe(400);
    expectOipError(await r.text());
  });

  it('refuses a huge binary shape with 400 before reading the data', async () => {
    const { body, headerLength } = binaryRequest({ inputs: [{ name: 'x', shape: [4096, 4096, 4096], datatype: 'FP32', parameters: { binary_data_size: 4 } }] }, Buffer.alloc(4));
    const r = await send('/v2/models/add_one/infer', body, { 'inference-header-content-length': String(headerLength) });
    expect(r.status).toBe(400);
    expect(expectOipError(r.body.toString())).toMatch(/expected at most \d+ elements/);
  });
});
