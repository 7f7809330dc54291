import { ServableError, throwIfAborted } from '../errors/servable-error.js';
import { validateRun } from '../pipeline/validate-feeds.js';
import type { TensorMap } from '../tensor/tensor.js';
import type { ModelFormat, ModelManifest } from './manifest.js';
import type { ModelReport, RuntimeAttempt } from './report.js';
import type { ModelCacheStorage } from './model-cache.js';
import { resolveModelSource, type ModelDecryptor, type ModelSource } from './source.js';
import type { Availability, LoadedModel, RunOptions, Runtime } from './runtime.js';
import type { ModelSignature } from './signature.js';
import { signatureDisagreement } from './signature-agreement.js';

/** Options of {@link loadModel}. */
export interface LoadModelOptions {
  /** Runtimes to try, in order; the first that loads the model serves it. */
  readonly runtimes: readonly Runtime[];
  /** Format of a source that does not say (bytes, a bare file). */
  readonly format?: ModelFormat;
  /** Manifest for a bytes source or a bare file. */
  readonly manifest?: ModelManifest;
  /** Check the manifest's sha256 before loading (default true). */
  readonly verifyIntegrity?: boolean;
  /** Decrypts encrypted models in memory (see `createDecryptor`). */
  readonly decrypt?: ModelDecryptor;
  /** Cancels the load. */
  readonly signal?: AbortSignal;
  /** Memory budget in bytes for the model's files, checked from their sizes before anything is read (`MODEL_TOO_LARGE`). */
  readonly maxBytes?: number;
  /**
   * Keep model files loaded from URLs in the Cache API between visits (only files with a
   * manifest `sha256`, keyed by URL and hash). Default `true` where the Cache API exists
   * (browsers); `false` opts out.
   */
  readonly cache?: boolean;
  /** The Cache API to keep model files in, instead of `globalThis.caches` (a service worker's, a test's). */
  readonly cacheStorage?: ModelCacheStorage;
}

/**
 * A loaded model: its signature, manifest and report, and a validated `run`.
 * Dispose it (or use `await using`) to release the engine.
 */
export interface Model extends AsyncDisposable {
  /** Inputs and outputs. */
  readonly signature: ModelSignature;
  /** The manifest, when the model came with one. */
  readonly manifest: ModelManifest | undefined;
  /** Which runtime serves the model and why the others do not. */
  readonly report: ModelReport;
  /** The runtime's loaded model, for optional capabilities (such as `gradients`). */
  readonly loaded: LoadedModel;
  /** True once disposed. */
  readonly disposed: boolean;
  /**
   * Runs the model on tensors (no preprocessing). Feeds are checked against the signature first.
   * @throws ServableError `MISSING_INPUT`, `UNKNOWN_INPUT`, `DTYPE_MISMATCH`, `SHAPE_MISMATCH`, `ABORTED`, `DISPOSED`, `INFERENCE_FAILED`
   */
  run(feeds: TensorMap, options?: RunOptions): Promise<TensorMap>;
  /** Releases the engine after in-flight runs finish. Safe to call twice. */
  dispose(): Promise<void>;
}

const probes = new WeakMap<Runtime, Promise<Availability>>();

function probeOnce(runtime: Runtime): Promise<Availability> {
  let p = probes.get(runtime);
  if (!p) {
    p = Promise.resolve()
      .then(() => runtime.probe())
      .catch((e: unknown): Availability => ({ available: false, reason: `probe failed: ${(e as Error)?.message ?? String(e)}` }));
    probes.set(runtime, p);
  }
  return p;
}

/** The factory call and package for runtime names people write as strings (`'onnx-node:cuda'`). */
const RUNTIME_FACTORIES: Record<string, { factory: string; from: string }> = {
  'onnx-node': { factory: 'onnxNode', from: '@servable/runtime-node' },
  'onnx-web': { factory: 'onnxWeb', from: '@servable/runtime-web' },
  tfjs: { factory: 'tfjs', from: '@servable/runtime-tfjs' },
};

/** Refuses chain entries that are not runtime objects at all (a name, the factory itself), saying what to pass instead. */
function checkRuntimeEntries(runtimes: readonly unknown[]): void {
  runtimes.forEach((runtime, i) => {
    const subject = `loadModel options.runtimes[${i}]`;
    if (typeof runtime === 'string') {
      const [name, device] = runtime.split(':') as [string, string | undefined];
      const known = RUNTIME_FACTORIES[name];
      const call = known ? `${known.factory}(${device ? `{ device: '${device}' }` : ''})` : 'onnxNode()';
      const fix = known ? `import { ${known.factory} } from '${known.from}' and pass ${call}` : `pass a runtime such as onnxNode() from @servable/runtime-node, onnxWeb() from @servable/runtime-web or tfjs() from @servable/runtime-tfjs`;
      throw new ServableError('INVALID_ARGUMENT', `${subject}: expected a runtime object such as ${call}, got the string ${JSON.stringify(runtime)} — ${fix}`, {
        details: { subject, expected: `a runtime object such as ${call}`, received: `the string ${JSON.stringify(runtime)}` },
      });
    }
    if (typeof runtime === 'function') {
      const name = (runtime as { name?: string }).name || 'the factory';
      throw new ServableError('INVALID_ARGUMENT', `${subject}: expected a runtime object, got the function ${name} — call it: ${name}()`, {
        details: { subject, expected: 'a runtime object', received: `the function ${name}` },
      });
    }
    if (typeof runtime !== 'object' || runtime === null) {
      throw new ServableError('INVALID_ARGUMENT', `${subject}: expected a runtime object such as onnxNode(), got ${runtime === null ? 'null' : typeof runtime}`, {
        details: { subject, expected: 'a runtime object such as onnxNode()', received: runtime === null ? 'null' : typeof runtime },
      });
    }
  });
}

function reasonOf(e: unknown): { reason: string; code?: string } {
  if (ServableError.isInstance(e)) return { reason: e.message, code: e.code };
  return { reason: (e as Error)?.message ?? String(e) };
}

class LoadedModelHandle implements Model {
  #active = 0;
  #idle: (() => void) | undefined;
  #disposed = false;
  #disposing: Promise<void> | undefined;

  constructor(
    readonly loaded: LoadedModel,
    readonly manifest: ModelManifest | undefined,
    readonly report: ModelReport,
  ) {}

  get signature(): ModelSignature {
    return this.loaded.signature;
  }

  get disposed(): boolean {
    return this.#disposed;
  }

  async run(feeds: TensorMap, options: RunOptions = {}): Promise<TensorMap> {
    validateRun(this, feeds, options);
    this.#active++;
    try {
      return await this.loaded.doRun(feeds, options);
    } catch (e) {
      if (ServableError.isInstance(e)) throw e;
      throw new ServableError('INFERENCE_FAILED', `model ${this.report.source}: the ${this.report.runtime} run failed: ${(e as Error)?.message ?? String(e)}`, { cause: e });
    } finally {
      if (--this.#active === 0) this.#idle?.();
    }
  }

  dispose(): Promise<void> {
    this.#disposed = true;
    this.#disposing ??= (async () => {
      if (this.#active > 0) await new Promise<void>((resolve) => (this.#idle = resolve));
      await this.loaded.dispose();
    })();
    return this.#disposing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.dispose();
  }
}

function now(): number {
  return globalThis.performance?.now() ?? Date.now();
}

/**
 * Loads a model with the first runtime of the chain that can serve it.
 *
 * Each runtime is probed (once per runtime object), then asked to load; every failure is kept
 * and the {@link Model.report} lists them. When none loads the model the error lists every
 * reason: `RUNTIME_UNAVAILABLE` when no runtime could start here, `MODEL_LOAD_FAILED` when some
 * could but the model itself failed. Integrity (`sha256`) is checked before any runtime sees
 * the bytes. When the manifest declares a signature, the runtime's must agree with it (names,
 * dtypes, ranks, fixed sizes), or that runtime's attempt fails with the difference.
 *
 * @example
 * ```ts
 * const model = await loadModel('models/mnist/1', { runtimes: [onnxNode({ device: 'cuda' }), onnxNode()] });
 * console.log(model.report.runtime, model.report.device);
 * ```
 */
export async function loadModel(source: ModelSource, options: LoadModelOptions): Promise<Model> {
  const started = now();
  if (!options || !Array.isArray(options.runtimes) || options.runtimes.length === 0) {
    throw new ServableError('INVALID_ARGUMENT', 'loadModel options.runtimes: expected a non-empty array of runtimes such as [onnxNode()], got none');
  }
  checkRuntimeEntries(options.runtimes);
  throwIfAborted(options.signal, 'loadModel');
  const { source: resolved, description } = await resolveModelSource(source, options);
  const attempts: RuntimeAttempt[] = [];
  for (let i = 0; i < options.runtimes.length; i++) {
    const runtime = options.runtimes[i]!;
    throwIfAborted(options.signal, 'loadModel');
    const t0 = now();
    const name = String(runtime?.name ?? `runtime #${i}`);
    const device = String(runtime?.device ?? '?');
    if (runtime?.specificationVersion !== 'v1') {
      attempts.push({ runtime: name, device, status: 'skipped', reason: `implements specification ${String(runtime?.specificationVersion)}, core needs v1`, ms: 0 });
      continue;
    }
    if (!runtime.formats.includes(resolved.format)) {
      attempts.push({ runtime: name, device, status: 'skipped', reason: `does not load ${resolved.format} models (loads ${runtime.formats.join(', ')})`, ms: 0 });
      continue;
    }
    const availability = await probeOnce(runtime);
    if (!availability.available) {
      attempts.push({ runtime: name, device, status: 'unavailable', reason: availability.reason, ms: now() - t0 });
      continue;
    }
    let loaded: LoadedModel;
    try {
      loaded = await runtime.doLoad(resolved, { signal: options.signal });
    } catch (e) {
      const { reason, code } = reasonOf(e);
      if (code === 'ABORTED') throw e;
      const status = code === 'RUNTIME_UNAVAILABLE' ? 'unavailable' : 'failed';
      attempts.push({ runtime: name, device, status, reason, code, ms: now() - t0 });
      continue;
    }
    const disagreement = resolved.manifest?.signature ? signatureDisagreement(resolved.manifest.signature, loaded.signature) : undefined;
    if (disagreement) {
      await Promise.resolve()
        .then(() => loaded.dispose())
        .catch(() => undefined);
      attempts.push({
        runtime: name,
        device,
        status: 'failed',
        reason: `${disagreement} — fix the manifest's signature or re-export the model`,
        code: 'MODEL_LOAD_FAILED',
        ms: now() - t0,
      });
      continue;
    }
    attempts.push({ runtime: name, device, status: 'selected', ms: now() - t0 });
    for (const rest of options.runtimes.slice(i + 1)) {
      attempts.push({ runtime: String(rest?.name), device: String(rest?.device), status: 'not-tried', reason: 'an earlier runtime serves the model', ms: 0 });
    }
    const report: ModelReport = {
      source: description,
      format: resolved.format,
      runtime: name,
      device: loaded.device,
      attempts,
      warnings: [...(availability.warnings ?? []), ...(loaded.warnings ?? [])],
      integrityChecked: Boolean(resolved.manifest?.sha256) && options.verifyIntegrity !== false,
      decrypted: Boolean(resolved.manifest?.encryption),
      memoryBytes: loaded.memoryBytes,
      loadMs: now() - started,
    };
    return new LoadedModelHandle(loaded, resolved.manifest, report);
  }
  const anyFailed = attempts.some((a) => a.status === 'failed');
  const list = attempts.map((a) => `${a.runtime}[${a.device}] ${a.status}: ${a.reason}`).join('; ');
  throw new ServableError(
    anyFailed ? 'MODEL_LOAD_FAILED' : 'RUNTIME_UNAVAILABLE',
    `model ${description}: expected one of ${attempts.length} runtime(s) to load it, got none — ${list}`,
    { details: { subject: description, attempts } },
  );
}
