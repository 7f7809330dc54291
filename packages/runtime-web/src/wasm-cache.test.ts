import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Ort } from './load-ort.js';
import { fillWasmCache, forgetCachedWasm, useCachedWasm, WASM_CACHE_NAME, wasmCacheKey, wasmFileUrl, type CacheStorageLike } from './wasm-cache.js';

function memoryCaches(): CacheStorageLike & { entries(name: string): Map<string, Uint8Array> } {
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

const fakeOrt = (version = '1.30.0') => ({ env: { versions: { web: version }, wasm: {} as { wasmBinary?: Uint8Array } } }) as unknown as Ort & { env: { wasm: { wasmBinary?: Uint8Array } } };
const WASM = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]);

describe('wasm cache', () => {
  let server: Server;
  let base: string;
  let served = 0;

  beforeAll(async () => {
    server = createServer((req, res) => {
      served++;
      if (req.url === '/ort/ort-wasm-simd-threaded.wasm') res.writeHead(200, { 'content-type': 'application/wasm' }).end(WASM);
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/ort/`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('finds the build\'s .wasm under wasmPaths', () => {
    expect(wasmFileUrl('wasm', 'https://app.example/ort/')).toBe('https://app.example/ort/ort-wasm-simd-threaded.wasm');
    expect(wasmFileUrl('webgpu', 'https://app.example/ort')).toBe('https://app.example/ort/ort-wasm-simd-threaded.asyncify.wasm');
    expect(wasmFileUrl('wasm', { wasm: 'https://cdn.example/x.wasm' })).toBe('https://cdn.example/x.wasm');
    expect(wasmFileUrl('wasm', { mjs: 'https://cdn.example/x.mjs' })).toBeUndefined();
  });

  it('misses on a first visit, stores the file after the engine started, and starts from it on the next visit', async () => {
    const caches = memoryCaches();
    const url = `${base}ort-wasm-simd-threaded.wasm`;
    const first = fakeOrt();
    expect(await useCachedWasm(first, url, caches)).toEqual({ kind: 'miss', url });
    expect(first.env.wasm.wasmBinary).toBeUndefined();
    expect(await fillWasmCache(first, url, caches)).toBe(true);
    expect([...caches.entries(WASM_CACHE_NAME).keys()]).toEqual([wasmCacheKey(url, '1.30.0')]);
    const before = served;
    const next = fakeOrt();
    expect(await useCachedWasm(next, url, caches)).toEqual({ kind: 'hit', bytes: WASM.byteLength });
    expect(next.env.wasm.wasmBinary).toEqual(WASM);
    expect(served).toBe(before);
  });

  it('keys entries by onnxruntime-web version, so an upgrade never starts on the old binary', async () => {
    const caches = memoryCaches();
    const url = `${base}ort-wasm-simd-threaded.wasm`;
    await fillWasmCache(fakeOrt('1.30.0'), url, caches);
    expect((await useCachedWasm(fakeOrt('1.31.0'), url, caches)).kind).toBe('miss');
    await forgetCachedWasm(fakeOrt('1.30.0'), url, caches);
    expect(caches.entries(WASM_CACHE_NAME).size).toBe(0);
  });

  it('is off without a Cache API or a .wasm URL, and leaves a wasmBinary the app set alone', async () => {
    expect(await useCachedWasm(fakeOrt(), 'https://x/ort/a.wasm', undefined)).toMatchObject({ kind: 'off' });
    expect(await useCachedWasm(fakeOrt(), undefined, memoryCaches())).toMatchObject({ kind: 'off' });
    const own = fakeOrt();
    own.env.wasm.wasmBinary = new Uint8Array([1]);
    expect(await useCachedWasm(own, 'https://x/ort/a.wasm', memoryCaches())).toMatchObject({ kind: 'off', why: 'env.wasm.wasmBinary is already set' });
    expect(await fillWasmCache(fakeOrt(), `${base}missing.wasm`, memoryCaches())).toBe(false);
  });
});
