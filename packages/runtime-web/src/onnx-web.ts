import {
  ServableError,
  throwIfAborted,
  type Availability,
  type LoadedModel,
  type ModelSignature,
  type ResolvedModelSource,
  type RunOptions,
  type Runtime,
  type RuntimeLoadOptions,
  type RuntimeWarning,
  type TensorMap,
} from '@servable/core';
import { describeWasmPaths } from './default-wasm-paths.js';
import { startEngine } from './engine-check.js';
import { applyEnvironment, planEnvironment, type OrtEnvironment } from './ort-environment.js';
import { importOrt, ortBuildFor, type Ort, type OrtBuild } from './load-ort.js';
import type { InferenceSession, Tensor as OrtTensor } from 'onnxruntime-web';
import type { OnnxWebOptions } from './options.js';
import { sessionSignature } from './session-signature.js';
import { fromOrtTensor, toOrtTensor } from './tensor-conversion.js';
import { fillWasmCache, forgetCachedWasm, useCachedWasm, wasmFileUrl, type WasmCacheOutcome } from './wasm-cache.js';
import { probeWebGpu, type GpuAdapterLike } from './webgpu-probe.js';

type Session = InferenceSession;

const DEVICES = ['webgpu', 'wasm'] as const;

function invalidOption(name: string, expected: string, value: unknown): ServableError {
  return new ServableError('INVALID_ARGUMENT', `onnxWeb option "${name}": expected ${expected}, got ${JSON.stringify(value) ?? typeof value}`);
}

function checkOptions(options: OnnxWebOptions): void {
  if (typeof options !== 'object' || options === null) throw invalidOption('(options)', 'an object such as { device: "wasm" }', options);
  if (options.device !== undefined && !DEVICES.includes(options.device)) throw invalidOption('device', '"webgpu" or "wasm"', options.device);
  if (options.threads !== undefined && !(Number.isInteger(options.threads) && options.threads >= 1)) throw invalidOption('threads', 'a whole number ≥ 1', options.threads);
  if (options.proxy !== undefined && typeof options.proxy !== 'boolean') throw invalidOption('proxy', 'true or false', options.proxy);
  if (options.cache !== undefined && typeof options.cache !== 'boolean') throw invalidOption('cache', 'true or false', options.cache);
  const paths = options.wasmPaths;
  if (paths !== undefined && typeof paths !== 'string' && (typeof paths !== 'object' || paths === null || (paths.wasm === undefined && paths.mjs === undefined))) {
    throw invalidOption('wasmPaths', 'a URL prefix ending in "/" or { wasm, mjs } URLs', paths);
  }
}

function mainFileName(source: ResolvedModelSource): string {
  if (source.manifest) return source.manifest.file;
  const where = source.url ? new URL(source.url).pathname : (source.path ?? '');
  return where.split(/[\\/]/).pop() || 'model.onnx';
}

function errorText(e: unknown): string {
  if (typeof e === 'string') return e;
  return (e as Error)?.message ?? String(e);
}

/** onnxruntime-web reports a build that could not start as "no available backend found". */
function isEngineStartFailure(message: string): boolean {
  return /no available backend|failed to fetch|dynamically imported module|WebAssembly\.instantiate|Aborted\(|both async and sync fetching of the wasm failed/i.test(message);
}

function engineFailure(device: 'webgpu' | 'wasm', e: unknown, env: OrtEnvironment): string {
  const message = errorText(e);
  if (device === 'webgpu' && !isEngineStartFailure(message)) {
    return `WebGPU: expected onnxruntime-web to create a session on the adapter, got a failed session: ${message}`;
  }
  return `onnxruntime-web: expected its WebAssembly files at ${describeWasmPaths(env.wasmPaths)}, got an error starting the engine (${message}) — serve ort-wasm-simd-threaded*.mjs/.wasm there (the Vite plugin @servable/runtime-web/vite does) or pass wasmPaths`;
}

/** The wasm cache is consulted once per onnxruntime-web build, before its engine first starts. */
const cacheSteps = new WeakMap<Ort, Promise<WasmCacheOutcome>>();

function describeCache(outcome: WasmCacheOutcome | undefined): string {
  if (!outcome) return '';
  if (outcome.kind === 'hit') return `, WebAssembly from the Cache API (${(outcome.bytes / 1e6).toFixed(1)} MB, no download)`;
  if (outcome.kind === 'miss') return ', WebAssembly streamed from the network (kept in the Cache API for the next visit)';
  return '';
}

/** Runs one task at a time: onnxruntime-web sessions do not take overlapping `run` calls. */
class RunQueue {
  #busy = false;
  readonly #waiting: (() => void)[] = [];

  async push<T>(task: () => Promise<T>): Promise<T> {
    // The idle path costs no extra promise: a lone caller runs at once.
    if (this.#busy) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    this.#busy = true;
    try {
      return await task();
    } finally {
      const next = this.#waiting.shift();
      if (next) next();
      else this.#busy = false;
    }
  }
}

class OnnxWebModel implements LoadedModel {
  readonly #queue = new RunQueue();

  constructor(
    readonly ort: Ort,
    readonly session: Session,
    readonly signature: ModelSignature,
    readonly device: string,
    readonly warnings: readonly RuntimeWarning[],
    readonly memoryBytes: number,
  ) {}

  doRun(feeds: TensorMap, options: RunOptions): Promise<TensorMap> {
    return this.#queue.push(async () => {
      throwIfAborted(options.signal, 'onnx-web run');
      const inputs: Record<string, OrtTensor> = {};
      for (const [name, tensor] of Object.entries(feeds)) inputs[name] = toOrtTensor(this.ort, name, tensor);
      const results = options.outputs ? await this.session.run(inputs, [...options.outputs]) : await this.session.run(inputs);
      const out: TensorMap = {};
      for (const [name, value] of Object.entries(results)) out[name] = fromOrtTensor(name, value as OrtTensor);
      return out;
    });
  }

  async dispose(): Promise<void> {
    await this.#queue.push(() => this.session.release());
  }
}

/**
 * ONNX Runtime Web as a Servable runtime (`onnx-web`): WebGPU or WebAssembly in the browser,
 * WebAssembly in Node (for tests and tools).
 *
 * onnxruntime-web is imported on the first probe, never at import time. The probe starts the
 * engine for real (WebAssembly fetched and compiled, a one-node model run on the device), so call
 * `runtime.probe()` early to overlap that with the model's download. `device: 'webgpu'` asks the
 * page for a WebGPU adapter first and is unavailable, with the reason, when there is none or its
 * session cannot be created; put a `wasm` runtime after it to fall back. The WebAssembly file is
 * kept in the Cache API and later visits start from it (`cache: false` opts out). WebAssembly threads
 * are used only on cross-origin isolated pages; elsewhere the report carries a warning that
 * says why they are off. The WebAssembly files come from the app itself (`wasmPaths`), never a CDN.
 *
 * @example
 * ```ts
 * const model = await loadModel('/models/mnist/1/', {
 *   runtimes: [onnxWeb({ device: 'webgpu' }), onnxWeb({ device: 'wasm' })],
 * });
 * console.log(model.report.device, model.report.warnings);
 * ```
 * @throws ServableError `INVALID_ARGUMENT` for an option of the wrong kind
 */
export function onnxWeb(options: OnnxWebOptions = {}): Runtime {
  checkOptions(options);
  const device = options.device ?? 'wasm';
  const build: OrtBuild = ortBuildFor(device);
  let adapter: GpuAdapterLike | undefined;
  let environment: OrtEnvironment | undefined;
  let probed: Promise<Availability> | undefined;

  const probe = async (): Promise<Availability> => {
    let detail = build === 'node' ? 'onnxruntime-web (Node build) on WebAssembly' : `onnxruntime-web on ${device}`;
    if (device === 'webgpu') {
      const gpu = await probeWebGpu();
      if (!gpu.ok) return { available: false, reason: gpu.reason };
      adapter = gpu.adapter;
      detail += ` (${gpu.description})`;
    }
    const plan = planEnvironment(build, options);
    let ort: Ort;
    try {
      ort = await importOrt(build);
    } catch (e) {
      return {
        available: false,
        reason: `onnxruntime-web: expected its ${build} build to import, got ${errorText(e)} — check that onnxruntime-web is installed and that the bundler serves it`,
      };
    }
    const warnings = [...plan.warnings, ...applyEnvironment(ort, plan.env)];
    environment = plan.env;
    let cached: WasmCacheOutcome | undefined;
    let firstStart = false;
    if (build !== 'node' && options.cache !== false) {
      let step = cacheSteps.get(ort);
      if (!step) {
        firstStart = true;
        step = useCachedWasm(ort, wasmFileUrl(build, environment.wasmPaths));
        cacheSteps.set(ort, step);
      }
      cached = await step;
    }
    try {
      await startEngine(ort, device);
    } catch (e) {
      // A cached binary the engine cannot start from is dropped: the next visit downloads it again.
      if (firstStart && cached?.kind === 'hit' && build !== 'node') await forgetCachedWasm(ort, wasmFileUrl(build, environment.wasmPaths));
      return { available: false, reason: engineFailure(device, e, plan.env) };
    }
    // Off the path of the first prediction: the HTTP cache usually answers this fetch.
    if (firstStart && cached?.kind === 'miss') setTimeout(() => void fillWasmCache(ort, cached.url), 0);
    const threads = ort.env.wasm.numThreads;
    if (threads !== undefined) detail += `, ${threads} thread(s)`;
    detail += describeCache(cached);
    return { available: true, detail, warnings };
  };

  const createSession = async (ort: Ort, bytes: Uint8Array, source: ResolvedModelSource, signal: AbortSignal | undefined): Promise<Session> => {
    const externalData: { path: string; data: Uint8Array }[] = [];
    for (const name of source.manifest?.files ?? []) {
      if (name === source.manifest?.file) continue;
      throwIfAborted(signal, 'onnx-web load');
      externalData.push({ path: name, data: await source.readSibling(name) });
    }
    const sessionOptions = {
      executionProviders: [device],
      graphOptimizationLevel: 'all',
      ...(externalData.length > 0 ? { externalData } : {}),
      ...options.sessionOptions,
    } as InferenceSession.SessionOptions;
    try {
      return await ort.InferenceSession.create(bytes, sessionOptions);
    } catch (e) {
      const message = errorText(e);
      if (isEngineStartFailure(message) && environment) {
        throw new ServableError('RUNTIME_UNAVAILABLE', `onnx-web[${device}]: ${engineFailure(device, e, environment)}`, { cause: e });
      }
      throw new ServableError(
        'MODEL_LOAD_FAILED',
        `model file "${mainFileName(source)}": expected an ONNX model onnxruntime-web can load on ${device}, got a ${device} session that failed: ${message}`,
        { cause: e },
      );
    }
  };

  return {
    specificationVersion: 'v1',
    name: 'onnx-web',
    device,
    formats: ['onnx'],
    probe() {
      probed ??= probe();
      return probed;
    },
    async doLoad(source: ResolvedModelSource, loadOptions: RuntimeLoadOptions): Promise<LoadedModel> {
      throwIfAborted(loadOptions.signal, 'onnx-web load');
      const availability = await this.probe();
      if (!availability.available) throw new ServableError('RUNTIME_UNAVAILABLE', `onnx-web[${device}]: ${availability.reason}`);
      const ort = await importOrt(build);
      const bytes = source.bytes ?? (await source.readSibling(mainFileName(source)));
      throwIfAborted(loadOptions.signal, 'onnx-web load');
      const session = await createSession(ort, bytes, source, loadOptions.signal);
      let signature: ModelSignature;
      try {
        signature = sessionSignature(session);
        if (device === 'webgpu' && adapter && !adapter.features.has('shader-f16')) {
          const half = [...signature.inputs, ...signature.outputs].find((s) => s.dtype === 'float16');
          if (half) {
            throw new ServableError(
              'RUNTIME_UNAVAILABLE',
              `onnx-web[webgpu]: expected an adapter with the "shader-f16" feature for float16 ${signature.inputs.includes(half) ? 'input' : 'output'} "${half.name}", got an adapter without it — use the wasm device for this model`,
            );
          }
        }
        throwIfAborted(loadOptions.signal, 'onnx-web load');
      } catch (e) {
        await session.release();
        throw e;
      }
      return new OnnxWebModel(ort, session, signature, device, [], bytes.byteLength);
    },
  };
}
