import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createServer, selectVersions, type Server } from '../src/index.js';
import { expectOipError, expectOipSchema } from './support/oip-schema.js';
import { FIXTURES, createTestRepository, workerRuntime, type TestRepository } from './support/test-repository.js';

let repo: TestRepository;
let server: Server | undefined;

beforeEach(() => {
  repo = createTestRepository();
});

afterEach(async () => {
  await server?.close();
  server = undefined;
  repo.remove();
});

function infer(s: Server, model: string, version?: string) {
  return s.fastify.inject({
    method: 'POST',
    url: version ? `/v2/models/${model}/versions/${version}/infer` : `/v2/models/${model}/infer`,
    payload: { inputs: [{ name: 'x', shape: [1, 2], datatype: 'FP32', data: [1, 2] }] },
  });
}

async function until(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 400; i++) {
    if (await condition()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`gave up waiting for ${what}`);
}

describe('version policy', () => {
  it('selects the newest N, all, or specific versions, ordering numbers by value', () => {
    const available = ['1', '10', '2', '3'];
    expect(selectVersions(available)).toEqual(['10']);
    expect(selectVersions(available, { latest: 2 })).toEqual(['3', '10']);
    expect(selectVersions(available, 'all')).toEqual(['1', '2', '3', '10']);
    expect(selectVersions(available, { specific: [2, '10', 7] })).toEqual(['2', '10']);
    expect(() => selectVersions(available, { latest: 0 })).toThrow(/versionPolicy.latest: expected an integer ≥ 1, got 0/);
  });

  it('serves what config.json asks for, and a folder holding only model.onnx', async () => {
    repo.addVersion('add_one', '1', 'add_one.onnx');
    repo.addVersion('add_one', '2', 'add_one.onnx');
    repo.addVersion('add_one', '3', 'add_one.onnx');
    repo.writeConfig('add_one', { versionPolicy: { specific: ['1', '3'] }, batching: false });
    server = await createServer({ repository: repo.root, inProcess: true });
    expect(server.registry.versions('add_one').map((v) => `${v.version}:${v.state}`)).toEqual(['1:READY', '3:READY']);
    expect(server.registry.get('add_one').predictor!.batcher).toBeUndefined();
    expect((await infer(server, 'add_one')).json().model_version).toBe('3');
    expect((await infer(server, 'add_one', '1')).json().model_version).toBe('1');
    expect((await infer(server, 'add_one', '2')).statusCode).toBe(404);
  });

  it('lets the models option win over config.json', async () => {
    repo.addVersion('add_one', '1', 'add_one.onnx');
    repo.addVersion('add_one', '2', 'add_one.onnx');
    repo.writeConfig('add_one', { versionPolicy: 'all' });
    server = await createServer({ repository: repo.root, inProcess: true, models: { add_one: { versionPolicy: { latest: 1 } } } });
    expect(server.registry.versions('add_one').map((v) => v.version)).toEqual(['2']);
  });

  it('serves a model named in options from a path outside any repository', async () => {
    const folder = repo.addVersion('elsewhere', '7', 'add_one.onnx');
    server = await createServer({ models: { adder: { path: folder } }, inProcess: true });
    const r = await infer(server, 'adder');
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toMatchObject({ model_name: 'adder', model_version: '1' });
    expect(server.registry.modelNames()).toEqual(['adder']);
  });

  it('names the unknown runtime in the load error', async () => {
    repo.addVersion('add_one', '1', 'add_one.onnx');
    server = await createServer({ repository: repo.root, inProcess: true, runtimes: ['onnx-nod'] });
    const meta = await server.fastify.inject({ method: 'GET', url: '/v2/models/add_one' });
    expect(meta.statusCode).toBe(503);
    expect(expectOipError(meta.body)).toMatch(/runtime "onnx-nod": expected one of "onnx-node\[:device\]"/);
  });

  it('refuses to start without a repository or models', async () => {
    await expect(createServer({})).rejects.toThrow(/expected a repository folder or models with a path, got neither/);
  });

  it('refuses a config.json with an unknown key and says which', async () => {
    repo.addVersion('add_one', '1', 'add_one.onnx');
    repo.writeConfig('add_one', { batchSize: 8 });
    server = await createServer({ repository: repo.root, inProcess: true });
    const r = await infer(server, 'add_one');
    expect(r.statusCode).toBe(503);
    expect(expectOipError(r.body)).toMatch(/got "batchSize"/);
  });
});

describe('failed loads', () => {
  it('keeps version 1 serving when version 2 fails to load, and reports why', async () => {
    repo.addVersion('add_one', '1', 'add_one.onnx');
    server = await createServer({ repository: repo.root, inProcess: true });
    repo.addVersion('add_one', '2', 'broken/garbage.onnx');
    await server.registry.scan();
    expect(server.registry.versions('add_one').map((v) => `${v.version}:${v.state}`)).toEqual(['1:READY', '2:UNAVAILABLE']);
    const r = await infer(server, 'add_one');
    expect(r.statusCode).toBe(200);
    expect(r.json().model_version).toBe('1');
    const meta = await server.fastify.inject({ method: 'GET', url: '/v2/models/add_one' });
    expectOipSchema('metadata_model_response', meta.body);
    expect(meta.json().properties['load_error.2']).toMatch(/onnx-node/);
    const pinned = await infer(server, 'add_one', '2');
    expect(pinned.statusCode).toBe(503);
    expect(expectOipError(pinned.body)).toMatch(/version "2": expected a ready version, got UNAVAILABLE/);
    expect((await server.fastify.inject({ method: 'GET', url: '/v2/health/ready' })).statusCode).toBe(200);
  });

  it('falls back to the newest version that loads at start-up', async () => {
    repo.addVersion('add_one', '1', 'add_one.onnx');
    repo.addVersion('add_one', '2', 'broken/truncated.onnx');
    server = await createServer({ repository: repo.root, inProcess: true });
    expect((await infer(server, 'add_one')).json().model_version).toBe('1');
    await server.registry.scan();
    expect(server.registry.versions('add_one').map((v) => `${v.version}:${v.state}`)).toEqual(['1:READY', '2:UNAVAILABLE']);
  });

  it('is not ready when a model has no version that loads', async () => {
    repo.addVersion('bad', '1', 'broken/truncated.onnx');
    server = await createServer({ repository: repo.root, inProcess: true });
    const ready = await server.fastify.inject({ method: 'GET', url: '/v2/health/ready' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toEqual({ ready: false });
    const model = await server.fastify.inject({ method: 'GET', url: '/v2/models/bad/ready' });
    expect(model.statusCode).toBe(503);
    expect(model.json()).toEqual({ name: 'bad', ready: false });
  });
});

describe('reload', () => {
  it('serves a new version added under traffic without failing a request (worker threads, polling)', async () => {
    repo.addVersion('add_one', '1', 'add_one.onnx');
    server = await createServer({ repository: repo.root, runtimes: [await workerRuntime()], pollIntervalMs: 50 });
    const s = server;
    const statuses: number[] = [];
    const versions = new Set<string>();
    let stop = false;
    const lane = async () => {
      while (!stop) {
        const r = await infer(s, 'add_one');
        statuses.push(r.statusCode);
        if (r.statusCode === 200) versions.add(r.json().model_version);
      }
    };
    const lanes = Array.from({ length: 4 }, lane);
    await until(() => statuses.length > 20, 'traffic');
    repo.addVersion('add_one', '2', 'add_one.onnx');
    await until(() => versions.has('2'), 'version 2 to serve');
    await until(() => s.registry.versions('add_one').every((v) => v.version === '2'), 'version 1 to unload');
    const after = statuses.length;
    await until(() => statuses.length > after + 20, 'traffic on version 2');
    stop = true;
    await Promise.all(lanes);
    expect(statuses.filter((c) => c !== 200)).toEqual([]);
    expect([...versions].sort()).toEqual(['1', '2']);
  });

  it('reloads a version whose files changed, serving the old files until the new ones are ready', async () => {
    repo.addVersion('add_one', '1', 'add_one.onnx');
    server = await createServer({ repository: repo.root, inProcess: true });
    expect((await infer(server, 'add_one')).json().outputs[0].data).toEqual([2, 3]);
    cpSync(join(FIXTURES, 'broken/garbage.onnx'), join(repo.root, 'add_one', '1', 'model.onnx'));
    await server.registry.scan();
    expect((await infer(server, 'add_one')).json().outputs[0].data).toEqual([2, 3]);
    expect(server.registry.get('add_one').error).toMatch(/reload failed, the earlier files keep serving/);
    cpSync(join(FIXTURES, 'identity_float32.onnx'), join(repo.root, 'add_one', '1', 'model.onnx'));
    await server.registry.scan();
    expect((await infer(server, 'add_one')).json().outputs[0].data).toEqual([1, 2]);
    expect(server.registry.get('add_one').error).toBeUndefined();
  });

  it('loads and unloads through the admin routes, which are off by default', async () => {
    repo.addVersion('add_one', '1', 'add_one.onnx');
    server = await createServer({ repository: repo.root, inProcess: true });
    expect((await server.fastify.inject({ method: 'POST', url: '/v2/repository/index' })).statusCode).toBe(404);
    await server.close();
    server = await createServer({ repository: repo.root, inProcess: true, admin: true });
    const unload = await server.fastify.inject({ method: 'POST', url: '/v2/repository/models/add_one/unload' });
    expect(unload.statusCode).toBe(200);
    expect((await infer(server, 'add_one')).statusCode).toBe(503);
    cpSync(join(FIXTURES, 'add_one.onnx'), join(repo.root, 'add_one', '1', 'model.onnx'));
    repo.addVersion('add_one', '2', 'add_one.onnx');
    const index = await server.fastify.inject({ method: 'POST', url: '/v2/repository/index' });
    expect(index.json()).toEqual([{ name: 'add_one', state: 'UNAVAILABLE', reason: 'unloaded' }]);
    const load = await server.fastify.inject({ method: 'POST', url: '/v2/repository/models/add_one/load' });
    expect(load.statusCode).toBe(200);
    expect((await infer(server, 'add_one')).json().model_version).toBe('2');
    const after = await server.fastify.inject({ method: 'POST', url: '/v2/repository/index' });
    expect(after.json()).toEqual([{ name: 'add_one', version: '2', state: 'READY' }]);
    const missing = await server.fastify.inject({ method: 'POST', url: '/v2/repository/models/nope/load' });
    expect(missing.statusCode).toBe(404);
    expectOipError(missing.body);
  });
});

describe('close', () => {
  it('turns readiness off, drains in-flight requests, then unloads', async () => {
    repo.addVersion('add_one', '1', 'add_one.onnx');
    server = await createServer({ repository: repo.root, runtimes: [await workerRuntime()], batching: { maxQueueDelayMs: 50 } });
    const s = server;
    const inFlight = Array.from({ length: 10 }, () => infer(s, 'add_one'));
    await new Promise((r) => setTimeout(r, 5));
    const closing = s.close();
    const ready = await s.fastify.inject({ method: 'GET', url: '/v2/health/ready' }).catch(() => undefined);
    if (ready) expect(ready.statusCode).toBe(503);
    const answers = await Promise.all(inFlight);
    await closing;
    expect(answers.map((a) => a.statusCode)).toEqual(Array(10).fill(200));
    expect(s.registry.versions('add_one')).toEqual([]);
    server = undefined;
  });
});
