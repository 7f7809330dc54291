import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type UserConfig } from 'vite';
import { describe, expect, it } from 'vitest';
import { conditionalWasmPreload, CROSS_ORIGIN_ISOLATION_HEADERS, onnxruntimeWebFiles, servableOnnxWeb } from './vite.js';

function configOf(base: string | undefined, options = {}): UserConfig {
  const plugin = servableOnnxWeb(options);
  const hook = plugin.config as (config: UserConfig, env: unknown) => UserConfig;
  return hook({ base }, { command: 'build', mode: 'production' });
}

describe('servableOnnxWeb (Vite plugin)', () => {
  it('points the default wasmPaths at the folder it serves, under Vite base', () => {
    expect(configOf(undefined).define).toEqual({ __SERVABLE_ORT_WASM_PATHS__: '"/ort/"' });
    expect(configOf('/app').define).toEqual({ __SERVABLE_ORT_WASM_PATHS__: '"/app/ort/"' });
    expect(configOf('./', { folder: 'static/wasm' }).define).toEqual({ __SERVABLE_ORT_WASM_PATHS__: '"static/wasm/"' });
  });

  it('sends the COOP/COEP headers from dev and preview servers unless turned off', () => {
    expect(configOf('/').server?.headers).toEqual(CROSS_ORIGIN_ISOLATION_HEADERS);
    expect(configOf('/').preview?.headers).toEqual(CROSS_ORIGIN_ISOLATION_HEADERS);
    expect(configOf('/', { crossOriginIsolation: false }).server).toBeUndefined();
  });

  it('lists the files of each device build', () => {
    expect(onnxruntimeWebFiles(['wasm'])).toEqual(['ort-wasm-simd-threaded.mjs', 'ort-wasm-simd-threaded.wasm']);
    expect(onnxruntimeWebFiles()).toHaveLength(4);
  });

  it('preloads the files of the devices asked for, and none by default', () => {
    const tags = (options = {}) => {
      const plugin = servableOnnxWeb(options);
      (plugin.configResolved as (c: { base: string }) => void)({ base: '/app/' });
      return (plugin.transformIndexHtml as () => { tag: string; attrs: Record<string, string> }[])();
    };
    expect(tags()).toEqual([]);
    const [module, wasm, ...rest] = tags({ preload: ['wasm'] }) as { tag: string; attrs?: Record<string, string>; children?: string }[];
    expect(rest).toEqual([]);
    expect(module).toMatchObject({ tag: 'link', attrs: { rel: 'modulepreload', href: '/app/ort/ort-wasm-simd-threaded.mjs' } });
    expect(wasm).toMatchObject({ tag: 'script' });
    expect(wasm!.children).toBe(conditionalWasmPreload('/app/ort/ort-wasm-simd-threaded.wasm'));
    expect(() => servableOnnxWeb({ devices: ['wasm'], preload: ['webgpu'] })).toThrowError(/option "preload": expected devices among \["wasm"\], got "webgpu"/);
  });

  it('names a bad option', () => {
    expect(() => servableOnnxWeb({ devices: ['webgl' as never] })).toThrowError(/option "devices": expected "wasm" and\/or "webgpu", got "webgl"/);
    expect(() => servableOnnxWeb({ folder: '../up' })).toThrowError(/option "folder": expected a relative folder/);
  });

  it('serves the WebAssembly files in dev with their types and the isolation headers', async () => {
    const root = await mkdtemp(join(tmpdir(), 'servable-vite-'));
    await writeFile(join(root, 'index.html'), '<!doctype html><title>t</title>');
    const server = await createServer({ root, configFile: false, logLevel: 'silent', plugins: [servableOnnxWeb({ devices: ['wasm'] })], server: { host: '127.0.0.1', port: 0 } });
    try {
      await server.listen();
      const address = server.httpServer!.address() as { port: number };
      const base = `http://127.0.0.1:${address.port}`;
      const wasm = await fetch(`${base}/ort/ort-wasm-simd-threaded.wasm`);
      expect(wasm.status).toBe(200);
      expect(wasm.headers.get('content-type')).toBe('application/wasm');
      expect(new Uint8Array(await wasm.arrayBuffer()).subarray(0, 4)).toEqual(new Uint8Array([0, 0x61, 0x73, 0x6d]));
      const mjs = await fetch(`${base}/ort/ort-wasm-simd-threaded.mjs`);
      expect(mjs.headers.get('content-type')).toBe('text/javascript');
      const page = await fetch(`${base}/`);
      expect(page.headers.get('cross-origin-opener-policy')).toBe('same-origin');
      expect(page.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
      // Files of a device the app does not use are not served (Vite answers with its HTML fallback).
      expect((await fetch(`${base}/ort/ort-wasm-simd-threaded.asyncify.wasm`)).headers.get('content-type')).not.toBe('application/wasm');
    } finally {
      await server.close();
      await rm(root, { recursive: true, force: true });
    }
  });

  it('preloads the wasm unless the Cache API holds it already, and whenever there is no Cache API', async () => {
    const run = async (caches: unknown): Promise<Record<string, string>[]> => {
      const added: Record<string, string>[] = [];
      const document = { createElement: () => ({}) as Record<string, string>, head: { appendChild: (l: Record<string, string>) => added.push(l) } };
      new Function('document', 'caches', 'location', conditionalWasmPreload('/ort/ort-wasm-simd-threaded.wasm'))(document, caches, { href: 'https://app.example/page' });
      await new Promise((r) => setTimeout(r, 0));
      return added;
    };
    const holding = (urls: string[]) => ({ open: async () => ({ keys: async () => urls.map((url) => ({ url })) }) });
    expect(await run(holding(['https://app.example/ort/ort-wasm-simd-threaded.wasm?servable-ort=1.30.0']))).toEqual([]);
    expect(await run(holding([]))).toEqual([{ rel: 'preload', href: '/ort/ort-wasm-simd-threaded.wasm', as: 'fetch', type: 'application/wasm', crossOrigin: 'anonymous' }]);
    expect(await run(undefined)).toHaveLength(1);
    expect(await run({ open: async () => Promise.reject(new Error('SecurityError')) })).toHaveLength(1);
  });
});
