import { isNode } from './environment.js';
import type { WasmPaths } from './options.js';

declare const __SERVABLE_ORT_WASM_PATHS__: string | undefined;

/** Folder, relative to the page, where the Vite plugin and the docs put onnxruntime-web's files. */
export const DEFAULT_WASM_FOLDER = 'ort/';

/**
 * The `wasmPaths` used when none is given: the value the Vite plugin defined at build time, else
 * `ort/` resolved against the page's base URL. `undefined` in Node (onnxruntime-web reads its own
 * files there) and where no page URL exists.
 */
export function defaultWasmPaths(): string | undefined {
  if (isNode()) return undefined;
  const defined = typeof __SERVABLE_ORT_WASM_PATHS__ === 'string' ? __SERVABLE_ORT_WASM_PATHS__ : undefined;
  const base = pageBase();
  if (!base) return defined;
  return new URL(defined ?? DEFAULT_WASM_FOLDER, base).href;
}

function pageBase(): string | undefined {
  return (globalThis as { document?: { baseURI?: string } }).document?.baseURI ?? (globalThis as { location?: { href?: string } }).location?.href;
}

/** `wasmPaths` with relative URLs resolved against the page, so messages name the real place. */
export function resolveWasmPaths(paths: WasmPaths): WasmPaths {
  const base = pageBase();
  if (!base) return paths;
  const abs = (u: string | URL) => new URL(String(u), base).href;
  if (typeof paths === 'string') return abs(paths);
  return { ...(paths.wasm !== undefined ? { wasm: abs(paths.wasm) } : {}), ...(paths.mjs !== undefined ? { mjs: abs(paths.mjs) } : {}) };
}

/** `wasmPaths` in the form onnxruntime-web takes: a prefix string or `{ wasm, mjs }` strings. */
export function toOrtWasmPaths(paths: WasmPaths): string | { wasm?: string; mjs?: string } {
  if (typeof paths === 'string') return paths.endsWith('/') ? paths : `${paths}/`;
  const out: { wasm?: string; mjs?: string } = {};
  if (paths.wasm !== undefined) out.wasm = String(paths.wasm);
  if (paths.mjs !== undefined) out.mjs = String(paths.mjs);
  return out;
}

/** A short description of `wasmPaths` for messages. */
export function describeWasmPaths(paths: WasmPaths | undefined): string {
  if (paths === undefined) return "onnxruntime-web's own folder";
  if (typeof paths === 'string') return paths;
  return [paths.mjs && `mjs ${String(paths.mjs)}`, paths.wasm && `wasm ${String(paths.wasm)}`].filter(Boolean).join(', ');
}
