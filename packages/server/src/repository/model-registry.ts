import { isAbsolute, join, resolve } from 'node:path';
import { ServableError, createDecryptor, createPredictor, loadModel, type BatcherOptions, type Model } from '@servable/core';
import { instantiateRuntimes, resolveRuntimeSpec, DEFAULT_RUNTIMES } from '../runtime/runtime-spec.js';
import { warmUp } from '../worker/warm-up.js';
import { loadModelInWorkers } from '../worker/worker-pool-model.js';
import { mergeModelConfigs, readModelConfigFile, validateModelConfig, type ModelConfig } from './model-config.js';
import { listModelFolders, listVersionFolders, type VersionFolder } from './repository-scanner.js';
import type { ServedVersion } from './served-version.js';
import { compareVersions, selectVersions } from './version-policy.js';
import type { BatchExecution } from '@servable/core';

/** The logging the registry needs (pino and fastify loggers fit). */
export interface RegistryLogger {
  /** Logs an informational event (a version loading, ready or unloaded): structured fields, then a message. */
  info(obj: object, msg?: string): void;
  /** Logs a warning: structured fields, then a message. */
  warn(obj: object, msg?: string): void;
  /** Logs a failure (a rejected configuration, a version that failed to load, a failed scan): structured fields, then a message. */
  error(obj: object, msg?: string): void;
}

/** Options of {@link ModelRegistry}. */
export interface ModelRegistryOptions {
  /** Repository folder: `<repository>/<model>/<version>/`. */
  readonly repository?: string;
  /** Per-model configuration, keyed by model name (wins over `config.json`). */
  readonly models?: Readonly<Record<string, ModelConfig>>;
  /** Defaults for every model. */
  readonly defaults?: ModelConfig;
  /** Run models on the main thread instead of worker threads. */
  readonly inProcess?: boolean;
  /** Logger. */
  readonly logger?: RegistryLogger;
  /** Called after each batch a version executes (metrics). */
  readonly onBatch?: (model: string, version: string, execution: BatchExecution) => void;
  /** Called when a version becomes ready or stops being ready. */
  readonly onReadiness?: (model: string, version: string, ready: boolean) => void;
}

/** One row of the repository index (`POST /v2/repository/index`). */
export interface RepositoryIndexEntry {
  /** Model name (its folder in the repository). */
  readonly name: string;
  /** Version (its folder); absent on a row for a model with no loadable version or one that was unloaded. */
  readonly version?: string;
  /** `READY`, `LOADING`, `UNLOADING` or `UNAVAILABLE`. */
  readonly state: string;
  /** Why the model or version is not ready (or a failed reload while earlier files keep serving), when known. */
  readonly reason?: string;
}

/**
 * Batching defaults of the server. No queue delay: a batch leaves as soon as a worker is free, and
 * requests that arrive while the engine runs form the next batch, so light load pays no wait and
 * heavy load gets large batches.
 */
export const DEFAULT_BATCHING: BatcherOptions = { maxBatchSize: 32, maxQueueDelayMs: 0, maxQueueSize: 4096 };

interface ModelEntry {
  readonly name: string;
  config: ModelConfig;
  readonly versions: Map<string, ServedVersion>;
  disabled: boolean;
  error?: string;
}

const silent: RegistryLogger = { info() {}, warn() {}, error() {} };

/**
 * The models a server serves: scans the repository, applies each model's version policy and
 * configuration, loads new versions (a version is ready only after it loaded and warmed up),
 * keeps the old version serving when a new one fails, and unloads versions the policy dropped
 * once a newer one is ready. Scans are serialized.
 */
export class ModelRegistry {
  readonly #options: ModelRegistryOptions;
  readonly #log: RegistryLogger;
  readonly #models = new Map<string, ModelEntry>();
  #chain: Promise<unknown> = Promise.resolve();
  #timer: ReturnType<typeof setInterval> | undefined;
  #closed = false;

  /**
   * @param options - repository, per-model configuration and hooks
   * @throws ServableError `INVALID_ARGUMENT` when neither a repository nor models are given
   */
  constructor(options: ModelRegistryOptions) {
    if (!options.repository && (!options.models || Object.keys(options.models).length === 0)) {
      throw new ServableError('INVALID_ARGUMENT', 'createServer: expected a repository folder or models with a path, got neither — pass { repository: "./models" }');
    }
    for (const [name, config] of Object.entries(options.models ?? {})) validateModelConfig(config, `models.${name}`);
    if (options.defaults) validateModelConfig(options.defaults, 'createServer options');
    if (!options.inProcess) {
      const withFunction = [['createServer decrypt', options.defaults?.decrypt] as const, ...Object.entries(options.models ?? {}).map(([n, c]) => [`models.${n}.decrypt`, c.decrypt] as const)].find(
        ([, d]) => typeof d === 'function',
      );
      if (withFunction) {
        throw new ServableError(
          'INVALID_ARGUMENT',
          `${withFunction[0]}: expected { env }, { file } or { key } when models run in worker threads, got a function (it cannot cross into a thread) — pass inProcess: true, or give the key through an environment variable or a key file`,
        );
      }
    }
    this.#options = options;
    this.#log = options.logger ?? silent;
  }

  /** Runs one scan of the repository now (after any scan in progress) and waits for its loads. */
  scan(only?: string): Promise<void> {
    const next = this.#chain.then(() => this.#scan(only));
    this.#chain = next.catch(() => undefined);
    return next;
  }

  /** Rescans every `intervalMs` (errors are logged, never thrown). */
  poll(intervalMs: number): void {
    if (!(intervalMs > 0)) throw new ServableError('INVALID_ARGUMENT', `pollIntervalMs: expected a positive number of ms, got ${intervalMs}`);
    this.stopPolling();
    this.#timer = setInterval(() => {
      this.scan().catch((e: unknown) => this.#log.error({ err: e }, 'repository scan failed'));
    }, intervalMs);
    this.#timer.unref?.();
  }

  /** Stops polling. */
  stopPolling(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  /** Names of the models known (loaded or not), sorted. */
  modelNames(): string[] {
    return [...this.#models.keys()].sort();
  }

  /** Versions of a model, oldest first. */
  versions(name: string): ServedVersion[] {
    const entry = this.#models.get(name);
    return entry ? [...entry.versions.values()].sort((a, b) => compareVersions(a.version, b.version)) : [];
  }

  /** The last load error of a model's configuration, when it could not be read. */
  modelError(name: string): string | undefined {
    return this.#models.get(name)?.error;
  }

  /** True when the model exists and at least one of its versions is ready. */
  isReady(name: string, version?: string): boolean {
    try {
      this.get(name, version);
      return true;
    } catch {
      return false;
    }
  }

  /** True when every known, enabled model has a ready version (and there is at least one). */
  allReady(): boolean {
    const enabled = [...this.#models.values()].filter((m) => !m.disabled);
    return enabled.length > 0 && enabled.every((m) => [...m.versions.values()].some((v) => v.state === 'READY'));
  }

  /**
   * The version that serves a request: the one named, or the newest ready one.
   * @throws ServableError `MODEL_NOT_FOUND` (unknown model or version) or `MODEL_LOAD_FAILED` (known, not ready)
   */
  get(name: string, version?: string): ServedVersion {
    const entry = this.#models.get(name);
    if (!entry) {
      const known = this.modelNames();
      throw new ServableError('MODEL_NOT_FOUND', `model "${name}": expected one of ${known.length ? known.map((n) => `"${n}"`).join(', ') : '(none loaded)'}, got an unknown name`);
    }
    if (version !== undefined && version !== '') {
      const v = entry.versions.get(version);
      if (!v) {
        throw new ServableError('MODEL_NOT_FOUND', `model "${name}" version "${version}": expected one of ${[...entry.versions.keys()].map((k) => `"${k}"`).join(', ') || '(none)'}, got an unknown version`);
      }
      if (v.state !== 'READY') {
        throw new ServableError('MODEL_LOAD_FAILED', `model "${name}" version "${version}": expected a ready version, got ${v.state}${v.error ? ` (${v.error})` : ''}`);
      }
      return v;
    }
    const ready = this.versions(name).filter((v) => v.state === 'READY');
    const newest = ready[ready.length - 1];
    if (!newest) {
      const reasons = this.versions(name).map((v) => `${v.version}: ${v.state}${v.error ? ` (${v.error})` : ''}`);
      throw new ServableError('MODEL_LOAD_FAILED', `model "${name}": expected a ready version, got none${reasons.length ? ` — ${reasons.join('; ')}` : ''}${entry.error ? ` — ${entry.error}` : ''}`);
    }
    return newest;
  }

  /** The version label that would serve a request (for metrics labels), or `''` when none would. */
  versionLabel(name: string, version?: string): string {
    try {
      return this.get(name, version).version;
    } catch {
      return version ?? '';
    }
  }

  /** The repository index: every model and version with its state. */
  index(): RepositoryIndexEntry[] {
    const out: RepositoryIndexEntry[] = [];
    for (const name of this.modelNames()) {
      const entry = this.#models.get(name)!;
      const versions = this.versions(name);
      if (entry.disabled) out.push({ name, state: 'UNAVAILABLE', reason: 'unloaded' });
      else if (versions.length === 0) out.push({ name, state: 'UNAVAILABLE', reason: entry.error ?? 'no version folder' });
      for (const v of versions) out.push({ name, version: v.version, state: v.state, ...(v.error ? { reason: v.error } : {}) });
    }
    return out;
  }

  /** Loads (or reloads) a model: clears an earlier unload and rescans it. */
  async loadModel(name: string): Promise<void> {
    const entry = this.#models.get(name);
    if (entry) entry.disabled = false;
    await this.scan(name);
    const after = this.#models.get(name);
    if (!after) throw new ServableError('MODEL_NOT_FOUND', `model "${name}": expected a folder in the repository or an entry in models, got none`);
    this.get(name);
  }

  /** Unloads every version of a model; polling leaves it unloaded until {@link loadModel}. */
  async unloadModel(name: string): Promise<void> {
    const entry = this.#models.get(name);
    if (!entry) throw new ServableError('MODEL_NOT_FOUND', `model "${name}": expected one of ${this.modelNames().join(', ') || '(none)'}, got an unknown name`);
    entry.disabled = true;
    await Promise.all([...entry.versions.values()].map((v) => this.#unload(entry, v)));
  }

  /** Stops polling, then unloads everything after in-flight runs finish. */
  async close(): Promise<void> {
    this.#closed = true;
    this.stopPolling();
    await this.#chain;
    await Promise.all([...this.#models.values()].flatMap((entry) => [...entry.versions.values()].map((v) => this.#unload(entry, v))));
  }

  #modelDir(name: string, config: ModelConfig): string {
    if (config.path) return isAbsolute(config.path) ? config.path : resolve(this.#options.repository ?? process.cwd(), config.path);
    return join(this.#options.repository!, name);
  }

  async #scan(only?: string): Promise<void> {
    if (this.#closed) return;
    const names = new Set<string>(Object.keys(this.#options.models ?? {}));
    if (this.#options.repository) for (const n of await listModelFolders(this.#options.repository)) names.add(n);
    for (const gone of this.#models.keys()) names.add(gone);
    const work: Promise<void>[] = [];
    for (const name of names) {
      if (only !== undefined && name !== only) continue;
      work.push(this.#scanModel(name));
    }
    await Promise.all(work);
  }

  async #scanModel(name: string): Promise<void> {
    let entry = this.#models.get(name);
    const explicit = this.#options.models?.[name];
    let fileConfig: ModelConfig | undefined;
    const dirGuess = this.#modelDir(name, mergeModelConfigs(this.#options.defaults, explicit));
    try {
      fileConfig = await readModelConfigFile(dirGuess, name);
    } catch (e) {
      this.#log.error({ model: name, err: (e as Error).message }, 'model config.json rejected');
      if (!entry) {
        entry = { name, config: {}, versions: new Map(), disabled: false };
        this.#models.set(name, entry);
      }
      entry.error = (e as Error).message;
      return;
    }
    const config = mergeModelConfigs(this.#options.defaults, fileConfig, explicit);
    const folders = await listVersionFolders(this.#modelDir(name, config));
    if (!entry) {
      if (folders.length === 0 && !explicit) return;
      entry = { name, config, versions: new Map(), disabled: false };
      this.#models.set(name, entry);
    }
    entry.config = config;
    entry.error = undefined;
    if (entry.disabled) return;
    let wanted: string[];
    try {
      wanted = selectVersions(folders.map((f) => f.version), config.versionPolicy);
    } catch (e) {
      entry.error = (e as Error).message;
      this.#log.error({ model: name, err: entry.error }, 'version policy rejected');
      return;
    }
    const byVersion = new Map(folders.map((f) => [f.version, f]));
    await Promise.all(
      wanted.map((version) => {
        const folder = byVersion.get(version)!;
        const current = entry.versions.get(version);
        if (current && current.fingerprint === folder.fingerprint && current.state !== 'UNLOADING') return undefined;
        return this.#load(entry, folder, current);
      }),
    );
    if (config.versionPolicy === undefined || (typeof config.versionPolicy === 'object' && 'latest' in config.versionPolicy)) {
      await this.#fallBack(entry, wanted, folders);
    }
    const anyWantedReady = wanted.some((v) => entry.versions.get(v)?.state === 'READY');
    for (const v of [...entry.versions.values()]) {
      if (wanted.includes(v.version)) continue;
      const onDisk = byVersion.has(v.version);
      if (anyWantedReady || !onDisk || v.state !== 'READY') await this.#unload(entry, v);
    }
  }

  /**
   * Under a `latest` policy, when none of the wanted versions is ready and no older one serves,
   * loads older versions newest first until one works: the newest version that loads serves.
   */
  async #fallBack(entry: ModelEntry, wanted: string[], folders: VersionFolder[]): Promise<void> {
    const ready = () => [...entry.versions.values()].some((v) => v.state === 'READY');
    if (ready()) return;
    const older = folders.filter((f) => !wanted.includes(f.version)).sort((a, b) => compareVersions(b.version, a.version));
    for (const folder of older) {
      const current = entry.versions.get(folder.version);
      if (current && current.fingerprint === folder.fingerprint) continue;
      await this.#load(entry, folder, current);
      if (entry.versions.get(folder.version)?.state === 'READY') {
        wanted.push(folder.version);
        return;
      }
    }
  }

  async #load(entry: ModelEntry, folder: VersionFolder, current: ServedVersion | undefined): Promise<void> {
    const { name } = entry;
    const config = entry.config;
    // A ready version whose files changed keeps serving until its replacement is ready.
    const serving = current?.state === 'READY' ? current : undefined;
    const holder: ServedVersion = serving ?? current ?? { name, version: folder.version, path: folder.path, state: 'LOADING', fingerprint: folder.fingerprint, active: 0 };
    holder.fingerprint = folder.fingerprint;
    if (!serving) {
      holder.state = 'LOADING';
      entry.versions.set(folder.version, holder);
    }
    this.#log.info({ model: name, version: folder.version }, serving ? 'reloading model version' : 'loading model version');
    let model: Model | undefined;
    try {
      const specs = (config.runtimes ?? DEFAULT_RUNTIMES).map((s) => resolveRuntimeSpec(s, this.#modelDir(name, config)));
      if (this.#options.inProcess) {
        model = await loadModel(folder.path, { runtimes: await instantiateRuntimes(specs), ...(config.decrypt ? { decrypt: createDecryptor(config.decrypt) } : {}) });
        await warmUp(model);
      } else {
        model = await loadModelInWorkers({ source: folder.path, runtimes: specs, size: config.workers ?? 1, ...(config.decrypt ? { decrypt: config.decrypt } : {}) });
      }
    } catch (e) {
      const reason = (e as Error)?.message ?? String(e);
      this.#log.error({ model: name, version: folder.version, err: reason }, 'model version failed to load; earlier versions keep serving');
      if (serving) serving.error = `reload failed, the earlier files keep serving: ${reason}`;
      else {
        holder.state = 'UNAVAILABLE';
        holder.error = reason;
      }
      return;
    }
    if (this.#closed || entry.disabled || holder.state === 'UNLOADING') {
      await model.dispose();
      return;
    }
    const workers = this.#options.inProcess ? 1 : (config.workers ?? 1);
    const batching = config.batching === false ? false : { maxConcurrentBatches: workers, ...DEFAULT_BATCHING, ...config.batching, ...(config.timeoutMs ? { timeoutMs: config.timeoutMs } : {}) };
    const predictor = createPredictor(model, { batching });
    if (predictor.batcher && this.#options.onBatch) {
      const hook = this.#options.onBatch;
      predictor.batcher.onBatch = (execution) => hook(name, folder.version, execution);
    }
    const previous = serving?.predictor;
    holder.model = model;
    holder.predictor = predictor;
    holder.state = 'READY';
    holder.error = undefined;
    this.#options.onReadiness?.(name, folder.version, true);
    this.#log.info({ model: name, version: folder.version, runtime: model.report.runtime, device: model.report.device }, 'model version ready');
    if (previous) await previous.dispose();
  }

  async #unload(entry: ModelEntry, v: ServedVersion): Promise<void> {
    if (v.state === 'UNLOADING') return;
    const wasReady = v.state === 'READY';
    v.state = 'UNLOADING';
    if (wasReady) this.#options.onReadiness?.(entry.name, v.version, false);
    try {
      if (v.predictor) await v.predictor.dispose();
      else if (v.model) await v.model.dispose();
    } finally {
      entry.versions.delete(v.version);
      this.#log.info({ model: entry.name, version: v.version }, 'model version unloaded');
    }
  }
}
