/**
 * `@servable/runtime-web/vite` — serves onnxruntime-web's WebAssembly files from the app itself.
 *
 * @packageDocumentation
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Plugin } from 'vite';
import { DEFAULT_WASM_FOLDER } from './default-wasm-paths.js';
import { ORT_BUILD_FILES } from './load-ort.js';
import { WASM_CACHE_NAME } from './wasm-cache.js';

/** Options of {@link servableOnnxWeb}. */
export interface ServableOnnxWebPluginOptions {
  /**
   * Devices the app uses; each adds its onnxruntime-web build's files (`wasm`: about 14 MB,
   * `webgpu`: about 26 MB, uncompressed). Default both.
   */
  readonly devices?: readonly ('wasm' | 'webgpu')[];
  /** Folder under Vite's `base` that holds the files. Default `ort/`. */
  readonly folder?: string;
  /**
   * Send `Cross-Origin-Opener-Policy: same-origin` and `Cross-Origin-Embedder-Policy: require-corp`
   * from the dev and preview servers, so the page is cross-origin isolated and threads work.
   * Production hosting must send the same headers. Default `true`.
   */
  readonly crossOriginIsolation?: boolean;
  /**
   * Devices whose files the page starts downloading at once (`modulepreload` of the `.mjs` and a
   * `<link rel="preload">` of the `.wasm` in index.html), before any script asks for them. The
   * `.wasm` preload is added by a small inline script only when the Cache API does not already
   * hold the file (`onnxWeb()` keeps it there), so returning visitors download nothing twice.
   * Preload the device the page tries first; a preloaded file the page never uses is wasted
   * bandwidth. Default none.
   */
  readonly preload?: readonly ('wasm' | 'webgpu')[];
}

const CONTENT_TYPES: Record<string, string> = { '.wasm': 'application/wasm', '.mjs': 'text/javascript' };

/** Headers that make a page cross-origin isolated (needed for WebAssembly threads). */
export const CROSS_ORIGIN_ISOLATION_HEADERS: Readonly<Record<string, string>> = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

/**
 * An inline script that preloads a `.wasm` file unless the Cache API already holds it: a
 * returning visitor's engine starts from the cache `onnxWeb()` fills (see its `cache` option), so
 * a preload would download the file for nothing. Without the Cache API it always preloads.
 */
export function conditionalWasmPreload(href: string): string {
  return [
    '(function(){',
    `var href=${JSON.stringify(href)};`,
    "function preload(){var l=document.createElement('link');l.rel='preload';l.href=href;l.as='fetch';l.type='application/wasm';l.crossOrigin='anonymous';document.head.appendChild(l);}",
    `try{caches.open(${JSON.stringify(WASM_CACHE_NAME)}).then(function(c){return c.keys();}).then(function(keys){var url=new URL(href,location.href).href;if(!keys.some(function(k){return k.url.split('?')[0]===url;}))preload();},preload);}catch(e){preload();}`,
    '})();',
  ].join('');
}

/** The `dist` folder of the onnxruntime-web that `@servable/runtime-web` depends on. */
export function onnxruntimeWebDist(): string {
  const require = createRequire(import.meta.url);
  // The package exports no ./package.json; its Node entry lies in dist/.
  return dirname(require.resolve('onnxruntime-web'));
}

/** The files onnxruntime-web fetches at run time for these devices. */
export function onnxruntimeWebFiles(devices: readonly ('wasm' | 'webgpu')[] = ['wasm', 'webgpu']): string[] {
  return [...new Set(devices.flatMap((d) => ORT_BUILD_FILES[d]))];
}

function normalizeFolder(folder: string): string {
  const trimmed = folder.replace(/^\/+/, '');
  if (!trimmed || trimmed.split('/').some((p) => p === '..')) {
    throw new Error(`servableOnnxWeb option "folder": expected a relative folder such as "ort/", got ${JSON.stringify(folder)}`);
  }
  return trimmed.endsWith('/') ? trimmed : `${trimmed}/`;
}

/**
 * Vite plugin for `@servable/runtime-web`: copies onnxruntime-web's `.wasm`/`.mjs` files into the
 * build (`<outDir>/<base>ort/`), serves them in dev, makes `onnxWeb()` load them from there
 * by default (no CDN), and sends the COOP/COEP headers that enable threads from the dev and
 * preview servers.
 *
 * @example
 * ```ts
 * // vite.config.ts
 * import { defineConfig } from 'vite';
 * import { servableOnnxWeb } from '@servable/runtime-web/vite';
 * export default defineConfig({ plugins: [servableOnnxWeb()] });
 * ```
 */
export function servableOnnxWeb(options: ServableOnnxWebPluginOptions = {}): Plugin {
  const devices = options.devices ?? ['wasm', 'webgpu'];
  for (const d of devices) {
    if (d !== 'wasm' && d !== 'webgpu') throw new Error(`servableOnnxWeb option "devices": expected "wasm" and/or "webgpu", got ${JSON.stringify(d)}`);
  }
  const folder = normalizeFolder(options.folder ?? DEFAULT_WASM_FOLDER);
  const files = onnxruntimeWebFiles(devices);
  const isolate = options.crossOriginIsolation ?? true;
  const preload = options.preload ?? [];
  for (const d of preload) {
    if (!devices.includes(d)) throw new Error(`servableOnnxWeb option "preload": expected devices among ${JSON.stringify(devices)}, got ${JSON.stringify(d)}`);
  }
  const dist = onnxruntimeWebDist();
  let base = '/';

  return {
    name: 'servable-onnx-web',
    enforce: 'pre',
    config(config) {
      const b = config.base ?? '/';
      const relative = b === '' || b.startsWith('.');
      const prefix = relative ? folder : `${b.endsWith('/') ? b : `${b}/`}${folder}`;
      return {
        define: { __SERVABLE_ORT_WASM_PATHS__: JSON.stringify(prefix) },
        optimizeDeps: { exclude: ['onnxruntime-web'] },
        ...(isolate ? { server: { headers: { ...CROSS_ORIGIN_ISOLATION_HEADERS } }, preview: { headers: { ...CROSS_ORIGIN_ISOLATION_HEADERS } } } : {}),
      };
    },
    configResolved(config) {
      base = config.base.startsWith('/') ? config.base : '/';
    },
    async resolveId(source, importer, resolveOptions) {
      // The builds without the embedded loader: the loader comes from the served folder, so the
      // bundle does not carry a second copy of it.
      if (source === 'onnxruntime-web/wasm' || source === 'onnxruntime-web/webgpu') {
        if (resolveOptions?.ssr) return null;
        const resolved = await this.resolve(source, importer, { ...resolveOptions, skipSelf: true });
        if (!resolved) return null;
        return join(dirname(resolved.id.split('?')[0]!), source.endsWith('/wasm') ? 'ort.wasm.min.mjs' : 'ort.webgpu.min.mjs');
      }
      return null;
    },
    configureServer(server) {
      const prefix = `${base}${folder}`;
      server.middlewares.use((req, res, next) => {
        const url = (req.url ?? '').split('?')[0]!;
        if (!url.startsWith(prefix)) return next();
        const name = url.slice(prefix.length);
        if (!files.includes(name)) return next();
        const ext = name.slice(name.lastIndexOf('.'));
        res.setHeader('Content-Type', CONTENT_TYPES[ext] ?? 'application/octet-stream');
        res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
        res.end(readFileSync(join(dist, name)));
      });
    },
    transformIndexHtml() {
      return onnxruntimeWebFiles(preload).map((name) =>
        name.endsWith('.mjs')
          ? { tag: 'link', attrs: { rel: 'modulepreload', href: `${base}${folder}${name}` }, injectTo: 'head' as const }
          : { tag: 'script', children: conditionalWasmPreload(`${base}${folder}${name}`), injectTo: 'head' as const },
      );
    },
    generateBundle() {
      for (const name of files) {
        this.emitFile({ type: 'asset', fileName: `${folder}${name}`, source: readFileSync(join(dist, name)) });
      }
    },
  };
}
