import * as tf from '@tensorflow/tfjs';
import { ServableError, throwIfAborted, type Availability, type ModelFormat, type ResolvedModelSource, type Runtime, type RuntimeLoadOptions, type RuntimeWarning } from '@servable/core';
import { backendNote, ensureBackend, defaultBackend, wasmThreads, type BackendOptions, type TfjsBackendName } from '../backend/setup-backend.js';
import { MODEL_JSON_FILE, artifactsFromJson, parseModelJson } from '../io/artifacts.js';
import { LoadedTfjsModel, type TfjsModel } from './loaded-tfjs-model.js';

/** Options of {@link tfjs}. */
export interface TfjsRuntimeOptions extends BackendOptions {
  /**
   * The tfjs backend: `wasm` (default; Node and browsers), `cpu` (pure JS, slow, always there),
   * `webgl` (browsers), `webgpu` (browsers with WebGPU; needs `@tensorflow/tfjs-backend-webgpu`).
   * A backend that cannot start makes the runtime unavailable with tfjs's reason; it never falls
   * back silently — list the fallbacks yourself: `[tfjs({ backend: 'webgpu' }), tfjs({ backend: 'wasm' })]`.
   */
  readonly backend?: TfjsBackendName;
}

function mainFileName(source: ResolvedModelSource): string {
  if (source.manifest?.file) return source.manifest.file;
  const where = source.path ?? source.url;
  if (where) {
    const last = where.split(/[\\/]/).pop();
    if (last) return last.split('?')[0]!;
  }
  return MODEL_JSON_FILE;
}

async function loadTfjsModel(source: ResolvedModelSource): Promise<TfjsModel> {
  const name = mainFileName(source);
  const bytes = source.bytes ?? (await source.readSibling(name));
  const json = parseModelJson(bytes, name);
  const artifacts = await artifactsFromJson(json, (shard) => source.readSibling(shard));
  const handler: tf.io.IOHandler = { load: async () => artifacts };
  const graph = source.format === 'tfjs-graph' || json.format === 'graph-model';
  try {
    return graph ? await tf.loadGraphModel(handler) : await tf.loadLayersModel(handler);
  } catch (cause) {
    if (ServableError.isInstance(cause)) throw cause;
    throw new ServableError('MODEL_LOAD_FAILED', `tfjs ${graph ? 'GraphModel' : 'LayersModel'} "${name}": expected a model tfjs can build, got an error (${(cause as Error).message})`, { cause });
  }
}

/**
 * The TensorFlow.js runtime: serves tfjs LayersModel and GraphModel folders (`model.json` +
 * weight shards), read through core's model source (the file system in Node, URLs in browsers,
 * in-memory packages anywhere), with the backend chosen here.
 *
 * Loaded models expose the optional `gradients` capability (exact input gradients via `tf.grad`).
 *
 * @example
 * ```ts
 * const model = await loadModel('models/mnist/1', { runtimes: [tfjs({ backend: 'webgpu' }), tfjs()] });
 * ```
 * @param options - backend and wasm file location
 */
export function tfjs(options: TfjsRuntimeOptions = {}): Runtime {
  const backend = options.backend ?? defaultBackend();
  let probed: Promise<Availability> | undefined;
  const activate = () => ensureBackend(backend, options);
  const formats: readonly ModelFormat[] = ['tfjs-layers', 'tfjs-graph'];
  return {
    specificationVersion: 'v1',
    name: 'tfjs',
    device: backend,
    formats,
    probe(): Promise<Availability> {
      probed ??= activate().then(
        (): Availability => {
          const warnings: RuntimeWarning[] = [];
          if (backend === 'wasm' && options.threads !== undefined && wasmThreads() !== options.threads) {
            warnings.push({ type: 'unsupported', setting: 'threads', message: `asked for ${options.threads} wasm threads, runs with ${wasmThreads()}: threads need SharedArrayBuffer workers (a cross-origin isolated page); Node runs the single-threaded build` });
          }
          const note = backendNote(backend);
          return { available: true, detail: `TensorFlow.js ${tf.version.tfjs} on ${backend}${note ? ` (${note})` : ''}`, warnings };
        },
        (e: unknown): Availability => ({ available: false, reason: (e as Error).message }),
      );
      return probed;
    },
    async doLoad(source: ResolvedModelSource, loadOptions: RuntimeLoadOptions) {
      throwIfAborted(loadOptions.signal, 'tfjs load');
      if (!formats.includes(source.format)) {
        throw new ServableError('MODEL_LOAD_FAILED', `tfjs runtime: expected a tfjs-layers or tfjs-graph model, got ${source.format} — use an ONNX runtime for ONNX files`);
      }
      await activate();
      const model = await loadTfjsModel(source);
      try {
        return new LoadedTfjsModel(model, backend, activate);
      } catch (e) {
        model.dispose();
        throw e;
      }
    },
  };
}
