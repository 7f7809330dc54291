// Prints the size of @servable/runtime-web's own JavaScript as an app bundles it: the built
// package (dist/) bundled and minified by esbuild with @servable/core and onnxruntime-web left
// out, then gzipped. WebAssembly is not counted. Target ≤ 100 KB gzipped.
// Usage: node bench/web/bundle-size.mjs
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ensureDist, REPO } from './build-helpers.mjs';

const esbuild = createRequire(join(REPO, 'bench', 'package.json'))('esbuild');
await ensureDist('core');
await ensureDist('runtime-web');

async function bundled(entry, external) {
  const result = await esbuild.build({
    stdin: { contents: entry, resolveDir: join(REPO, 'packages', 'runtime-web'), loader: 'js' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    external,
    write: false,
    define: { __SERVABLE_ORT_WASM_PATHS__: '"/ort/"' },
  });
  const code = result.outputFiles[0].contents;
  return { raw: code.byteLength, gzip: gzipSync(code, { level: 9 }).byteLength };
}

const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
const row = (name, s, kind = 'min') => console.log(`  ${name.padEnd(46)} ${kb(s.raw).padStart(10)} ${kind.padEnd(4)} ${kb(s.gzip).padStart(9)} gzip`);

const web = await bundled(`export { onnxWeb } from '@servable/runtime-web';`, ['@servable/core', 'onnxruntime-web', 'onnxruntime-web/*']);
// core reaches node:fs only in Node, through a dynamic import that a browser never runs.
const core = await bundled(`export { loadModel, createPredictor } from '@servable/core';`, ['onnxruntime-web', 'onnxruntime-web/*', 'fs/promises', 'path', 'node:*']);
const ortDist = join(REPO, 'node_modules', '.pnpm', 'onnxruntime-web@1.30.0', 'node_modules', 'onnxruntime-web', 'dist');
const file = (name) => {
  const bytes = readFileSync(join(ortDist, name));
  return { raw: bytes.byteLength, gzip: gzipSync(bytes, { level: 9 }).byteLength };
};

console.log('JavaScript an app ships for in-browser inference (esbuild, minified):');
row('@servable/runtime-web (own code)', web);
console.log(`    target ≤ 100 KB gzip: ${web.gzip <= 100 * 1024 ? 'met' : 'MISSED'}`);
row('@servable/core (loadModel + createPredictor)', core);
row('onnxruntime-web ort.wasm.min.mjs (engine JS)', file('ort.wasm.min.mjs'), 'file');
row('onnxruntime-web ort-wasm-simd-threaded.mjs', file('ort-wasm-simd-threaded.mjs'), 'file');
console.log('WebAssembly (not counted):');
row('ort-wasm-simd-threaded.wasm (device wasm)', file('ort-wasm-simd-threaded.wasm'), 'file');
row('ort-wasm-simd-threaded.asyncify.wasm (webgpu)', file('ort-wasm-simd-threaded.asyncify.wasm'), 'file');
