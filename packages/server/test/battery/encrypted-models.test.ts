import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDecryptor, encryptModelFolder, exportModelKey, generateModelKey, loadModel, ServableError } from '@servable/core';
import { onnxNode } from '@servable/runtime-node';
import { createServer, type Server } from '../../src/index.js';
import { createTestRepository, FIXTURES, workerRuntime, type TestRepository } from '../support/test-repository.js';

const VARIANTS = ['sealed', 'iv_flip', 'tag_flip', 'cipher_flip', 'truncated_tag'] as const;
const VALID = '{"inputs":[{"name":"x","datatype":"FP32","shape":[1,3],"data":[1,2,3]}]}';

let repo: TestRepository;
let server: Server;
const key = generateModelKey();
let keyText: { base64: string; hex: string };
const plaintext = readFileSync(join(FIXTURES, 'add_one.onnx'));

function snapshot(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else out[relative(root, path)] = createHash('sha256').update(readFileSync(path)).digest('hex');
    }
  };
  walk(root);
  return out;
}

let before: Record<string, string>;

beforeAll(async () => {
  keyText = { base64: (await exportModelKey(key, { encoding: 'base64' })).text, hex: (await exportModelKey(key, { encoding: 'hex' })).text };
  repo = createTestRepository();
  for (const variant of VARIANTS) {
    const folder = repo.addVersion(variant, '1', 'add_one.onnx', {});
    const { encryptedFile, manifest } = await encryptModelFolder(folder, { key, removePlaintext: true });
    const file = encryptedFile;
    const bytes = readFileSync(file);
    if (variant === 'tag_flip') bytes[bytes.length - 3]! ^= 0x10;
    if (variant === 'cipher_flip') bytes[17]! ^= 0x01;
    writeFileSync(file, variant === 'truncated_tag' ? bytes.subarray(0, bytes.length - 4) : bytes);
    if (variant === 'iv_flip') {
      const iv = Buffer.from(manifest.encryption!.iv, 'base64');
      iv[5]! ^= 0x80;
      const text = readFileSync(join(folder, 'servable.json'), 'utf8');
      writeFileSync(join(folder, 'servable.json'), text.replace(manifest.encryption!.iv, iv.toString('base64')));
    }
  }
  before = snapshot(repo.root);
  server = await createServer({ repository: repo.root, inProcess: true, decrypt: { key } });
}, 60_000);

afterAll(async () => {
  await server?.close();
  repo?.remove();
});

describe('encrypted models in a repository', () => {
  it('hold no plaintext model file and no key on disk', () => {
    for (const [path] of Object.entries(before)) {
      const bytes = readFileSync(join(repo.root, path));
      expect(bytes.includes(plaintext.subarray(0, 64)), path).toBe(false);
      expect(bytes.toString('latin1')).not.toContain(keyText.base64);
      expect(bytes.toString('latin1')).not.toContain(keyText.hex);
    }
    expect(Object.keys(before).filter((p) => p.endsWith('.enc'))).toHaveLength(VARIANTS.length);
  });

  it('serves the sealed model decrypted in memory with the server-wide key', async () => {
    expect(server.registry.isReady('sealed')).toBe(true);
    const r = await server.fastify.inject({ method: 'POST', url: '/v2/models/sealed/infer', payload: VALID, headers: { 'content-type': 'application/json' } });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json().outputs[0].data).toEqual([2, 3, 4]);
  });

  it.each(VARIANTS.filter((v) => v !== 'sealed'))('%s: the server stays up, the tampered model is not ready, nothing leaks', async (variant) => {
    expect(server.registry.isReady(variant)).toBe(false);
    const r = await server.fastify.inject({ method: 'POST', url: `/v2/models/${variant}/infer`, payload: VALID, headers: { 'content-type': 'application/json' } });
    expect(r.statusCode).toBe(503);
    expect(r.body).not.toContain(keyText.base64);
    expect(r.body).not.toContain(keyText.hex);
    expect((await server.fastify.inject({ method: 'GET', url: '/v2/health/live' })).statusCode).toBe(200);
  });

  it('loads the sealed model with its key and refuses every tampered one as MODEL_INTEGRITY, in memory only', async () => {
    const decrypt = createDecryptor({ key });
    const sealed = await loadModel(join(repo.root, 'sealed', '1'), { runtimes: [onnxNode()], decrypt });
    const out = await sealed.run({ x: { dtype: 'float32', shape: [1, 3], data: Float32Array.of(1, 2, 3) } });
    expect(Array.from(out.y!.data as Float32Array)).toEqual([2, 3, 4]);
    await sealed.dispose();
    for (const variant of VARIANTS.filter((v) => v !== 'sealed')) {
      try {
        await loadModel(join(repo.root, variant, '1'), { runtimes: [onnxNode()], decrypt });
        expect.unreachable(`${variant} loaded`);
      } catch (e) {
        expect(ServableError.isInstance(e) && e.code, `${variant}: ${(e as Error).message}`).toBe('MODEL_INTEGRITY');
      }
    }
    const wrongKey = createDecryptor({ key: generateModelKey() });
    await expect(loadModel(join(repo.root, 'sealed', '1'), { runtimes: [onnxNode()], decrypt: wrongKey })).rejects.toMatchObject({ code: 'MODEL_INTEGRITY' });
  });

  it('serves the sealed model from worker threads with a key from the environment, and refuses a function key source there', async () => {
    const variable = 'SERVABLE_BATTERY_MODEL_KEY';
    process.env[variable] = keyText.base64;
    const threaded = await createServer({
      repository: repo.root,
      runtimes: [await workerRuntime()],
      models: { sealed: { decrypt: { env: variable } } },
      batching: false,
    });
    try {
      expect(threaded.registry.isReady('sealed')).toBe(true);
      expect(threaded.registry.isReady('tag_flip')).toBe(false);
      const r = await threaded.fastify.inject({ method: 'POST', url: '/v2/models/sealed/infer', payload: VALID, headers: { 'content-type': 'application/json' } });
      expect(r.json().outputs[0].data).toEqual([2, 3, 4]);
      const tampered = await threaded.fastify.inject({ method: 'POST', url: '/v2/models/tag_flip/infer', payload: VALID, headers: { 'content-type': 'application/json' } });
      expect(tampered.statusCode).toBe(503);
    } finally {
      await threaded.close();
      delete process.env[variable];
    }
    await expect(createServer({ repository: repo.root, decrypt: () => key })).rejects.toThrow(/got a function \(it cannot cross into a thread\) — pass inProcess: true/);
  }, 60_000);

  it('leaves the repository folder exactly as it was: nothing decrypted touches disk', async () => {
    expect(snapshot(repo.root)).toEqual(before);
  });
});
