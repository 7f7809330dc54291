import { sha256Hex } from '../protection/sha256.js';

/** Name of the Cache API cache that keeps model files between visits. */
export const MODEL_CACHE_NAME = 'servable-models';

/** A stored response, as far as the model cache reads it. */
export interface CachedModelResponse {
  /** The stored body. */
  arrayBuffer(): Promise<ArrayBuffer>;
}

/** One named cache of {@link ModelCacheStorage} (a `Cache` in browsers). */
export interface ModelCache {
  /** The stored response for a key, or `undefined`. */
  match(request: string): Promise<CachedModelResponse | undefined>;
  /** Stores a response under a key. */
  put(request: string, response: Response): Promise<void>;
  /** Removes a key; resolves whether it was there. */
  delete(request: string): Promise<boolean>;
}

/** The slice of the Cache API the model cache uses (`caches` in browsers). */
export interface ModelCacheStorage {
  /** Opens (creating it when needed) the cache of that name. */
  open(name: string): Promise<ModelCache>;
}

/** The Cache API where this environment has one (browsers on secure origins), else `undefined`. */
export function defaultModelCacheStorage(): ModelCacheStorage | undefined {
  return (globalThis as { caches?: ModelCacheStorage }).caches;
}

/**
 * The key of a model file: its URL with the manifest's sha256, so a new version published at the
 * same URL (a new manifest, a new hash) is fetched again, and an old entry is never served for it.
 */
export function modelCacheKey(url: URL, sha256: string): string {
  const key = new URL(url.href);
  key.searchParams.set('servable-sha256', sha256.toLowerCase());
  return key.href;
}

/**
 * Reads a model file from the Cache API when an entry for this URL and hash exists and its bytes
 * still hash to it; an entry that does not is deleted. Any failure of the Cache API reads as a miss.
 */
export async function readCachedModelFile(storage: ModelCacheStorage, url: URL, sha256: string): Promise<Uint8Array | undefined> {
  try {
    const cache = await storage.open(MODEL_CACHE_NAME);
    const key = modelCacheKey(url, sha256);
    const hit = await cache.match(key);
    if (!hit) return undefined;
    const bytes = new Uint8Array(await hit.arrayBuffer());
    if ((await sha256Hex(bytes)) === sha256.toLowerCase()) return bytes;
    await cache.delete(key);
    return undefined;
  } catch {
    return undefined;
  }
}

/** Stores a model file whose bytes matched the manifest's sha256. Failures (quota) are ignored. */
export async function writeCachedModelFile(storage: ModelCacheStorage, url: URL, sha256: string, bytes: Uint8Array): Promise<void> {
  try {
    const cache = await storage.open(MODEL_CACHE_NAME);
    await cache.put(modelCacheKey(url, sha256), new Response(bytes as Uint8Array<ArrayBuffer>, { headers: { 'Content-Type': 'application/octet-stream' } }));
  } catch {
    // Not cached: the next visit downloads the file again.
  }
}
