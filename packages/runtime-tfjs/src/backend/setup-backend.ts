import * as tf from '@tensorflow/tfjs';
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { ServableError } from '@servable/core';
import { isNode, nodeBuiltins } from '../platform/node-builtins.js';
import { registerWasmConv2dFilterGrad } from './wasm-conv2d-filter-grad.js';

/** TensorFlow.js backends a runtime or trainer can ask for. */
export type TfjsBackendName = 'wasm' | 'cpu' | 'webgl' | 'webgpu';

/** Backends known to this package, for validation. */
export const TFJS_BACKENDS: readonly TfjsBackendName[] = ['wasm', 'cpu', 'webgl', 'webgpu'];

/** Options of {@link ensureBackend}. */
export interface BackendOptions {
  /**
   * Where the wasm backend finds its `.wasm` files: a folder URL or path ending in `/`.
   * In Node the default is the `dist/` folder of the installed `@tensorflow/tfjs-backend-wasm`;
   * in browsers, tfjs's own default (the package's CDN) unless set.
   */
  readonly wasmPaths?: string;
  /** Threads of the wasm backend where the environment supports them (browsers with cross-origin isolation). */
  readonly threads?: number;
}

const ready = new Map<TfjsBackendName, Promise<void>>();
let wasmPathsSet = false;

async function defaultWasmPaths(): Promise<string | undefined> {
  if (!isNode()) return undefined;
  const { createRequire, path } = await nodeBuiltins('tfjs wasm backend: expected Node.js to locate its .wasm files, got a browser — pass wasmPaths');
  const { dirname, join, sep } = path;
  let main: string;
  try {
    main = createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm');
  } catch {
    // Bundled code may have no usable import.meta.url: resolve from the working directory.
    main = createRequire(join(process.cwd(), 'index.js')).resolve('@tensorflow/tfjs-backend-wasm');
  }
  // The package's main file lives in dist/, beside the .wasm binaries.
  return dirname(main) + sep;
}

async function loadWebgpu(): Promise<void> {
  if (tf.findBackendFactory('webgpu')) return;
  const specifier = '@tensorflow/tfjs-backend-webgpu';
  try {
    await import(/* @vite-ignore */ specifier);
  } catch (cause) {
    throw new ServableError(
      'RUNTIME_UNAVAILABLE',
      `tfjs backend "webgpu": expected the package ${specifier} to be installed, got an import error (${(cause as Error).message}) — install @tensorflow/tfjs-backend-webgpu@4.22.0 or choose another backend`,
      { cause },
    );
  }
}

async function initialize(name: TfjsBackendName, options: BackendOptions): Promise<void> {
  if (name === 'webgpu') await loadWebgpu();
  if (name === 'webgl' && typeof document === 'undefined' && typeof OffscreenCanvas === 'undefined') {
    throw new ServableError('RUNTIME_UNAVAILABLE', 'tfjs backend "webgl": expected a browser with WebGL (a document or OffscreenCanvas), got an environment without one — use backend "wasm" or "cpu" here');
  }
  if (name === 'webgpu' && (typeof navigator === 'undefined' || !(navigator as { gpu?: unknown }).gpu)) {
    throw new ServableError('RUNTIME_UNAVAILABLE', 'tfjs backend "webgpu": expected navigator.gpu (a browser with WebGPU), got an environment without it — use backend "wasm" or "webgl"');
  }
  if (name === 'wasm' && !wasmPathsSet) {
    const paths = options.wasmPaths ?? (await defaultWasmPaths());
    if (paths) setWasmPaths(paths);
    if (options.threads !== undefined) setThreadsCount(options.threads);
    wasmPathsSet = true;
  }
  if (!tf.findBackendFactory(name)) {
    throw new ServableError('RUNTIME_UNAVAILABLE', `tfjs backend "${name}": expected it to be registered, got no such backend — import its package (@tensorflow/tfjs-backend-${name})`);
  }
  let ok: boolean;
  let failure: unknown;
  const warn = console.warn;
  try {
    // tfjs reports an initialization failure with a console warning and `false`; capture it as the reason.
    console.warn = (...args: unknown[]) => {
      failure = args.map(String).join(' ');
    };
    ok = await tf.setBackend(name);
    if (ok && name === 'cpu') {
      // The cpu backend prints its "install the node backend" banner on its first tensor write, in
      // Node; write that tensor here, where the banner is caught, and say it in the probe's detail.
      failure = undefined;
      tf.tensor1d([0]).dispose();
    }
  } catch (cause) {
    ok = false;
    failure = cause;
  } finally {
    console.warn = warn;
  }
  if (ok && name === 'wasm') registerWasmConv2dFilterGrad();
  if (!ok || tf.getBackend() !== name) {
    const why = failure instanceof Error ? failure.message : failure ? String(failure) : 'initialization returned false';
    throw new ServableError('RUNTIME_UNAVAILABLE', `tfjs backend "${name}": expected it to initialize, got a failure (${why}) — choose another backend or check the environment`, { cause: failure });
  }
}

/**
 * Initializes a tfjs backend once and makes it the active one. Never falls back silently:
 * when the backend cannot start, it throws `RUNTIME_UNAVAILABLE` with tfjs's reason.
 * @param name - backend to use
 * @param options - wasm file location and threads
 */
export async function ensureBackend(name: TfjsBackendName, options: BackendOptions = {}): Promise<void> {
  if (!TFJS_BACKENDS.includes(name)) {
    throw new ServableError('INVALID_ARGUMENT', `tfjs backend: expected one of ${TFJS_BACKENDS.join(', ')}, got ${JSON.stringify(name)}`);
  }
  let p = ready.get(name);
  if (!p) {
    p = initialize(name, options);
    ready.set(name, p);
    p.catch(() => ready.delete(name));
  }
  await p;
  if (tf.getBackend() !== name) await tf.setBackend(name);
}

/**
 * Threads the active wasm backend runs with (1 in Node and on pages that are not cross-origin
 * isolated). Call after {@link ensureBackend}.
 */
export function wasmThreads(): number {
  return getThreadsCount();
}

/**
 * What a user should know about a backend here, for probe details and `servable doctor`: the cpu
 * backend is plain JavaScript, which tfjs itself points out in Node with a banner about tfjs-node.
 */
export function backendNote(name: TfjsBackendName): string | undefined {
  if (name === 'cpu') {
    return isNode()
      ? 'plain JavaScript, the slowest backend: wasm is faster here, and @tensorflow/tfjs-node (native TensorFlow) faster still where it installs'
      : 'plain JavaScript, the slowest backend: prefer webgl, webgpu or wasm';
  }
  return undefined;
}

/** The default backend: wasm (fast in Node and browsers without a GPU). */
export function defaultBackend(): TfjsBackendName {
  return 'wasm';
}
