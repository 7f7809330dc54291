// Bench page. Phase 1 (on load): load the MNIST model with onnx-web on wasm and predict once;
// the time of that answer since navigation start is the first-prediction figure.
// Phase 2 (window.steady(n)): per-prediction latency of Servable and of raw onnxruntime-web
// (the same build and WebAssembly module, in this page), in interleaved rounds.
import { createPredictor, loadModel } from '@servable/core';
import { onnxWeb } from '@servable/runtime-web';
import * as ort from 'onnxruntime-web/wasm';

const digit = new Float32Array(784);
for (let i = 0; i < 784; i++) digit[i] = ((i * 37) % 255) / 255;

// ?nocache turns Servable's Cache API off (onnxruntime-web's wasm and the model file), leaving the HTTP cache alone.
const cache = !new URLSearchParams(location.search).has('nocache');
// probe() starts the engine (WebAssembly streamed and compiled) while the model downloads.
const runtime = onnxWeb({ device: 'wasm', cache });
let engineReadyMs = 0;
const probed = runtime.probe().then((a) => {
  engineReadyMs = performance.now();
  return a;
});
const model = await loadModel(new URL('models/mnist/1/', document.baseURI), { runtimes: [runtime], cache });
const availability = await probed;
const predictor = createPredictor(model);
const t0 = performance.now();
const first = await predictor.predict(digit, { output: 'classification' });
const firstDone = performance.now();

const bytes = new Uint8Array(await (await fetch(new URL('models/mnist/1/model.onnx', document.baseURI))).arrayBuffer());
const raw = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });

const batch = new Float32Array(64 * 784);
for (let i = 0; i < batch.length; i++) batch[i] = digit[i % 784]!;

async function time(n: number, fn: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < n; i++) await fn();
  return (performance.now() - start) / n;
}

const cases = {
  /** Raw onnxruntime-web: a tensor built from the same Float32Array, session.run, read the output. */
  raw: () => raw.run({ pixels: new ort.Tensor('float32', digit, [1, 28, 28]) }).then((r) => r.probabilities!.data),
  /** The runtime alone (what core calls after validating): onnx-web's doRun. */
  doRun: () => model.loaded.doRun({ pixels: { dtype: 'float32', shape: [1, 28, 28], data: digit } }, {}),
  /** Servable model.run: validated feeds, converted back to Servable tensors. */
  run: () => model.run({ pixels: { dtype: 'float32', shape: [1, 28, 28], data: digit } }),
  /** Servable predictor.predict: normalizes a flat array of one example, returns tensors. */
  predict: () => predictor.predict(digit, { output: 'tensors' }),
  /** The same two paths on a batch of 64, where inference outweighs the fixed cost per call. */
  raw64: () => raw.run({ pixels: new ort.Tensor('float32', batch, [64, 28, 28]) }).then((r) => r.probabilities!.data),
  run64: () => model.run({ pixels: { dtype: 'float32', shape: [64, 28, 28], data: batch } }),
};

async function steady(rounds: number, perRound: number): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
  for (const [, fn] of Object.entries(cases)) await time(200, fn);
  for (let r = 0; r < rounds; r++) {
    const names = Object.keys(cases) as (keyof typeof cases)[];
    const order = r % 2 === 0 ? names : [...names].reverse();
    for (const name of order) out[name]!.push(await time(perRound, cases[name]));
  }
  return out;
}

Object.assign(window, {
  bench: {
    firstPredictionMs: firstDone,
    firstPredictMs: firstDone - t0,
    loadMs: model.report.loadMs,
    engineReadyMs,
    engine: availability.available ? availability.detail : availability.reason,
    label: Array.isArray(first) ? '' : first.label,
    runtime: `${model.report.runtime} on ${model.report.device}`,
    isolated: crossOriginIsolated,
    threads: ort.env.wasm.numThreads,
    resources: performance
      .getEntriesByType('resource')
      .map((e) => ({ name: e.name.split('/').pop()!, start: Math.round(e.startTime), end: Math.round((e as PerformanceResourceTiming).responseEnd) })),
    domContentLoaded: Math.round((performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined)?.domContentLoadedEventEnd ?? 0),
  },
  steady,
});
document.body.dataset.state = 'ready';
