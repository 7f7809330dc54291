// Measures @servable/runtime-web in headless Chromium (wasm) and prints figures:
//   - first prediction of the MNIST model after page load (target ≤ 300 ms)
//   - steady-state per-prediction latency, Servable vs raw onnxruntime-web in the same page (target ratio ≤ 1.05)
// Usage: node bench/web/run.mjs [--loads 5] [--rounds 10] [--per-round 500]
import { mkdtemp, rm, cp, mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ensureDist, REPO } from './build-helpers.mjs';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : fallback;
};
const LOADS = arg('loads', 5);
const ROUNDS = arg('rounds', 10);
const PER_ROUND = arg('per-round', 500);

const appDir = join(REPO, 'examples', 'browser-app');
const requireFromApp = createRequire(join(appDir, 'package.json'));
const { build } = await import(pathToFileURL(requireFromApp.resolve('vite')).href);
const { chromium } = requireFromApp('playwright-core');
const { serveStatic } = await import(pathToFileURL(join(appDir, 'scripts', 'static-server.mjs')).href);
const { prepareModels } = await import(pathToFileURL(join(appDir, 'scripts', 'prepare-model.mjs')).href);

await ensureDist('core');
await ensureDist('runtime-web');
const { servableOnnxWeb, onnxruntimeWebDist } = await import(pathToFileURL(join(REPO, 'packages', 'runtime-web', 'dist', 'vite.js')).href);

const work = await mkdtemp(join(tmpdir(), 'servable-bench-web-'));
try {
  prepareModels({ committed: true, quiet: true });
  await build({
    root: fileURLToPath(new URL('./page/', import.meta.url)),
    configFile: false,
    logLevel: 'error',
    plugins: [servableOnnxWeb({ devices: ['wasm'], preload: process.argv.includes('--no-preload') ? [] : ['wasm'] })],
    resolve: {
      alias: [
        { find: /^@servable\/core$/, replacement: join(REPO, 'packages', 'core', 'dist', 'index.js') },
        { find: /^@servable\/runtime-web$/, replacement: join(REPO, 'packages', 'runtime-web', 'dist', 'index.js') },
        // The raw session uses the very build the plugin gives runtime-web: one module, one WebAssembly instance.
        { find: /^onnxruntime-web\/wasm$/, replacement: join(onnxruntimeWebDist(), 'ort.wasm.min.mjs') },
      ],
    },
    build: { outDir: join(work, 'dist'), emptyOutDir: true, target: 'es2022' },
  });
  await mkdir(join(work, 'dist', 'models'), { recursive: true });
  await cp(join(appDir, 'public', 'models', 'mnist'), join(work, 'dist', 'models', 'mnist'), { recursive: true });

  const server = await serveStatic(join(work, 'dist'));
  const cached = await serveStatic(join(work, 'dist'), { cache: true });
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--headless', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic'],
  });
  try {
    const firsts = [];
    let info;
    for (let i = 0; i < LOADS; i++) {
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(server.url);
      await page.waitForFunction(() => document.body.dataset.state === 'ready', null, { timeout: 60_000 });
      info = await page.evaluate(() => window.bench);
      firsts.push(info);
      if (i < LOADS - 1) await context.close();
      else {
        const steady = await page.evaluate(([r, n]) => window.steady(r, n), [ROUNDS, PER_ROUND]);
        const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
        const min = (xs) => Math.min(...xs);
        const us = (ms) => `${(ms * 1000).toFixed(1)} µs`.padStart(9);
        console.log(`\nsteady state, ${ROUNDS} interleaved rounds × ${PER_ROUND} predictions (round means; min is the least disturbed by other load):`);
        console.log(`  ${''.padEnd(34)} ${'median'.padStart(9)} ${'min'.padStart(9)}   ratio to raw (median / min)`);
        const rows = [
          ['raw', 'raw', 'raw onnxruntime-web session.run'],
          ['doRun', 'raw', 'onnx-web doRun (runtime alone)'],
          ['run', 'raw', 'servable model.run'],
          ['predict', 'raw', 'servable predictor.predict'],
          ['raw64', 'raw64', 'batch 64: raw session.run'],
          ['run64', 'raw64', 'batch 64: servable model.run'],
        ];
        for (const [name, base, label] of rows) {
          const ratio = name === base ? '' : `${(median(steady[name]) / median(steady[base])).toFixed(3)} / ${(min(steady[name]) / min(steady[base])).toFixed(3)}${name === 'run' ? ' (target ≤ 1.05)' : ''}`;
          console.log(`  ${label.padEnd(34)} ${us(median(steady[name]))} ${us(min(steady[name]))}   ${ratio}`);
        }
        await context.close();
      }
    }
    // Warm: the same browser profile loads the page again with HTTP caching on, as a returning
    // visitor does (Chromium then reuses the compiled WebAssembly from its code cache).
    const warm = [];
    const context = await browser.newContext();
    for (let i = 0; i <= LOADS; i++) {
      const page = await context.newPage();
      await page.goto(cached.url);
      await page.waitForFunction(() => document.body.dataset.state === 'ready', null, { timeout: 60_000 });
      if (i > 0) warm.push(await page.evaluate(() => window.bench.firstPredictionMs));
      await page.close();
    }
    await context.close();
    const sorted = firsts.map((f) => f.firstPredictionMs).sort((a, b) => a - b);
    const warmSorted = warm.sort((a, b) => a - b);
    console.log(`\nload average ${(await import('node:os')).loadavg().map((l) => l.toFixed(1)).join(' ')} on ${(await import('node:os')).cpus().length} CPUs`);
    console.log(`runtime: ${info.runtime}, cross-origin isolated: ${info.isolated}, threads: ${info.threads}`);
    console.log(`first prediction after page load (navigation start → first answer), ${LOADS} cold loads (no HTTP cache):`);
    console.log(`  median ${sorted[Math.floor(sorted.length / 2)].toFixed(0)} ms, min ${sorted[0].toFixed(0)} ms, max ${sorted.at(-1).toFixed(0)} ms (target ≤ 300 ms)`);
    console.log(`  warm (cached files, returning visitor): median ${warmSorted[Math.floor(warmSorted.length / 2)].toFixed(0)} ms, min ${warmSorted[0].toFixed(0)} ms, max ${warmSorted.at(-1).toFixed(0)} ms`);
    if (process.argv.includes('--verbose')) for (const f of firsts) console.log(JSON.stringify({ dcl: f.domContentLoaded, resources: f.resources }));
    console.log(`  of which loadModel ${firsts.map((f) => f.loadMs.toFixed(0)).join('/')} ms, first predict ${firsts.map((f) => f.firstPredictMs.toFixed(1)).join('/')} ms`);
  } finally {
    await browser.close();
    await server.close();
    await cached.close();
  }
} finally {
  await rm(work, { recursive: true, force: true });
}
