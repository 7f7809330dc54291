import type * as OrtNamespace from 'onnxruntime-web';
import { isNode } from './environment.js';

/** The onnxruntime-web module (one of its builds). */
export type Ort = typeof OrtNamespace;

/**
 * Which onnxruntime-web build serves a device. Each build loads its own WebAssembly file:
 * `wasm` → `ort-wasm-simd-threaded.{mjs,wasm}` (CPU only, the smallest), `webgpu` →
 * `ort-wasm-simd-threaded.asyncify.{mjs,wasm}` (WebGPU and CPU), `node` → the Node build, which
 * reads its files from `node_modules`.
 */
export type OrtBuild = 'wasm' | 'webgpu' | 'node';

/** The files each browser build fetches at run time, for the Vite plugin and the docs. */
export const ORT_BUILD_FILES: Readonly<Record<Exclude<OrtBuild, 'node'>, readonly string[]>> = {
  wasm: ['ort-wasm-simd-threaded.mjs', 'ort-wasm-simd-threaded.wasm'],
  webgpu: ['ort-wasm-simd-threaded.asyncify.mjs', 'ort-wasm-simd-threaded.asyncify.wasm'],
};

const loading = new Map<OrtBuild, Promise<Ort>>();

/** The build that serves `device` here. */
export function ortBuildFor(device: 'webgpu' | 'wasm'): OrtBuild {
  return isNode() ? 'node' : device;
}

/** Hidden from bundlers: only Node loads this build, and a browser bundle must not carry it. */
const NODE_BUILD = 'onnxruntime-web';

function importBuild(build: OrtBuild): Promise<Ort> {
  if (build === 'node') return import(/* @vite-ignore */ /* webpackIgnore: true */ NODE_BUILD) as Promise<Ort>;
  // Literal specifiers, so bundlers see them and the Vite plugin can point them at the files it serves.
  if (build === 'webgpu') return import('onnxruntime-web/webgpu') as Promise<Ort>;
  return import('onnxruntime-web/wasm') as Promise<Ort>;
}

/** Imports the onnxruntime-web build once per page or process (the import is lazy: nothing loads before the first probe). */
export function importOrt(build: OrtBuild): Promise<Ort> {
  let p = loading.get(build);
  if (!p) {
    p = importBuild(build).then((m) => ((m as unknown as { default?: Ort }).default?.InferenceSession ? (m as unknown as { default: Ort }).default : m));
    p.catch(() => loading.delete(build));
    loading.set(build, p);
  }
  return p;
}
