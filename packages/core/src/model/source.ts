import { ServableError } from '../errors/servable-error.js';
import { nodeFiles, type NodeFiles } from '../io/node-files.js';
import { verifySha256 } from '../protection/sha256.js';
import { checkModelSize, formatBytes } from './model-budget.js';
import { MANIFEST_FILE, isSafeRelativePath, parseManifest, type ModelFormat, type ModelManifest } from './manifest.js';
import { defaultModelCacheStorage, readCachedModelFile, writeCachedModelFile, type ModelCacheStorage } from './model-cache.js';
import type { ResolvedModelSource } from './runtime.js';

/**
 * A model folder held in memory: its manifest and its files by relative name
 * (uploads, IndexedDB, tests).
 */
export interface ModelPackage {
  /** The parsed `servable.json`; its `file` names the main model file in `files`. */
  readonly manifest: ModelManifest;
  /** File contents keyed by path relative to the folder (the main file, weight shards, external data). */
  readonly files: Readonly<Record<string, Uint8Array>>;
}

/**
 * Where a model comes from: a file or folder path (Node; a path to a folder's `servable.json`
 * loads the folder), an `http(s)` URL of a file or a folder (ending in `/` or `servable.json`),
 * the bytes of an ONNX file, or an in-memory {@link ModelPackage}.
 */
export type ModelSource = string | URL | Uint8Array | ArrayBuffer | ModelPackage;

/**
 * Turns an encrypted main file into plaintext (in memory only). Provided by
 * `createDecryptor` in the protection module; core calls it when the manifest has `encryption`.
 */
export type ModelDecryptor = (ciphertext: Uint8Array, manifest: ModelManifest) => Promise<Uint8Array>;

/** Options of {@link resolveModelSource}. */
export interface ResolveOptions {
  /** Format when the source does not say (bytes without manifest). Default `onnx`. */
  readonly format?: ModelFormat;
  /** A manifest to use with bytes or a bare file. */
  readonly manifest?: ModelManifest;
  /** Check `sha256` from the manifest before loading (default true). */
  readonly verifyIntegrity?: boolean;
  /** Decrypts encrypted models. */
  readonly decrypt?: ModelDecryptor;
  /** Aborts fetches. */
  readonly signal?: AbortSignal;
  /**
   * Memory budget in bytes for the model's files (the main file plus the manifest's `files`).
   * Checked from file sizes before anything is read; a model over it fails with `MODEL_TOO_LARGE`.
   */
  readonly maxBytes?: number;
  /**
   * Keep model files loaded from `http(s)` URLs in the Cache API (cache `servable-models`) and
   * read them from there on later visits. Only files whose manifest gives a `sha256` are kept,
   * keyed by URL and hash, and a cached file is used only while it still matches the hash, so a
   * new version at the same URL is always fetched. Default `true` where the Cache API exists
   * (browsers on secure origins; Node has none); `false` opts out.
   */
  readonly cache?: boolean;
  /** The Cache API to use instead of `globalThis.caches` (tests, service workers). */
  readonly cacheStorage?: ModelCacheStorage;
}

/** The largest ONNX file protobuf can parse from memory (2 GiB − 1); bigger models keep weights as external data. */
export const ONNX_PROTOBUF_LIMIT_BYTES = 2 ** 31 - 1;

function checkBudget(bytes: number, options: ResolveOptions, subject: string): void {
  if (options.maxBytes !== undefined) checkModelSize(bytes, { maxBytes: options.maxBytes, subject });
}

function checkProtobufLimit(bytes: number, format: ModelFormat, subject: string): void {
  if (format === 'onnx' && bytes > ONNX_PROTOBUF_LIMIT_BYTES) {
    throw new ServableError(
      'MODEL_TOO_LARGE',
      `${subject}: expected an ONNX file under 2 GiB to parse from memory, got ${formatBytes(bytes)} — save the weights as external data (onnx save_as_external_data) and load the model folder by path`,
      { details: { subject, expected: String(ONNX_PROTOBUF_LIMIT_BYTES), received: String(bytes) } },
    );
  }
}

/** A resolved source with a short description for reports (a name or URL, never file contents). */
export interface ResolvedWithDescription {
  /** The checked (and, when encrypted, decrypted) source to hand to a runtime. */
  readonly source: ResolvedModelSource;
  /** `name@version` from the manifest, else the file name, URL or byte count. */
  readonly description: string;
}

function loadFailed(message: string, cause?: unknown): ServableError {
  return new ServableError('MODEL_LOAD_FAILED', message, { cause });
}

function checkName(name: string): void {
  if (!isSafeRelativePath(name)) {
    throw loadFailed(`model file "${name}": expected a relative path inside the model folder, got one that leaves it — remove ".." and leading "/"`);
  }
}

async function detectJsonFormat(text: string): Promise<ModelFormat> {
  try {
    const json = JSON.parse(text) as { format?: string; modelTopology?: { class_name?: string; node?: unknown } };
    if (json.format === 'graph-model' || json.modelTopology?.node) return 'tfjs-graph';
    return 'tfjs-layers';
  } catch (cause) {
    throw loadFailed(`model.json: expected a TensorFlow.js model.json, got text that is not JSON`, cause);
  }
}

async function finish(
  manifest: ModelManifest | undefined,
  main: { bytes?: Uint8Array; path?: string; url?: string },
  readSibling: (name: string) => Promise<Uint8Array>,
  readMain: () => Promise<Uint8Array>,
  format: ModelFormat,
  options: ResolveOptions,
): Promise<ResolvedModelSource> {
  let bytes = main.bytes;
  let path = main.path;
  let url = main.url;
  if (manifest?.sha256 && options.verifyIntegrity !== false) {
    bytes ??= await readMain();
    await verifySha256(bytes, manifest.sha256, `model file "${manifest.file}"`);
  }
  if (manifest?.encryption) {
    if (!options.decrypt) {
      throw new ServableError('MODEL_INTEGRITY', `model "${manifest.name}": expected a decryption key for key id "${manifest.encryption.keyId}", got none — pass { decrypt: createDecryptor(...) } to loadModel`);
    }
    bytes ??= await readMain();
    bytes = await options.decrypt(bytes, manifest);
    // The plaintext lives in memory only: runtimes must not reread the encrypted file.
    path = undefined;
    url = undefined;
  }
  return { format, bytes, path, url, manifest, readSibling };
}

async function fromPath(p: string, options: ResolveOptions): Promise<ResolvedWithDescription> {
  const files: NodeFiles = await nodeFiles();
  const full = files.resolve(p);
  if (!(await files.exists(full))) {
    const relative = !/^([\\/]|[A-Za-z]:[\\/])/.test(p);
    throw new ServableError('MODEL_NOT_FOUND', `model path "${p}": expected a model file or folder, got a path that does not exist — check the path${relative ? ' (relative to the working directory)' : ''}`, {
      details: { subject: p, expected: 'a model file or folder', received: 'a path that does not exist' },
    });
  }
  let dir: string;
  let mainPath: string;
  let manifest = options.manifest;
  let format: ModelFormat | undefined = manifest?.format ?? options.format;
  const folder = (await files.isDirectory(full)) ? full : files.basename(full) === MANIFEST_FILE ? files.dirname(full) : undefined;
  if (folder !== undefined) {
    dir = folder;
    const manifestPath = files.resolve(dir, MANIFEST_FILE);
    if (await files.exists(manifestPath)) {
      manifest = parseManifest(await files.readText(manifestPath));
      format = manifest.format;
      checkName(manifest.file);
      mainPath = files.resolve(dir, manifest.file);
    } else if (await files.exists(files.resolve(dir, 'model.onnx'))) {
      mainPath = files.resolve(dir, 'model.onnx');
      format = 'onnx';
    } else if (await files.exists(files.resolve(dir, 'model.json'))) {
      mainPath = files.resolve(dir, 'model.json');
      format = await detectJsonFormat(await files.readText(mainPath));
    } else {
      throw new ServableError('MODEL_NOT_FOUND', `model folder "${p}": expected servable.json, model.onnx or model.json, got none of them`, {
        details: { subject: p, expected: 'servable.json, model.onnx or model.json', received: 'none of them' },
      });
    }
  } else {
    mainPath = full;
    dir = files.dirname(full);
    if (!format) format = mainPath.endsWith('.json') ? await detectJsonFormat(await files.readText(mainPath)) : 'onnx';
  }
  if (options.maxBytes !== undefined) {
    let total = await files.size(mainPath);
    for (const extra of manifest?.files ?? []) {
      const p = files.resolve(dir, extra);
      if (files.isInside(dir, p) && (await files.exists(p))) total += await files.size(p);
    }
    checkBudget(total, options, manifest ? `model "${manifest.name}@${manifest.version}"` : `model "${files.basename(mainPath)}"`);
  }
  const readSibling = async (name: string) => {
    checkName(name);
    const target = files.resolve(dir, name);
    if (!files.isInside(dir, target)) throw loadFailed(`model file "${name}": expected a file inside the model folder, got one outside it`);
    return files.readFile(target);
  };
  const source = await finish(manifest, { path: mainPath }, readSibling, () => files.readFile(mainPath), format!, options);
  return { source, description: manifest ? `${manifest.name}@${manifest.version}` : files.basename(mainPath) };
}

/** A URL for messages and reports: origin and path only, so credentials and signed query strings never leak. */
function describeUrl(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

async function fetchBytes(url: URL, signal: AbortSignal | undefined): Promise<Uint8Array> {
  if (url.username || url.password) {
    throw new ServableError('INVALID_ARGUMENT', `model URL ${describeUrl(url)}: expected a URL without user:password, got one with credentials — fetch cannot send them; serve the model without them or load it as bytes`);
  }
  let res: Response;
  try {
    res = await fetch(url, { signal });
  } catch (cause) {
    const reason = String((cause as Error)?.message ?? cause).split(url.href).join(describeUrl(url));
    throw loadFailed(`model URL ${describeUrl(url)}: expected a reachable URL, got a network error (${reason})`, cause);
  }
  if (!res.ok) {
    const code = res.status === 404 ? 'MODEL_NOT_FOUND' : 'MODEL_LOAD_FAILED';
    throw new ServableError(code, `model URL ${describeUrl(url)}: expected HTTP 200, got ${res.status} — check the URL and that the server serves the model folder`);
  }
  return new Uint8Array(await res.arrayBuffer());
}

async function fromUrl(url: URL, options: ResolveOptions): Promise<ResolvedWithDescription> {
  let manifest = options.manifest;
  let base: URL;
  let main: URL;
  let format: ModelFormat | undefined = manifest?.format ?? options.format;
  if (url.pathname.endsWith('/') || url.pathname.endsWith(`/${MANIFEST_FILE}`)) {
    const manifestUrl = url.pathname.endsWith('/') ? new URL(MANIFEST_FILE, url) : url;
    manifest = parseManifest(new TextDecoder().decode(await fetchBytes(manifestUrl, options.signal)));
    checkName(manifest.file);
    base = new URL('./', manifestUrl);
    main = new URL(manifest.file, base);
    format = manifest.format;
  } else {
    base = new URL('./', url);
    main = url;
    if (!format) format = url.pathname.endsWith('.json') ? 'tfjs-layers' : 'onnx';
  }
  const readSibling = async (name: string) => {
    checkName(name);
    const target = new URL(name, base);
    if (target.origin !== base.origin || !target.pathname.startsWith(base.pathname)) {
      throw loadFailed(`model file "${name}": expected a URL under ${describeUrl(base)}, got one outside it`);
    }
    return fetchBytes(target, options.signal);
  };
  // ONNX is fetched here so integrity is checked once; tfjs model.json is read by the runtime.
  const sha256 = manifest?.sha256 && options.verifyIntegrity !== false ? manifest.sha256 : undefined;
  const storage = options.cache !== false && sha256 ? (options.cacheStorage ?? defaultModelCacheStorage()) : undefined;
  const cached = storage && format === 'onnx' ? await readCachedModelFile(storage, main, sha256!) : undefined;
  const initial = format === 'onnx' ? { bytes: cached ?? (await fetchBytes(main, options.signal)), url: main.href } : { url: main.href };
  if (initial.bytes) {
    checkBudget(initial.bytes.length, options, `model URL ${main.origin}${main.pathname}`);
    checkProtobufLimit(initial.bytes.length, format, `model URL ${main.origin}${main.pathname}`);
  }
  const source = await finish(manifest, initial, readSibling, () => fetchBytes(main, options.signal), format, options);
  // Stored once its hash was checked, without holding up the load.
  if (storage && !cached && initial.bytes) void writeCachedModelFile(storage, main, sha256!, initial.bytes);
  return { source, description: manifest ? `${manifest.name}@${manifest.version}` : describeUrl(main) };
}

async function fromPackage(pkg: ModelPackage, options: ResolveOptions): Promise<ResolvedWithDescription> {
  const manifest = pkg.manifest;
  checkName(manifest.file);
  const read = async (name: string) => {
    checkName(name);
    const file = Object.prototype.hasOwnProperty.call(pkg.files, name) ? pkg.files[name] : undefined;
    if (!file) throw new ServableError('MODEL_NOT_FOUND', `model package "${manifest.name}": expected a file "${name}", got none`);
    return file;
  };
  const bytes = await read(manifest.file);
  checkBudget(Object.values(pkg.files).reduce((n, f) => n + f.length, 0), options, `model package "${manifest.name}"`);
  checkProtobufLimit(bytes.length, manifest.format, `model package "${manifest.name}"`);
  const source = await finish(manifest, { bytes }, read, () => read(manifest.file), manifest.format, options);
  return { source, description: `${manifest.name}@${manifest.version}` };
}

/**
 * Resolves any {@link ModelSource} into what runtimes read, checking the manifest, the sha256
 * and decrypting when asked. Nothing is handed to a runtime before these checks pass.
 */
export async function resolveModelSource(input: ModelSource, options: ResolveOptions = {}): Promise<ResolvedWithDescription> {
  if (input instanceof Uint8Array || input instanceof ArrayBuffer) {
    const bytes = input instanceof Uint8Array ? input : new Uint8Array(input);
    if (bytes.length === 0) throw new ServableError('MODEL_LOAD_FAILED', 'model bytes: expected the bytes of a model file, got 0 bytes');
    const manifest = options.manifest;
    const format = manifest?.format ?? options.format ?? 'onnx';
    checkBudget(bytes.length, options, 'model bytes');
    checkProtobufLimit(bytes.length, format, 'model bytes');
    const readSibling = (name: string) =>
      Promise.reject(loadFailed(`model file "${name}": a model given as bytes has no folder to read it from — pass a ModelPackage with the file`));
    const source = await finish(manifest, { bytes }, readSibling, async () => bytes, format, options);
    return { source, description: manifest ? `${manifest.name}@${manifest.version}` : `${bytes.length} bytes` };
  }
  if (input instanceof URL) return fromUrl(input, options);
  if (typeof input === 'string') {
    if (/^https?:\/\//i.test(input)) return fromUrl(new URL(input), options);
    if (input.startsWith('file://')) return fromPath(decodeURIComponent(new URL(input).pathname), options);
    return fromPath(input, options);
  }
  if (typeof input === 'object' && input !== null && 'manifest' in input && 'files' in input) return fromPackage(input, options);
  throw new ServableError('INVALID_ARGUMENT', `loadModel source: expected a path, URL, bytes or {manifest, files}, got ${typeof input}`);
}
