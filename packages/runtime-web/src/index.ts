/**
 * `@servable/runtime-web` — ONNX Runtime Web as a Servable runtime: WebGPU first where asked,
 * WebAssembly fallback, wasm files served by the app itself, threads where the page allows them.
 * The Vite plugin lives in `@servable/runtime-web/vite`.
 *
 * @packageDocumentation
 */
export { onnxWeb } from './onnx-web.js';
export type { OnnxWebOptions, WasmPaths } from './options.js';
export { DEFAULT_WASM_FOLDER, defaultWasmPaths } from './default-wasm-paths.js';
export { ORT_BUILD_FILES, type OrtBuild } from './load-ort.js';
