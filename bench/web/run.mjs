// Measures @servable/runtime-web in headless Chromium (wasm) and prints figures:
//   - first prediction of the MNIST model after page load: cold (target ≤ 300 ms) and warm, a returning
//     visitor served by Servable's Cache API (target ≤ 100 ms) or by the HTTP cache alone
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
    // Warm: a returning visitor, the same browser context loading the page again.
    //  - Servable's caches: the server sends no-store, so only the Cache API (onnxruntime-web's
    //    wasm, the model file) can help; the first visit fills it.
    //  - HTTP cache only: ?nocache turns Servable's caches off, and the server lets the browser
    //    keep every file for an hour.
    async function warmLoads(url, primeUntilCached) {
      const context = await browser.newContext();
      const out = [];
      for (let i = 0; i <= LOADS; i++) {
        const page = await context.newPage();
        await page.goto(url);
        await page.waitForFunction(() => document.body.dataset.state === 'ready', null, { timeout: 60_000 });
        if (i === 0 && primeUntilCached) {
          // The wasm is stored after the engine started, off the path of the first prediction.
          const stored = () =>
            page.evaluate(async () => {
              const cache = await caches.open('servable-runtime-web');
              const [key] = await cache.keys();
              return key !== undefined && ((await (await cache.match(key))?.arrayBuffer())?.byteLength ?? 0) > 1_000_000;
            });
          for (const until = Date.now() + 60_000; !(await stored()) && Date.now() < until; ) await page.waitForTimeout(200);
        }
        if (i > 0) out.push(await page.evaluate(() => window.bench));
        await page.close();
      }
      await context.close();
      return out;
    }
    const warm = await warmLoads(server.url, true);
    const warmHttp = await warmLoads(`${cached.url}?nocache`, false);
    const stats = (xs) => {
      const s = [...xs].sort((a, b) => a - b);
      return `median ${s[Math.floor(s.length / 2)].toFixed(0)} ms, min ${s[0].toFixed(0)} ms, max ${s.at(-1).toFixed(0)} ms`;
    };
    const os = await import('node:os');
    console.log(`\nload average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')} on ${os.cpus().length} CPUs`);
    console.log(`runtime: ${info.runtime}, cross-origin isolated: ${info.isolated}, threads: ${info.threads}`);
    console.log('first prediction after page load (navigation start → first answer); in brackets, the engine ready (probe resolved):');
    console.log(`  cold, ${LOADS} fresh contexts, no-store:            ${stats(firsts.map((f) => f.firstPredictionMs))} (target ≤ 300 ms) [engine ${stats(firsts.map((f) => f.engineReadyMs))}]`);
    console.log(`  warm, Servable's Cache API, server no-store:  ${stats(warm.map((f) => f.firstPredictionMs))} (target ≤ 100 ms) [engine ${stats(warm.map((f) => f.engineReadyMs))}]`);
    console.log(`  warm, HTTP cache only (cache: false):         ${stats(warmHttp.map((f) => f.firstPredictionMs))} [engine ${stats(warmHttp.map((f) => f.engineReadyMs))}]`);
    console.log(`  cold engine: ${firsts[0].engine}`);
    console.log(`  warm engine: ${warm.map((f) => f.engine.replace(/^.*?, (WebAssembly[^]*)$/, '$1')).join(' | ')}`);
    // Requests before the first answer (the page fetches the model again afterwards, for the raw session).
    const fetched = (f, name) => f.resources.some((r) => r.name === name && r.start + 1 < f.firstPredictionMs);
    console.log(`  warm visits that requested the wasm / the model before the first answer: ${warm.filter((f) => fetched(f, 'ort-wasm-simd-threaded.wasm')).length}/${warm.length}, ${warm.filter((f) => fetched(f, 'model.onnx')).length}/${warm.length}${process.argv.includes('--no-preload') ? '' : ' (the wasm request is the <link rel=preload> of the page; --no-preload drops it)'}`);
    if (process.argv.includes('--verbose')) for (const f of [...firsts, ...warm]) console.log(JSON.stringify({ dcl: f.domContentLoaded, engineReadyMs: Math.round(f.engineReadyMs), resources: f.resources }));
    console.log(`  cold: of which loadModel ${firsts.map((f) => f.loadMs.toFixed(0)).join('/')} ms, first predict ${firsts.map((f) => f.firstPredictMs.toFixed(1)).join('/')} ms`);
  } finally {
    await browser.close();
    await server.close();
    await cached.close();
  }
} finally {
  await rm(work, { recursive: true, force: true });
}
