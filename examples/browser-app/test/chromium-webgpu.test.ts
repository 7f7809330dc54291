import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runConformanceSuite } from '@servable/core/testing';
import type { Browser, Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { onnxruntimeWebDist, servableOnnxWeb } from '../../../packages/runtime-web/src/vite.js';
import { APP_DIR, CHROMIUM_MISSING, REPO_DIR, buildApp, drawDigit, ensureBuilt, heldOutDigit, launchChromium, serve, servedBy, waitForModel, waitForPrediction, watchPage, type Served } from './browser-harness.js';

// One browser with a WebGPU adapter (SwiftShader) for the whole file: the app on WebGPU, the
// conformance suite in the page on wasm and on webgpu, and the built package as ESM in a page.

interface Result {
  name: string;
  ok: boolean;
  error?: string;
}

const SEVEN = heldOutDigit(7, 1);
const src = (p: string) => join(REPO_DIR, 'packages', p);
let work: string;
let app: Served;
let conformance: Served;
let bundle: Served;
let browser: Browser;

/** The names the suite registers, read by running its registration here with stand-in fixtures. */
function conformanceNames(): string[] {
  const names: string[] = [];
  const scope: string[] = [];
  const stand = { source: new Uint8Array(1), golden: { inputs: {}, outputs: {}, tolerance: 0 } };
  const identity = Object.fromEntries(['float32', 'float64', 'float16', 'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64', 'bool', 'string'].map((d) => [d, { source: new Uint8Array(1) }]));
  runConformanceSuite({
    name: 'onnx-web',
    runtimes: () => [],
    fixtures: { mlp: stand, multiIo: stand, fixedBatch: stand, identity },
    test: {
      describe(name, fn) {
        scope.push(name);
        fn();
        scope.pop();
      },
      it(name) {
        names.push([...scope, name].join(' > '));
      },
    },
  });
  return names;
}

async function runConformancePage(page: Page, chain: 'wasm' | 'webgpu'): Promise<Result[]> {
  await page.goto(`${conformance.url}?chain=${chain}`);
  await page.waitForFunction(() => document.body.dataset.state === 'done', null, { timeout: 90_000 });
  return page.evaluate(() => (window as unknown as { conformanceResults: Result[] }).conformanceResults);
}

const BUNDLE_PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><link rel="icon" href="data:,">
<script type="importmap">{"imports": {
  "@servable/core": "/core/index.js",
  "@servable/runtime-web": "/runtime-web/index.js",
  "onnxruntime-web/wasm": "/ort/ort.wasm.min.mjs",
  "onnxruntime-web/webgpu": "/ort/ort.webgpu.min.mjs"
}}</script></head>
<body><script type="module">
import { loadModel, createPredictor } from '@servable/core';
import { onnxWeb } from '@servable/runtime-web';
const query = new URLSearchParams(location.search);
const wasmPaths = query.get('wasmPaths') ?? '/ort/';
const proxy = query.has('proxy');
try {
  const model = await loadModel(new URL('/fixtures/models/mlp.onnx', location.href), {
    runtimes: proxy ? [onnxWeb({ device: 'wasm', wasmPaths, proxy })] : [onnxWeb({ device: 'webgpu', wasmPaths }), onnxWeb({ device: 'wasm', wasmPaths })],
  });
  const golden = await (await fetch('/fixtures/golden/mlp.json')).json();
  const pixels = golden.inputs.pixels.data.slice(0, 784);
  const out = await createPredictor(model).predict(pixels, { output: 'tensors' });
  window.bundleResult = { runtime: model.report.runtime, device: model.report.device, warnings: model.report.warnings, first: Array.from(out.probabilities.data), expected: golden.outputs.probabilities.data.slice(0, 10) };
} catch (e) {
  window.bundleResult = { error: String(e && e.stack || e), code: e && e.code };
}
</script></body></html>`;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'servable-webgpu-'));
  await buildApp(join(work, 'app'));
  await build({
    root: join(APP_DIR, 'test', 'conformance-page'),
    configFile: false,
    logLevel: 'error',
    plugins: [servableOnnxWeb()],
    resolve: {
      alias: [
        { find: /^@servable\/core\/testing$/, replacement: join(src('core'), 'src', 'testing', 'index.ts') },
        { find: /^@servable\/core$/, replacement: join(src('core'), 'src', 'index.ts') },
        { find: /^@servable\/runtime-web$/, replacement: join(src('runtime-web'), 'src', 'index.ts') },
      ],
    },
    build: { outDir: join(work, 'conformance'), emptyOutDir: true, target: 'es2022' },
  });
  await ensureBuilt('core');
  await ensureBuilt('runtime-web');
  await writeFile(join(work, 'index.html'), BUNDLE_PAGE);
  const fixtures = join(REPO_DIR, 'fixtures');
  app = await serve(join(work, 'app'));
  conformance = await serve(join(work, 'conformance'), { mounts: { '/fixtures/': fixtures } });
  bundle = await serve(work, {
    mounts: { '/core/': join(src('core'), 'dist'), '/runtime-web/': join(src('runtime-web'), 'dist'), '/ort/': onnxruntimeWebDist(), '/fixtures/': fixtures },
  });
  browser = await launchChromium({ webgpu: true });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await Promise.all([app?.close(), conformance?.close(), bundle?.close()]);
  if (work) await rm(work, { recursive: true, force: true });
});

describe.skipIf(CHROMIUM_MISSING)('browser app in Chromium with a WebGPU adapter (SwiftShader)', () => {
  it('serves the model on webgpu and predicts 7 for a drawn "7"', async () => {
    const page = await browser.newPage();
    const seen = watchPage(page);
    await page.goto(app.url);
    expect(await waitForModel(page)).toBe('ready');
    const served = await servedBy(page);
    expect(served).toMatchObject({ runtime: 'onnx-web', device: 'webgpu' });
    expect(served.report).toMatch(/served by onnx-web on webgpu/);
    expect(served.report).toMatch(/onnx-web\[wasm\] not-tried/);
    await drawDigit(page, SEVEN);
    expect((await waitForPrediction(page)).labels[0]).toBe('7');
    expect(seen.errors).toEqual([]);
    expect(seen.external).toEqual([]);
    await page.close();
  });
});

describe.skipIf(CHROMIUM_MISSING)('conformance suite in Chromium', () => {
  const names = conformanceNames();
  const results: Partial<Record<'wasm' | 'webgpu', Result[]>> = {};
  let page: Page;

  beforeAll(async () => {
    page = await browser.newPage();
    results.wasm = await runConformancePage(page, 'wasm');
    results.webgpu = await runConformancePage(page, 'webgpu');
  }, 180_000);

  afterAll(() => page?.close());

  for (const chain of ['wasm', 'webgpu'] as const) {
    it(`registers the same ${names.length} tests in the page (${chain})`, () => {
      expect(results[chain]!.map((r) => r.name)).toEqual(names);
    });
    it.each(names)(`${chain}: %s`, (name) => {
      const result = results[chain]!.find((r) => r.name === name);
      expect(result, `no result for ${name}`).toBeDefined();
      expect(result!.error ?? 'passed').toBe('passed');
    });
  }
});

describe.skipIf(CHROMIUM_MISSING)('bundle smoke test in the page', () => {
  it('imports the built @servable/runtime-web as ESM (import map, plain static hosting) and predicts', async () => {
    const page = await browser.newPage();
    const seen = watchPage(page);
    await page.goto(bundle.url);
    await page.waitForFunction(() => 'bundleResult' in window, null, { timeout: 60_000 });
    const result = await page.evaluate(() => (window as unknown as { bundleResult: { runtime?: string; device?: string; first?: number[]; expected?: number[]; error?: string } }).bundleResult);
    expect(result.error).toBeUndefined();
    expect(result.runtime).toBe('onnx-web');
    expect(result.device).toBe('webgpu');
    result.first!.forEach((v, i) => expect(v).toBeCloseTo(result.expected![i]!, 4));
    expect(seen.external).toEqual([]);
    await page.close();
  });

  it('runs wasm inference in onnxruntime-web\'s proxy worker when asked', async () => {
    const page = await browser.newPage();
    const workers: string[] = [];
    page.on('worker', (w) => workers.push(w.url()));
    await page.goto(`${bundle.url}?proxy=1`);
    await page.waitForFunction(() => 'bundleResult' in window, null, { timeout: 60_000 });
    const result = await page.evaluate(() => (window as unknown as { bundleResult: { device?: string; warnings?: unknown[]; first?: number[]; expected?: number[]; error?: string } }).bundleResult);
    expect(result.error).toBeUndefined();
    expect(result.device).toBe('wasm');
    expect(result.warnings).toEqual([]);
    expect(workers.some((url) => url.endsWith('/ort/ort.wasm.min.mjs'))).toBe(true);
    result.first!.forEach((v, i) => expect(v).toBeCloseTo(result.expected![i]!, 4));
    await page.close();
  });

  it('reports both devices unavailable, naming the folder, when the WebAssembly files are not served', async () => {
    const page = await browser.newPage();
    await page.goto(`${bundle.url}?wasmPaths=/missing/`);
    await page.waitForFunction(() => 'bundleResult' in window, null, { timeout: 60_000 });
    const result = await page.evaluate(() => (window as unknown as { bundleResult: { error?: string; code?: string } }).bundleResult);
    expect(result.code).toBe('RUNTIME_UNAVAILABLE');
    expect(result.error).toMatch(/onnx-web\[wasm\] unavailable: onnxruntime-web: expected its WebAssembly files at http:\/\/127\.0\.0\.1:\d+\/missing\//);
    expect(result.error).toMatch(/the Vite plugin @servable\/runtime-web\/vite does\) or pass wasmPaths/);
    await page.close();
  });
});
