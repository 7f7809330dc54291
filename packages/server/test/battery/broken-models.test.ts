import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '@servable/core';
import { createServer, type Server } from '../../src/index.js';
import { createTestRepository, FIXTURES, type TestRepository } from '../support/test-repository.js';

const BROKEN = ['truncated', 'garbage', 'external_escape', 'external_absolute'];
const MUTANTS = 24;
const VALID = '{"inputs":[{"name":"x","datatype":"FP32","shape":[1,3],"data":[1,2,3]}]}';

let repo: TestRepository;
let server: Server;

/** A deterministic generator, so a failing mutant can be rebuilt from its index. */
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

beforeAll(async () => {
  repo = createTestRepository();
  repo.addVersion('add_one', '1', 'add_one.onnx');
  for (const name of BROKEN) repo.addVersion(name, '1', `broken/${name}.onnx`);
  const original = readFileSync(join(FIXTURES, 'add_one.onnx'));
  const random = mulberry32(20261128);
  for (let i = 0; i < MUTANTS; i++) {
    const bytes = Buffer.from(original);
    const flips = 1 + Math.floor(random() * 8);
    for (let f = 0; f < flips; f++) bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256);
    const folder = join(repo.root, `mutant_${i}`, '1');
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'model.onnx'), bytes);
  }
  // A manifest that points outside its folder, at a perfectly loadable model: loading it would prove a read outside.
  const outside = join(repo.root, 'outside.onnx');
  copyFileSync(join(FIXTURES, 'add_one.onnx'), outside);
  const escape = join(repo.root, 'escape', '1');
  mkdirSync(escape, { recursive: true });
  writeFileSync(join(escape, 'servable.json'), JSON.stringify({ schemaVersion: 1, name: 'escape', version: '1', format: 'onnx', file: '../../outside.onnx' }));
  const absolute = join(repo.root, 'absolute', '1');
  mkdirSync(absolute, { recursive: true });
  writeFileSync(join(absolute, 'servable.json'), JSON.stringify({ schemaVersion: 1, name: 'absolute', version: '1', format: 'onnx', file: outside }));
  const lying = join(repo.root, 'lying_hash', '1');
  mkdirSync(lying, { recursive: true });
  copyFileSync(join(FIXTURES, 'add_one.onnx'), join(lying, 'model.onnx'));
  writeFileSync(join(lying, 'servable.json'), JSON.stringify({ schemaVersion: 1, name: 'lying_hash', version: '1', format: 'onnx', file: 'model.onnx', sha256: sha256Hex(new Uint8Array(Buffer.from('other bytes'))) }));
  server = await createServer({ repository: repo.root, inProcess: true, batching: false });
}, 120_000);

afterAll(async () => {
  await server?.close();
  repo?.remove();
});

describe('malformed and malicious model files in the repository', () => {
  it('start the server; the good model is ready and correct', async () => {
    expect((await server.fastify.inject({ method: 'GET', url: '/v2/health/live' })).statusCode).toBe(200);
    expect(server.registry.isReady('add_one')).toBe(true);
    const r = await server.fastify.inject({ method: 'POST', url: '/v2/models/add_one/infer', payload: VALID, headers: { 'content-type': 'application/json' } });
    expect(r.json().outputs[0].data).toEqual([2, 3, 4]);
  });

  it.each([...BROKEN, 'escape', 'absolute', 'lying_hash'])('%s is not ready, and answers 503 or 404 without host paths', async (name) => {
    expect(server.registry.isReady(name)).toBe(false);
    const ready = await server.fastify.inject({ method: 'GET', url: `/v2/models/${name}/ready` });
    expect([404, 503]).toContain(ready.statusCode);
    const infer = await server.fastify.inject({ method: 'POST', url: `/v2/models/${name}/infer`, payload: VALID, headers: { 'content-type': 'application/json' } });
    expect([404, 503]).toContain(infer.statusCode);
    expect(JSON.parse(infer.body).error).toContain(name);
    expect(infer.body).not.toContain(repo.root);
    expect(infer.body).not.toMatch(/root:x:0:0/);
  });

  it(`survives ${MUTANTS} randomly mutated copies of a model, whatever each one does`, async () => {
    const outcomes: Record<string, number> = {};
    for (let i = 0; i < MUTANTS; i++) {
      const r = await server.fastify.inject({ method: 'POST', url: `/v2/models/mutant_${i}/infer`, payload: VALID, headers: { 'content-type': 'application/json' } });
      outcomes[r.statusCode] = (outcomes[r.statusCode] ?? 0) + 1;
      expect(r.body).not.toContain(repo.root);
    }
    expect(Object.values(outcomes).reduce((a, b) => a + b, 0)).toBe(MUTANTS);
    const r = await server.fastify.inject({ method: 'POST', url: '/v2/models/add_one/infer', payload: VALID, headers: { 'content-type': 'application/json' } });
    expect(r.json().outputs[0].data).toEqual([2, 3, 4]);
    expect((await server.fastify.inject({ method: 'GET', url: '/v2/health/live' })).statusCode).toBe(200);
  });
});
