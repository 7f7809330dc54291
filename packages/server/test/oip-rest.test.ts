import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from '../src/index.js';
import { expectOipError, expectOipSchema } from './support/oip-schema.js';
import { createTestRepository, type TestRepository } from './support/test-repository.js';

const IDENTITY_CASES: { datatype: string; dtype: string; data: unknown[] }[] = [
  { datatype: 'BOOL', dtype: 'bool', data: [true, false, false, true] },
  { datatype: 'UINT8', dtype: 'uint8', data: [0, 1, 254, 255] },
  { datatype: 'UINT16', dtype: 'uint16', data: [0, 1, 65534, 65535] },
  { datatype: 'UINT32', dtype: 'uint32', data: [0, 1, 4294967294, 4294967295] },
  { datatype: 'UINT64', dtype: 'uint64', data: [0, 1, 2 ** 40, Number.MAX_SAFE_INTEGER] },
  { datatype: 'INT8', dtype: 'int8', data: [-128, -1, 0, 127] },
  { datatype: 'INT16', dtype: 'int16', data: [-32768, -1, 0, 32767] },
  { datatype: 'INT32', dtype: 'int32', data: [-2147483648, -1, 0, 2147483647] },
  { datatype: 'INT64', dtype: 'int64', data: [-Number.MAX_SAFE_INTEGER, -1, 0, 2 ** 50] },
  { datatype: 'FP16', dtype: 'float16', data: [0.5, -2, 1024, 0.25] },
  { datatype: 'FP32', dtype: 'float32', data: [0.5, -1.25, 2 ** 30, 0] },
  { datatype: 'FP64', dtype: 'float64', data: [0.1, -1e-300, 1e300, 2.5] },
  { datatype: 'BYTES', dtype: 'string', data: ['a', 'héllo', '', 'ünï ✓'] },
];

let repo: TestRepository;
let server: Server;

beforeAll(async () => {
  repo = createTestRepository();
  for (const c of IDENTITY_CASES) repo.addVersion(`identity_${c.dtype}`, '1', `identity_${c.dtype}.onnx`);
  repo.addVersion('multi_io', '1', 'multi_io.onnx');
  repo.addVersion('fixed_batch', '1', 'fixed_batch.onnx');
  repo.addVersion('add_one', '1', 'add_one.onnx');
  repo.addVersion('add_one', '2', 'add_one.onnx');
  server = await createServer({ repository: repo.root, inProcess: true, versionPolicy: 'all' });
});

afterAll(async () => {
  await server.close();
  repo.remove();
});

function post(url: string, payload: unknown) {
  return server.fastify.inject({ method: 'POST', url, payload: payload as object, headers: { 'content-type': 'application/json' } });
}

describe('health and metadata', () => {
  it('answers live and ready', async () => {
    const live = await server.fastify.inject({ method: 'GET', url: '/v2/health/live' });
    expect(live.statusCode).toBe(200);
    expect(live.json()).toEqual({ live: true });
    const ready = await server.fastify.inject({ method: 'GET', url: '/v2/health/ready' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ ready: true });
  });

  it('answers server metadata per the schema', async () => {
    for (const url of ['/v2', '/v2/']) {
      const r = await server.fastify.inject({ method: 'GET', url });
      expect(r.statusCode).toBe(200);
      expectOipSchema('metadata_server_response', r.body);
      expect(r.json().extensions).toContain('binary_tensor_data');
    }
  });

  it('answers model metadata for the newest version and for a named one', async () => {
    const r = await server.fastify.inject({ method: 'GET', url: '/v2/models/multi_io' });
    expect(r.statusCode).toBe(200);
    expectOipSchema('metadata_model_response', r.body);
    const m = r.json();
    expect(m.inputs.map((t: { name: string; datatype: string }) => `${t.name}:${t.datatype}`)).toEqual(['a:FP32', 'ids:INT64', 'mask:BOOL', 'h:FP16']);
    expect(m.inputs[0].shape).toEqual([-1, 4]);
    const v = await server.fastify.inject({ method: 'GET', url: '/v2/models/add_one/versions/1' });
    expect(v.statusCode).toBe(200);
    expectOipSchema('metadata_model_response', v.body);
    expect(v.json().versions).toEqual(['1', '2']);
    expect(v.json().properties.version).toBe('1');
  });

  it('answers model readiness, 404 for unknown models', async () => {
    const ok = await server.fastify.inject({ method: 'GET', url: '/v2/models/add_one/versions/2/ready' });
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({ name: 'add_one', ready: true });
    const plain = await server.fastify.inject({ method: 'GET', url: '/v2/models/add_one/ready' });
    expect(plain.statusCode).toBe(200);
    const unknown = await server.fastify.inject({ method: 'GET', url: '/v2/models/nope/ready' });
    expect(unknown.statusCode).toBe(404);
    expectOipError(unknown.body);
    const meta = await server.fastify.inject({ method: 'GET', url: '/v2/models/nope' });
    expect(meta.statusCode).toBe(404);
    expectOipSchema('metadata_model_error_response', meta.body);
  });
});

describe('infer with JSON data', () => {
  it.each(IDENTITY_CASES)('round-trips $datatype through identity_$dtype', async ({ datatype, dtype, data }) => {
    const r = await post(`/v2/models/identity_${dtype}/infer`, { id: `case-${datatype}`, inputs: [{ name: 'x', shape: [2, 2], datatype, data }] });
    expect(r.statusCode, r.body).toBe(200);
    expectOipSchema('inference_response', r.body);
    const body = r.json();
    expect(body.id).toBe(`case-${datatype}`);
    expect(body.model_name).toBe(`identity_${dtype}`);
    expect(body.outputs).toEqual([{ name: 'y', datatype, shape: [2, 2], data }]);
  });

  it('accepts nested data like flat data', async () => {
    const flat = await post('/v2/models/add_one/infer', { inputs: [{ name: 'x', shape: [2, 3], datatype: 'FP32', data: [1, 2, 3, 4, 5, 6] }] });
    const nested = await post('/v2/models/add_one/infer', { inputs: [{ name: 'x', shape: [2, 3], datatype: 'FP32', data: [[1, 2, 3], [4, 5, 6]] }] });
    expect(nested.statusCode).toBe(200);
    expect(nested.json().outputs).toEqual(flat.json().outputs);
    expect(flat.json().outputs[0].data).toEqual([2, 3, 4, 5, 6, 7]);
    expect(flat.json().model_version).toBe('2');
  });

  it('selects outputs and serves a named version', async () => {
    const r = await post('/v2/models/multi_io/versions/1/infer', {
      id: '42',
      parameters: { note: 'kept out of the answer' },
      inputs: [
        { name: 'a', shape: [1, 4], datatype: 'FP32', data: [1, 2, 3, 4] },
        { name: 'ids', shape: [1, 3], datatype: 'INT64', data: [7, 8, 9] },
        { name: 'mask', shape: [1, 3], datatype: 'BOOL', data: [true, false, true] },
        { name: 'h', shape: [1, 2], datatype: 'FP16', data: [0.5, 1.5] },
      ],
      outputs: [{ name: 'ids_next', parameters: { binary_data: false } }, { name: 'total' }],
    });
    expect(r.statusCode, r.body).toBe(200);
    expectOipSchema('inference_response', r.body);
    const body = r.json();
    expect(body.id).toBe('42');
    expect(body.model_version).toBe('1');
    expect(body.outputs).toEqual([
      { name: 'ids_next', datatype: 'INT64', shape: [1, 3], data: [8, 9, 10] },
      { name: 'total', datatype: 'FP32', shape: [1, 1], data: [12] },
    ]);
  });

  it('serves a model without a batch axis', async () => {
    const r = await post('/v2/models/fixed_batch/infer', { inputs: [{ name: 'x', shape: [1, 3], datatype: 'FP32', data: [1, 2, 3] }] });
    expect(r.statusCode).toBe(200);
    expect(r.json().outputs[0].data).toEqual([3, 5, 7]);
  });
});

describe('infer errors', () => {
  const cases: [string, string, unknown, number, RegExp][] = [
    ['unknown model', '/v2/models/nope/infer', { inputs: [] }, 404, /model "nope": expected one of/],
    ['unknown version', '/v2/models/add_one/versions/9/infer', { inputs: [{ name: 'x', shape: [1, 1], datatype: 'FP32', data: [1] }] }, 404, /version "9"/],
    ['unknown input', '/v2/models/add_one/infer', { inputs: [{ name: 'z', shape: [1, 1], datatype: 'FP32', data: [1] }] }, 400, /input "z": expected one of "x"/],
    ['missing input', '/v2/models/multi_io/infer', { inputs: [{ name: 'a', shape: [1, 4], datatype: 'FP32', data: [1, 2, 3, 4] }] }, 400, /input "ids": expected it/],
    ['wrong datatype', '/v2/models/add_one/infer', { inputs: [{ name: 'x', shape: [1, 1], datatype: 'FP64', data: [1] }] }, 400, /expected \[batch, n\] \(float32\), got datatype float64/],
    ['unknown datatype', '/v2/models/add_one/infer', { inputs: [{ name: 'x', shape: [1, 1], datatype: 'FLOAT', data: [1] }] }, 400, /datatype: expected one of BOOL/],
    ['wrong count', '/v2/models/add_one/infer', { inputs: [{ name: 'x', shape: [2, 2], datatype: 'FP32', data: [1, 2, 3] }] }, 400, /expected 4 elements for shape \[2, 2\], got 3/],
    ['wrong element', '/v2/models/add_one/infer', { inputs: [{ name: 'x', shape: [1, 2], datatype: 'FP32', data: [1, 'two'] }] }, 400, /data\[1\]: expected a float32 value/],
    ['integer out of range', '/v2/models/identity_uint8/infer', { inputs: [{ name: 'x', shape: [1, 1], datatype: 'UINT8', data: [256] }] }, 400, /expected a uint8 in \[0, 255\], got 256/],
    ['fixed dimension', '/v2/models/fixed_batch/infer', { inputs: [{ name: 'x', shape: [2, 3], datatype: 'FP32', data: [1, 2, 3, 4, 5, 6] }] }, 400, /dimension 0 must be 1/],
    ['wrong rank', '/v2/models/add_one/infer', { inputs: [{ name: 'x', shape: [3], datatype: 'FP32', data: [1, 2, 3] }] }, 400, /give 2 dimensions/],
    ['unknown output', '/v2/models/add_one/infer', { inputs: [{ name: 'x', shape: [1, 1], datatype: 'FP32', data: [1] }], outputs: [{ name: 'q' }] }, 400, /output "q"/],
    ['no inputs array', '/v2/models/add_one/infer', { input: [] }, 400, /"inputs": expected an array/],
  ];
  it.each(cases)('%s', async (_name, url, payload, status, message) => {
    const r = await post(url, payload);
    expect(r.statusCode).toBe(status);
    expect(expectOipError(r.body)).toMatch(message);
  });

  it('refuses a body that is not JSON with 400', async () => {
    const r = await server.fastify.inject({ method: 'POST', url: '/v2/models/add_one/infer', payload: '{"inputs": [', headers: { 'content-type': 'application/json' } });
    expect(r.statusCode).toBe(400);
    expect(expectOipError(r.body)).toMatch(/expected JSON/);
  });

  it('answers unknown routes with a JSON 404', async () => {
    const r = await server.fastify.inject({ method: 'GET', url: '/v3/nothing' });
    expect(r.statusCode).toBe(404);
    expectOipError(r.body);
  });
});
