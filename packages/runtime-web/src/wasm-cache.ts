import { ORT_BUILD_FILES, type Ort, type OrtBuild } from './load-ort.js';
import type { WasmPaths } from './options.js';

/** Name of the Cache API cache that keeps onnxruntime-web's WebAssembly between visits. */
export const WASM_CACHE_NAME = 'servable-runtime-web';

/** The slice of the Cache API the wasm cache uses (`caches` in browsers). */
export interface CacheStorageLike {
  open(name: string): Promise<{
    match(request: string): Promise<{ arrayBuffer(): Promise<ArrayBuffer> } | undefined>;
    put(request: string, response: Response): Promise<void>;
    delete(request: string): Promise<boolean>;
  }>;
}

/** What the cache did for one engine start, for the probe's detail. */
export type WasmCacheOutcome = { readonly kind: 'hit'; readonly bytes: number } | { readonly kind: 'miss'; readonly url: string } | { readonly kind: 'off'; readonly why: string };

function cacheStorage(): CacheStorageLike | undefined {
  return (globalThis as { caches?: CacheStorageLike }).caches;
}

/** The URL onnxruntime-web fetches the `.wasm` of a build from, under the environment's `wasmPaths`. */
export function wasmFileUrl(build: Exclude<OrtBuild, 'node'>, paths: WasmPaths | undefined): string | undefined {
  const name = ORT_BUILD_FILES[build].find((f) => f.endsWith('.wasm'))!;
  if (paths === undefined) return undefined;
  if (typeof paths === 'string') return `${paths.endsWith('/') ? paths : `${paths}/`}${name}`;
  return paths.wasm !== undefined ? String(paths.wasm) : undefined;
}

/**
 * The cache key of a wasm file: its URL with the onnxruntime-web version, so an upgrade (whose
 * file has the same name) never starts on the old binary.
 */
export function wasmCacheKey(url: string, ortVersion: string): string {
  const key = new URL(url);
  key.searchParams.set('servable-ort', ortVersion);
  return key.href;
}

/**
 * Looks for the build's `.wasm` in the Cache API. On a hit the bytes go to onnxruntime-web as
 * `env.wasm.wasmBinary`, so the engine starts without the network and whatever the server's
 * cache headers say; on a miss onnxruntime-web streams and compiles the file from its URL as
 * usual, and {@link fillWasmCache} stores it once the engine has started, off the path of the
 * first prediction.
 * @param ort - the onnxruntime-web build, before its first session
 * @param url - where the build's `.wasm` is served
 * @param storage - the Cache API (default `caches`)
 */
export async function useCachedWasm(ort: Ort, url: string | undefined, storage: CacheStorageLike | undefined = cacheStorage()): Promise<WasmCacheOutcome> {
  if (!storage) return { kind: 'off', why: 'no Cache API here (an insecure origin, or not a browser)' };
  if (!url) return { kind: 'off', why: 'wasmPaths names no .wasm URL' };
  if ((ort.env.wasm as { wasmBinary?: unknown }).wasmBinary) return { kind: 'off', why: 'env.wasm.wasmBinary is already set' };
  try {
    const cache = await storage.open(WASM_CACHE_NAME);
    const hit = await cache.match(wasmCacheKey(url, ortVersion(ort)));
    if (!hit) return { kind: 'miss', url };
    const bytes = new Uint8Array(await hit.arrayBuffer());
    (ort.env.wasm as { wasmBinary?: Uint8Array }).wasmBinary = bytes;
    return { kind: 'hit', bytes: bytes.byteLength };
  } catch (e) {
    return { kind: 'off', why: `the Cache API failed (${(e as Error)?.message ?? String(e)})` };
  }
}

/**
 * Stores the build's `.wasm` in the Cache API after a miss. The browser's HTTP cache usually
 * answers this fetch, since onnxruntime-web has just downloaded the file; failures (quota,
 * an opaque response) are ignored: the next visit then downloads it again.
 */
export async function fillWasmCache(ort: Ort, url: string, storage: CacheStorageLike | undefined = cacheStorage()): Promise<boolean> {
  if (!storage) return false;
  try {
    const response = await fetch(url, { credentials: 'same-origin' });
    if (!response.ok) return false;
    const cache = await storage.open(WASM_CACHE_NAME);
    await cache.put(wasmCacheKey(url, ortVersion(ort)), response);
    return true;
  } catch {
    return false;
  }
}

/** Removes a cached wasm file the engine could not start from. */
export async function forgetCachedWasm(ort: Ort, url: string | undefined, storage: CacheStorageLike | undefined = cacheStorage()): Promise<void> {
  if (!storage || !url) return;
  try {
    await (await storage.open(WASM_CACHE_NAME)).delete(wasmCacheKey(url, ortVersion(ort)));
  } catch {
    // The entry stays; the next visit may fail the same way and try this again.
  }
}

function ortVersion(ort: Ort): string {
  return (ort.env.versions as { web?: string; common?: string } | undefined)?.web ?? (ort.env.versions as { common?: string } | undefined)?.common ?? 'unknown';
}
