import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

// Imports the *built* package (dist/) in a separate Node process, as a user's program would:
// the test runner's aliases to the sources do not apply there.

const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));
const REPO_DIR = join(PACKAGE_DIR, '..', '..');
const MLP = join(REPO_DIR, 'fixtures', 'models', 'mlp.onnx');

function newest(dir: string): number {
  return Math.max(0, ...readdirSync(dir, { withFileTypes: true }).map((e) => (e.isDirectory() ? newest(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs)));
}

/**
 * Builds a package's dist with tsup when it is missing, or (with `whenStale`) older than its
 * sources. A dist that another build is rewriting right now is waited for first.
 */
async function ensureDist(dir: string, whenStale: boolean): Promise<void> {
  const entry = join(dir, 'dist', 'index.js');
  for (let i = 0; i < 30 && !existsSync(entry) && existsSync(join(dir, 'dist')); i++) await new Promise((r) => setTimeout(r, 1000));
  if (existsSync(entry) && (!whenStale || statSync(entry).mtimeMs >= newest(join(dir, 'src')))) return;
  execFileSync(process.execPath, [join(REPO_DIR, 'node_modules', 'tsup', 'dist', 'cli-default.js')], { cwd: dir, stdio: 'pipe' });
}

function node(args: string[], code: string): string {
  return execFileSync(process.execPath, [...args, '-e', code], { cwd: PACKAGE_DIR, encoding: 'utf8', timeout: 60_000 }).trim();
}

const PREDICT = (load: string) => `
${load}
const bytes = new Uint8Array(fs.readFileSync(${JSON.stringify(MLP)}));
(async () => {
  const model = await core.loadModel(bytes, { runtimes: [web.onnxWeb({ device: 'webgpu' }), web.onnxWeb()] });
  const out = await model.run({ pixels: { dtype: 'float32', shape: [1, 28, 28], data: new Float32Array(784).fill(0.5) } });
  const sum = out.probabilities.data.reduce((a, b) => a + b, 0);
  console.log(JSON.stringify({ runtime: model.report.runtime, device: model.report.device, fallback: model.report.attempts[0].status, sum }));
  await model.dispose();
})().catch((e) => { console.error(e); process.exit(1); });
`;

describe('built @servable/runtime-web in Node', () => {
  beforeAll(async () => {
    await ensureDist(join(REPO_DIR, 'packages', 'core'), false);
    await ensureDist(PACKAGE_DIR, true);
  }, 120_000);

  it('loads and predicts as ESM', () => {
    const out = JSON.parse(node(['--input-type=module'], PREDICT(`import fs from 'node:fs'; import * as core from '@servable/core'; import * as web from '@servable/runtime-web';`)));
    expect(out).toMatchObject({ runtime: 'onnx-web', device: 'wasm', fallback: 'unavailable' });
    expect(out.sum).toBeCloseTo(1, 5);
  });

  it('loads and predicts as CommonJS', () => {
    const out = JSON.parse(node(['--input-type=commonjs'], PREDICT(`const fs = require('node:fs'); const core = require('@servable/core'); const web = require('@servable/runtime-web');`)));
    expect(out).toMatchObject({ runtime: 'onnx-web', device: 'wasm', fallback: 'unavailable' });
    expect(out.sum).toBeCloseTo(1, 5);
  });

  it('exposes the Vite plugin as ESM and CommonJS', () => {
    const esm = node(['--input-type=module'], `import { servableOnnxWeb } from '@servable/runtime-web/vite'; const p = servableOnnxWeb({ devices: ['wasm'] }); console.log(p.name, typeof p.generateBundle);`);
    const cjs = node(['--input-type=commonjs'], `const { servableOnnxWeb, onnxruntimeWebFiles } = require('@servable/runtime-web/vite'); console.log(servableOnnxWeb().name, onnxruntimeWebFiles(['wasm']).join(','));`);
    expect(esm).toBe('servable-onnx-web function');
    expect(cjs).toBe('servable-onnx-web ort-wasm-simd-threaded.mjs,ort-wasm-simd-threaded.wasm');
  });

  it('imports onnxruntime-web only when a runtime is probed (no import side effects)', () => {
    const hook = 'export async function resolve(s, c, n) { if (s.startsWith("onnxruntime-web")) console.log("import " + s); return n(s, c); }';
    const out = node(
      ['--input-type=module'],
      `import { register } from 'node:module';
register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hook)}));
const { onnxWeb } = await import('@servable/runtime-web');
const runtime = onnxWeb();
console.log('created');
await runtime.probe();
console.log('probed');`,
    );
    expect(out.split('\n')).toEqual(['created', 'import onnxruntime-web', 'probed']);
  });
});
