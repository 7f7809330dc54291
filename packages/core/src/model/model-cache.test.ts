import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256Hex } from '../protection/sha256.js';
import { createFakeRuntime } from '../testing/fake-runtime.js';
import { loadModel } from './load-model.js';
import { stringifyManifest, type ModelManifest } from './manifest.js';
import { MODEL_CACHE_NAME, modelCacheKey, type ModelCacheStorage } from './model-cache.js';

const signature = { inputs: [{ name: 'x', dtype: 'float32' as const, shape: ['batch', 3] }], outputs: [{ name: 'y', dtype: 'float32' as const, shape: ['batch', 3] }] };
const V1 = new TextEncoder().encode('version one of the model');
const V2 = new TextEncoder().encode('version two of the model, longer');

/** The Cache API in memory, as browsers keep it: responses by URL, per named cache. */
function memoryCaches(): ModelCacheStorage & { entries(name: string): Map<string, Uint8Array> } {
  const stores = new Map<string, Map<string, Uint8Array>>();
  const store = (name: string) => {
    let s = stores.get(name);
    if (!s) stores.set(name, (s = new Map()));
    return s;
  };
  return {
    entries: store,
    async open(name) {
      const s = store(name);
      return {
        async match(key: string) {
          const bytes = s.get(key);
          return bytes ? { arrayBuffer: async () => bytes.slice().buffer } : undefined;
        },
        async put(key: string, response: Response) {
          s.set(key, new Uint8Array(await response.arrayBuffer()));
        },
        async delete(key: string) {
          return s.delete(key);
        },
      };
    },
  };
}

const manifest = (sha256: string): ModelManifest => ({ schemaVersion: 1, name: 'demo', version: '1', format: 'onnx', file: 'model.onnx', sha256 });
const settle = () => new Promise((r) => setTimeout(r, 20));

describe('model cache (Cache API)', () => {
  let server: Server;
  let base: string;
  let current = V1;
  const requests: string[] = [];

  beforeAll(async () => {
    server = createServer(async (req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      requests.push(path);
      if (path === '/m/servable.json') res.writeHead(200, { 'content-type': 'application/json' }).end(stringifyManifest(manifest(await sha256Hex(current))));
      else if (path === '/m/model.onnx') res.writeHead(200).end(current);
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  const modelRequests = () => requests.filter((p) => p === '/m/model.onnx').length;

  it('keeps an integrity-checked model file and serves the next load from the cache, not the network', async () => {
    const caches = memoryCaches();
    const runtime = createFakeRuntime({ signature });
    const before = modelRequests();
    await (await loadModel(`${base}/m/`, { runtimes: [runtime], cacheStorage: caches })).dispose();
    await settle();
    const key = modelCacheKey(new URL(`${base}/m/model.onnx`), await sha256Hex(V1));
    expect([...caches.entries(MODEL_CACHE_NAME).keys()]).toEqual([key]);
    await (await loadModel(`${base}/m/`, { runtimes: [runtime], cacheStorage: caches })).dispose();
    expect(modelRequests() - before).toBe(1);
    expect(runtime.loads[1]!.bytes).toEqual(V1);
  });

  it('fetches a new version published at the same URL, and never serves the old one for it', async () => {
    const caches = memoryCaches();
    const runtime = createFakeRuntime({ signature });
    current = V1;
    await (await loadModel(`${base}/m/`, { runtimes: [runtime], cacheStorage: caches })).dispose();
    await settle();
    current = V2;
    const before = modelRequests();
    await (await loadModel(`${base}/m/`, { runtimes: [runtime], cacheStorage: caches })).dispose();
    expect(modelRequests() - before).toBe(1);
    expect(runtime.loads[1]!.bytes).toEqual(V2);
    current = V1;
  });

  it('drops a cached entry whose bytes no longer match its hash and downloads the file again', async () => {
    const caches = memoryCaches();
    const runtime = createFakeRuntime({ signature });
    const key = modelCacheKey(new URL(`${base}/m/model.onnx`), await sha256Hex(V1));
    caches.entries(MODEL_CACHE_NAME).set(key, new TextEncoder().encode('corrupted'));
    const before = modelRequests();
    await (await loadModel(`${base}/m/`, { runtimes: [runtime], cacheStorage: caches })).dispose();
    expect(modelRequests() - before).toBe(1);
    expect(runtime.loads[0]!.bytes).toEqual(V1);
    await settle();
    expect(caches.entries(MODEL_CACHE_NAME).get(key)).toEqual(V1);
  });

  it('stores nothing with cache: false, nor for files without a manifest sha256', async () => {
    const caches = memoryCaches();
    const runtime = createFakeRuntime({ signature });
    await (await loadModel(`${base}/m/`, { runtimes: [runtime], cacheStorage: caches, cache: false })).dispose();
    await (await loadModel(`${base}/m/model.onnx`, { runtimes: [runtime], cacheStorage: caches })).dispose();
    await settle();
    expect(caches.entries(MODEL_CACHE_NAME).size).toBe(0);
  });
});
