/**
 * Where onnxruntime-web finds its WebAssembly files: a URL prefix ending in `/` (the folder that
 * holds `ort-wasm-simd-threaded*.wasm` and `.mjs`), or the exact URLs of the two files.
 */
export type WasmPaths = string | { readonly wasm?: string | URL; readonly mjs?: string | URL };

/** Options of {@link onnxWeb}. */
export interface OnnxWebOptions {
  /**
   * Execution provider. `webgpu` runs on the GPU through WebGPU and is unavailable (with the
   * reason) when the page has no adapter or the session cannot be created, so a chain
   * `[onnxWeb({ device: 'webgpu' }), onnxWeb()]` falls back to WebAssembly. Default `wasm`.
   * In Node only `wasm` is available.
   */
  readonly device?: 'webgpu' | 'wasm';
  /**
   * WebAssembly threads. Honoured only where `SharedArrayBuffer` works: on a cross-origin isolated
   * page (COOP `same-origin` + COEP `require-corp`) and in Node. Elsewhere the runtime runs on one
   * thread and says so in `model.report.warnings`. Default: onnxruntime-web's choice (up to 4)
   * when isolated, 1 otherwise. onnxruntime-web reads this once per page: the first model loaded
   * fixes it.
   */
  readonly threads?: number;
  /**
   * Where the WebAssembly files are served from. Default: what the Vite plugin
   * (`@servable/runtime-web/vite`) set, else `ort/` beside the page (`document.baseURI`). Never a
   * CDN. Ignored in Node, where onnxruntime-web reads its own files from `node_modules`.
   */
  readonly wasmPaths?: WasmPaths;
  /**
   * Run WebAssembly inference in a Web Worker so the page stays responsive (onnxruntime-web's
   * `env.wasm.proxy`). Browser only, `wasm` device only; ignored with a warning elsewhere.
   */
  readonly proxy?: boolean;
  /**
   * Keep onnxruntime-web's WebAssembly file in the Cache API (cache `servable-runtime-web`, keyed
   * by its URL and the onnxruntime-web version) and start the engine from it on later visits,
   * without the network and whatever cache headers the server sends. The first visit streams and
   * compiles the file from its URL while the model downloads, and stores it after the engine has
   * started. Default `true` where the Cache API exists (secure origins in browsers); `false` opts
   * out, leaving the browser's HTTP cache alone in charge. Ignored in Node.
   */
  readonly cache?: boolean;
  /** Extra session options passed to onnxruntime-web as they are (graph optimization level…). */
  readonly sessionOptions?: Readonly<Record<string, unknown>>;
}
