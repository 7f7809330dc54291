import type { RuntimeWarning } from '@servable/core';
import { defaultWasmPaths, describeWasmPaths, resolveWasmPaths, toOrtWasmPaths } from './default-wasm-paths.js';
import { isCrossOriginIsolated } from './environment.js';
import type { Ort, OrtBuild } from './load-ort.js';
import type { OnnxWebOptions, WasmPaths } from './options.js';

/** What a runtime asked of onnxruntime-web's global `env.wasm`, after the platform's limits. */
export interface OrtEnvironment {
  /** Threads requested from onnxruntime-web; `undefined` leaves its default. */
  readonly threads: number | undefined;
  /** Whether inference runs in onnxruntime-web's proxy worker. */
  readonly proxy: boolean;
  /** Where the WebAssembly files come from; `undefined` leaves onnxruntime-web's own lookup (Node). */
  readonly wasmPaths: WasmPaths | undefined;
}

const applied = new WeakMap<Ort, OrtEnvironment>();

const ISOLATION_HELP =
  'page is not cross-origin isolated (needs COOP/COEP headers: Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp), so SharedArrayBuffer and WebAssembly threads are unavailable';

/** Works out the environment a runtime wants, and the warnings for what the platform cannot give. */
export function planEnvironment(build: OrtBuild, options: OnnxWebOptions): { env: OrtEnvironment; warnings: RuntimeWarning[] } {
  const warnings: RuntimeWarning[] = [];
  let threads = options.threads;
  if (build !== 'node' && !isCrossOriginIsolated()) {
    if (threads === undefined) {
      warnings.push({ type: 'degraded', setting: 'threads', message: `running on 1 thread: ${ISOLATION_HELP}` });
    } else if (threads > 1) {
      warnings.push({ type: 'unsupported', setting: 'threads', message: `threads: ${threads} ignored, running on 1 thread: ${ISOLATION_HELP}` });
    }
    threads = 1;
  }
  let proxy = false;
  if (options.proxy) {
    if (build === 'node') warnings.push({ type: 'unsupported', setting: 'proxy', message: 'proxy ignored: the proxy worker exists in browsers only' });
    else if (build === 'webgpu') warnings.push({ type: 'unsupported', setting: 'proxy', message: 'proxy ignored: onnxruntime-web runs WebGPU on the main thread only' });
    else proxy = true;
  }
  let wasmPaths: WasmPaths | undefined;
  if (build === 'node') {
    if (options.wasmPaths !== undefined) {
      warnings.push({ type: 'unsupported', setting: 'wasmPaths', message: 'wasmPaths ignored in Node: onnxruntime-web reads its WebAssembly files from node_modules' });
    }
  } else {
    wasmPaths = options.wasmPaths !== undefined ? resolveWasmPaths(options.wasmPaths) : defaultWasmPaths();
  }
  return { env: { threads, proxy, wasmPaths }, warnings };
}

/**
 * Applies the environment to the onnxruntime-web build before its first session. The build reads
 * `env.wasm` once, so a later runtime that wants something else gets a warning instead.
 */
export function applyEnvironment(ort: Ort, wanted: OrtEnvironment): RuntimeWarning[] {
  const current = applied.get(ort);
  if (!current) {
    if (wanted.threads !== undefined) ort.env.wasm.numThreads = wanted.threads;
    ort.env.wasm.proxy = wanted.proxy;
    if (wanted.wasmPaths !== undefined) ort.env.wasm.wasmPaths = toOrtWasmPaths(wanted.wasmPaths) as never;
    applied.set(ort, wanted);
    return [];
  }
  const warnings: RuntimeWarning[] = [];
  if (wanted.threads !== undefined && current.threads !== wanted.threads) {
    warnings.push({
      type: 'unsupported',
      setting: 'threads',
      message: `threads: ${wanted.threads} ignored: onnxruntime-web was already started with ${current.threads ?? 'its default number of'} thread(s) by an earlier model on this page, and reads the setting once`,
    });
  }
  if (current.proxy !== wanted.proxy) {
    warnings.push({ type: 'unsupported', setting: 'proxy', message: `proxy: ${wanted.proxy} ignored: onnxruntime-web was already started with proxy ${current.proxy} on this page` });
  }
  if (describeWasmPaths(current.wasmPaths) !== describeWasmPaths(wanted.wasmPaths)) {
    warnings.push({
      type: 'unsupported',
      setting: 'wasmPaths',
      message: `wasmPaths ${describeWasmPaths(wanted.wasmPaths)} ignored: onnxruntime-web already loads its files from ${describeWasmPaths(current.wasmPaths)}`,
    });
  }
  return warnings;
}
