import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModel, type Model, type Tensor } from '@servable/core';
import { onnxNode } from '@servable/runtime-node';
import { createServer, type Server } from '../../src/index.js';
import { createTestRepository, FIXTURES, type TestRepository } from '../support/test-repository.js';

/**
 * Property-based requests, 10,000 in all per run (the counts below add up to it). Invalid
 * requests may only be refused with 400, 404 or 413; valid ones must match a direct run of the
 * same model bit for bit.
 */
const RUNS = { validAddOne: 2000, validIdentity: 1000, badTensors: 3000, badBodies: 2000, badNames: 1000, badBinary: 1000 } as const;
const REFUSALS = [400, 404, 413];

const IDENTITIES = [
  { dtype: 'float32', datatype: 'FP32', value: fc.float({ noNaN: true, noDefaultInfinity: true }).map((v) => (Object.is(v, -0) ? 0 : v)) },
  { dtype: 'float64', datatype: 'FP64', value: fc.double({ noNaN: true, noDefaultInfinity: true }).map((v) => (Object.is(v, -0) ? 0 : v)) },
  { dtype: 'int32', datatype: 'INT32', value: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }) },
  { dtype: 'int64', datatype: 'INT64', value: fc.maxSafeInteger() },
  { dtype: 'uint8', datatype: 'UINT8', value: fc.integer({ min: 0, max: 255 }) },
  { dtype: 'bool', datatype: 'BOOL', value: fc.boolean() },
  { dtype: 'string', datatype: 'BYTES', value: fc.string({ maxLength: 12, unit: 'grapheme' }) },
] as const;

const DATATYPES = ['BOOL', 'UINT8', 'UINT16', 'UINT32', 'UINT64', 'INT8', 'INT16', 'INT32', 'INT64', 'FP16', 'FP32', 'FP64', 'BYTES'];

let repo: TestRepository;
let server: Server;
const direct = new Map<string, Model>();
let statusCounts: Record<number, number> = {};

beforeAll(async () => {
  repo = createTestRepository();
  repo.addVersion('add_one', '1', 'add_one.onnx');
  for (const { dtype } of IDENTITIES) repo.addVersion(`identity_${dtype}`, '1', `identity_${dtype}.onnx`);
  server = await createServer({ repository: repo.root, inProcess: true, batching: false, bodyLimit: 256 * 1024, maxElements: 1 << 20 });
  for (const name of ['add_one', ...IDENTITIES.map((i) => `identity_${i.dtype}`)]) {
    direct.set(name, await loadModel(join(FIXTURES, `${name}.onnx`), { runtimes: [onnxNode()] }));
  }
}, 120_000);

afterAll(async () => {
  await server?.close();
  for (const m of direct.values()) await m.dispose();
  repo?.remove();
  console.log(`battery property requests: ${Object.values(statusCounts).reduce((a, b) => a + b, 0)} requests, statuses ${JSON.stringify(statusCounts)}`);
});

async function send(url: string, payload: string | Buffer, headers: Record<string, string> = { 'content-type': 'application/json' }) {
  const r = await server.fastify.inject({ method: 'POST', url, payload, headers });
  statusCounts[r.statusCode] = (statusCounts[r.statusCode] ?? 0) + 1;
  return r;
}

function expectRefused(r: { statusCode: number; body: string }, what: unknown): void {
  if (!REFUSALS.includes(r.statusCode)) throw new Error(`expected 400/404/413, got ${r.statusCode} ${r.body.slice(0, 200)} for ${JSON.stringify(what)?.slice(0, 300)}`);
  const body = JSON.parse(r.body) as { error?: unknown };
  if (typeof body.error !== 'string' || body.error.length === 0) throw new Error(`expected {"error": "..."} with the refusal, got ${r.body.slice(0, 200)}`);
}

const dims = fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 6 }));

describe('valid requests are bit-exact against a direct run', () => {
  it(`add_one: ${RUNS.validAddOne} random float32 batches`, async () => {
    await fc.assert(
      fc.asyncProperty(
        dims.chain(([b, n]) => fc.tuple(fc.constant([b, n]), fc.array(fc.float({ noNaN: true, min: Math.fround(-1e30), max: Math.fround(1e30) }), { minLength: b * n, maxLength: b * n }), fc.string({ maxLength: 8 }))),
        async ([shape, values, id]) => {
          const x = Float32Array.from(values);
          const r = await send('/v2/models/add_one/infer', JSON.stringify({ id, inputs: [{ name: 'x', datatype: 'FP32', shape, data: Array.from(x) }] }));
          expect(r.statusCode, r.body).toBe(200);
          const body = r.json() as { id: string; outputs: { name: string; datatype: string; shape: number[]; data: number[] }[] };
          expect(body.id).toBe(id);
          const expected = (await direct.get('add_one')!.run({ x: { dtype: 'float32', shape, data: x } as Tensor })).y!;
          expect(body.outputs[0]!.shape).toEqual(shape);
          const got = Float32Array.from(body.outputs[0]!.data);
          expect(Buffer.from(got.buffer).equals(Buffer.from((expected.data as Float32Array).buffer, (expected.data as Float32Array).byteOffset, got.byteLength))).toBe(true);
        },
      ),
      { numRuns: RUNS.validAddOne },
    );
  });

  it(`identity models of 7 dtypes: ${RUNS.validIdentity} random tensors`, async () => {
    const arbitrary = fc.oneof(
      ...IDENTITIES.map((spec) =>
        dims.chain(([b, n]) => fc.record({ spec: fc.constant(spec), shape: fc.constant([b, n]), data: fc.array(spec.value as fc.Arbitrary<unknown>, { minLength: b * n, maxLength: b * n }) })),
      ),
    );
    await fc.assert(
      fc.asyncProperty(arbitrary, async ({ spec, shape, data }) => {
        const name = `identity_${spec.dtype}`;
        const r = await send(`/v2/models/${name}/infer`, JSON.stringify({ inputs: [{ name: 'x', datatype: spec.datatype, shape, data }] }));
        expect(r.statusCode, r.body).toBe(200);
        const out = (r.json() as { outputs: { data: unknown[]; datatype: string }[] }).outputs[0]!;
        expect(out.datatype).toBe(spec.datatype);
        const feed = spec.dtype === 'int64' ? BigInt64Array.from(data as number[], (v) => BigInt(v)) : spec.dtype === 'bool' ? Uint8Array.from(data as boolean[], (v) => (v ? 1 : 0)) : spec.dtype === 'string' ? (data as string[]) : spec.dtype === 'float32' ? Float32Array.from(data as number[]) : spec.dtype === 'float64' ? Float64Array.from(data as number[]) : spec.dtype === 'int32' ? Int32Array.from(data as number[]) : Uint8Array.from(data as number[]);
        const expected = (await direct.get(name)!.run({ x: { dtype: spec.dtype, shape, data: feed } as Tensor })).y!;
        const expectedJson = Array.from(expected.data as ArrayLike<unknown>, (v) => (typeof v === 'bigint' ? Number(v) : spec.dtype === 'bool' ? v === 1 : v));
        expect(out.data).toEqual(expectedJson);
      }),
      { numRuns: RUNS.validIdentity },
    );
  });
});

describe('invalid requests are refused with 400, 404 or 413, never a 5xx', () => {
  const badShape = fc.oneof(
    fc.array(fc.integer({ min: -5, max: -1 }), { minLength: 1, maxLength: 3 }),
    fc.constant([2 ** 63, 1]),
    fc.constant([1, 2 ** 63]),
    fc.constant([2 ** 53 + 2, 2]),
    fc.constant([65536, 65536]),
    fc.array(fc.integer({ min: 1, max: 2 }), { minLength: 9, maxLength: 9 }),
    fc.constant([0, 3]),
    fc.constant([]),
    fc.array(fc.oneof(fc.double(), fc.string({ maxLength: 3 }), fc.constant(null), fc.boolean()), { minLength: 1, maxLength: 3 }),
    fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.object()),
  );
  const badData = fc.oneof(
    fc.array(fc.string({ maxLength: 4 }), { maxLength: 6 }),
    fc.array(fc.oneof(fc.constant(null), fc.boolean(), fc.object({ maxDepth: 1 })), { maxLength: 6 }),
    fc.array(fc.array(fc.double(), { maxLength: 3 }), { maxLength: 3 }),
    fc.array(fc.double(), { maxLength: 40 }),
    fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.object({ maxDepth: 1 })),
  );
  /** Dimensions of a regular nesting, or undefined when it is ragged (rows of unequal lengths, arrays beside values). */
  const nestingShape = (v: unknown): number[] | undefined => {
    if (!Array.isArray(v)) return [];
    if (v.length === 0) return [0];
    const inner = v.map(nestingShape);
    const first = inner[0];
    if (first === undefined || inner.some((s) => s === undefined || s.join() !== first.join())) return undefined;
    return [v.length, ...first];
  };
  /** Data the [1, 3] FP32 input accepts: a regular nesting of exactly 3 finite numbers (JSON turns NaN into null). */
  const isValidXData = (d: unknown): boolean => {
    const shape = Array.isArray(d) ? nestingShape(d) : undefined;
    if (!shape) return false;
    const flat = (d as unknown[]).flat(Infinity);
    return flat.length === 3 && flat.every((v) => typeof v === 'number' && Number.isFinite(v));
  };
  const badDatatype = fc.oneof(fc.constantFrom(...DATATYPES.filter((d) => d !== 'FP32'), 'fp32', 'FLOAT', '__proto__', 'constructor', ''), fc.string({ maxLength: 6 }), fc.integer(), fc.constant(null));
  const input = fc.record({ name: fc.constant('x'), datatype: fc.constant('FP32'), shape: fc.constant([1, 3]), data: fc.constant([1, 2, 3]) });

  it(`${RUNS.badTensors} requests with wrong dtypes, shapes, data, duplicates, missing or unknown inputs`, async () => {
    const request = fc.oneof(
      fc.record({ inputs: fc.tuple(input.chain((i) => badDatatype.map((datatype) => ({ ...i, datatype })))) }),
      fc.record({ inputs: fc.tuple(input.chain((i) => badShape.map((shape) => ({ ...i, shape, data: [1, 2, 3] })))) }),
      fc.record({ inputs: fc.tuple(input.chain((i) => badData.filter((d) => !isValidXData(d)).map((data) => ({ ...i, data })))) }),
      fc.record({ inputs: fc.tuple(input, input) }),
      fc.record({ inputs: fc.constant([]) }),
      fc.record({ inputs: fc.tuple(input.chain((i) => fc.oneof(fc.constantFrom('y', 'X', '__proto__', 'constructor', ''), fc.string({ maxLength: 5 }).filter((s) => s !== 'x')).map((name) => ({ ...i, name })))) }),
      fc.record({ inputs: fc.tuple(input.map(({ data: _data, ...rest }) => rest)) }),
      fc.record({ inputs: fc.tuple(input), outputs: fc.constant([{ name: 'nope' }]) }),
      fc.record({ inputs: fc.tuple(input), id: fc.oneof(fc.integer(), fc.object({ maxDepth: 1 })) }),
    );
    await fc.assert(
      fc.asyncProperty(request, async (body) => {
        const zeroSize = Array.isArray(body.inputs[0]?.shape) && body.inputs[0].shape[0] === 0;
        const r = await send('/v2/models/add_one/infer', JSON.stringify(body));
        if (zeroSize && r.statusCode === 200) return;
        expectRefused(r, body);
      }),
      { numRuns: RUNS.badTensors },
    );
  });

  it(`${RUNS.badBodies} malformed bodies: random JSON, invalid UTF-8, __proto__ keys, truncation`, async () => {
    const valid = '{"inputs":[{"name":"x","datatype":"FP32","shape":[1,3],"data":[1,2,3]}]}';
    const body = fc.oneof(
      fc.jsonValue({ maxDepth: 3 }).filter((v) => !(typeof v === 'object' && v !== null && !Array.isArray(v) && Array.isArray((v as { inputs?: unknown }).inputs))).map((v) => Buffer.from(JSON.stringify(v) ?? 'null')),
      fc.uint8Array({ minLength: 0, maxLength: 64 }).map((b) => Buffer.from(b)),
      fc.integer({ min: 1, max: valid.length - 1 }).map((n) => Buffer.from(valid.slice(0, n))),
      fc.uint8Array({ minLength: 1, maxLength: 4 }).map((b) => Buffer.concat([Buffer.from('{"inputs":[{"name":"x'), Buffer.from(b.map((v) => 0x80 | v)), Buffer.from('","datatype":"FP32","shape":[1,3],"data":[1,2,3]}]}')])),
      fc.constantFrom(
        '{"__proto__":{"inputs":[{"name":"x","datatype":"FP32","shape":[1,3],"data":[1,2,3]}]}}',
        '{"constructor":{"prototype":{"inputs":[]}},"inputs":{"__proto__":[]}}',
        '{"inputs":[{"__proto__":{"name":"x","datatype":"FP32","shape":[1,3],"data":[1,2,3]}}]}',
        '{"inputs":[{"name":"x","datatype":"FP32","shape":{"__proto__":[1,3]},"data":[1,2,3]}]}',
      ).map((s) => Buffer.from(s)),
    );
    await fc.assert(
      fc.asyncProperty(body, async (payload) => {
        const r = await send('/v2/models/add_one/infer', payload);
        expectRefused(r, payload.toString('latin1'));
      }),
      { numRuns: RUNS.badBodies },
    );
    expect(({} as Record<string, unknown>).inputs).toBeUndefined();
    expect(({} as Record<string, unknown>).name).toBeUndefined();
  });

  it(`${RUNS.badNames} unknown, traversing and odd model names and versions`, async () => {
    const name = fc.oneof(
      fc.constantFrom('..%2F..%2Fetc%2Fpasswd', '..%2Fadd_one', '%2E%2E%2F%2E%2E%2F', 'add_one%00', '__proto__', 'constructor', 'add_one%2F..%2F..', '%C0%AE%C0%AE%2F', '%FF%FE', 'add_one%20'),
      fc.string({ minLength: 1, maxLength: 12 }).map((s) => encodeURIComponent(s)).filter((s) => decodeURIComponent(s) !== 'add_one' && !decodeURIComponent(s).startsWith('identity_')),
    );
    const version = fc.oneof(fc.constant(undefined), fc.constantFrom('0', '-1', '99', '1.0', '..%2F1', '%00', '9007199254740993'));
    const valid = '{"inputs":[{"name":"x","datatype":"FP32","shape":[1,3],"data":[1,2,3]}]}';
    await fc.assert(
      fc.asyncProperty(name, version, fc.boolean(), async (n, v, realModel) => {
        const model = realModel && v !== undefined ? 'add_one' : n;
        const url = v === undefined ? `/v2/models/${model}/infer` : `/v2/models/${model}/versions/${v}/infer`;
        expectRefused(await send(url, valid), url);
      }),
      { numRuns: RUNS.badNames },
    );
  });

  it(`${RUNS.badBinary} binary-extension bodies with lying header lengths and sizes`, async () => {
    const arbitrary = fc.record({
      headerLength: fc.oneof(fc.integer({ min: -10, max: 400 }).map(String), fc.constantFrom('abc', '1e3', '9007199254740993', '')),
      size: fc.oneof(fc.integer({ min: -4, max: 40 }), fc.constant(2 ** 63), fc.string({ maxLength: 3 })),
      tail: fc.uint8Array({ maxLength: 40 }),
      datatype: fc.constantFrom('FP32', 'FP16', 'BYTES', 'INT64', 'BOOL'),
    });
    await fc.assert(
      fc.asyncProperty(arbitrary, async ({ headerLength, size, tail, datatype }) => {
        const head = Buffer.from(JSON.stringify({ inputs: [{ name: 'x', datatype, shape: [1, 3], parameters: { binary_data_size: size } }] }));
        const payload = Buffer.concat([head, Buffer.from(tail)]);
        const exact = Number(headerLength) === head.length && size === 12 && tail.length === 12 && datatype === 'FP32';
        const r = await send('/v2/models/add_one/infer', payload, { 'content-type': 'application/octet-stream', 'inference-header-content-length': headerLength });
        if (exact) expect(r.statusCode).toBe(200);
        else expectRefused(r, { headerLength, size, tail: tail.length, datatype });
      }),
      { numRuns: RUNS.badBinary },
    );
  });

  it('is still serving correctly afterwards', async () => {
    const r = await send('/v2/models/add_one/infer', '{"inputs":[{"name":"x","datatype":"FP32","shape":[1,3],"data":[1,2,3]}]}');
    expect(r.statusCode).toBe(200);
    expect(r.json().outputs[0].data).toEqual([2, 3, 4]);
    const total = Object.values(statusCounts).reduce((a, b) => a + b, 0);
    expect(total).toBeGreaterThanOrEqual(Object.values(RUNS).reduce((a, b) => a + b, 0));
    expect(Object.keys(statusCounts).filter((s) => Number(s) >= 500)).toEqual([]);
  });
});
