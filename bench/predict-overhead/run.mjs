// Per-call overhead of Servable's predictor over onnxruntime-node used raw, on the same CPU
// session options, interleaved in one process.
//
//   (cd packages/core && npx tsup) && (cd packages/runtime-node && npx tsup)
//   /usr/bin/python3 bench/predict-overhead/export-mobilenet.py     # optional: MobileNetV2
//   node bench/predict-overhead/run.mjs [--rounds 30] [--threads 0] [--quick]
import { existsSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { createPredictor, loadModel } from '@servable/core';
import { onnxNode } from '@servable/runtime-node';
import { parseArgs } from '../lib/args.mjs';
import { measureInterleaved, median, pairedOverhead, quantile } from '../lib/measure.mjs';
import { benchModel, fixtureModel } from '../lib/paths.mjs';
import { fixed, printTable } from '../lib/table.mjs';

const args = parseArgs({ rounds: 30, threads: 0, quick: false });
const quick = args.quick ? 0.2 : 1;

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

/** Nested arrays of `shape` filled from `data`. */
function nest(data, shape, offset = 0) {
  if (shape.length === 1) return Array.from(data.subarray(offset, offset + shape[0]));
  const per = shape.slice(1).reduce((a, b) => a * b, 1);
  return Array.from({ length: shape[0] }, (_, i) => nest(data, shape.slice(1), offset + i * per));
}

const sessionOptions = args.threads > 0 ? { intraOpNumThreads: args.threads } : {};

/**
 * @param {{ label: string, path: string, input: string, shape: number[], perRound: number, roundsScale?: number, target: (overheadUs: number, ratio: number) => boolean, targetText: string }} spec
 */
async function benchModelCase(spec) {
  const raw = await ort.InferenceSession.create(spec.path, sessionOptions);
  const model = await loadModel(spec.path, { runtimes: [onnxNode({ threads: args.threads || undefined })] });
  const predictor = createPredictor(model);
  const size = spec.shape.reduce((a, b) => a * b, 1);
  const data = seeded(size);
  const tensor = { dtype: 'float32', shape: spec.shape, data };
  const nested = nest(data, spec.shape.slice(1));

  // Same answer from both paths before timing anything.
  const a = (await raw.run({ [spec.input]: new ort.Tensor('float32', data, spec.shape) }))[raw.outputNames[0]].data;
  const b = Object.values(await predictor.predict(tensor, { output: 'tensors' }))[0].data;
  if (a.length !== b.length || a.some((v, i) => Math.abs(v - b[i]) > 1e-5)) throw new Error(`${spec.label}: predictor and raw outputs differ`);

  const cases = [
    { name: 'raw session.run', run: () => raw.run({ [spec.input]: new ort.Tensor('float32', data, spec.shape) }) },
    { name: 'predict(tensor)', run: () => predictor.predict(tensor, { output: 'tensors' }) },
    { name: 'predict(nested array)', run: () => predictor.predict(nested, { output: 'tensors' }) },
  ];
  const perRound = Math.max(2, Math.round(spec.perRound * quick));
  const rounds = Math.max(4, Math.round(args.rounds * (spec.roundsScale ?? 1) * quick));
  const results = await measureInterleaved(cases, { rounds, perRound, warmup: perRound });
  const base = results.get('raw session.run');
  const baseMedian = median(base.samples);
  const rows = [];
  for (const c of cases) {
    const r = results.get(c.name);
    const m = median(r.samples);
    const overhead = c === cases[0] ? 0 : pairedOverhead(r, base);
    const ratio = 1 + overhead / baseMedian;
    const verdict = c === cases[0] ? '' : c.name === 'predict(tensor)' ? (spec.target(overhead, ratio) ? `met (${spec.targetText})` : `MISSED (${spec.targetText})`) : '';
    rows.push([`${spec.label}`, c.name, fixed(m), fixed(quantile(r.samples, 0.1)), fixed(quantile(r.samples, 0.9)), c === cases[0] ? '' : `${overhead >= 0 ? '+' : ''}${fixed(overhead, 2)}`, c === cases[0] ? '' : `${fixed((ratio - 1) * 100, 2)} %`, verdict]);
  }
  await predictor.dispose();
  await raw.release();
  return { rows, calls: `${rounds} rounds × ${perRound}` };
}

const specs = [
  { label: 'MLP b1', path: fixtureModel('mlp.onnx'), input: 'pixels', shape: [1, 28, 28], perRound: 400, target: (us) => us <= 10, targetText: '≤ +10 µs' },
];
const mobilenet = benchModel('mobilenet_v2.onnx');
if (existsSync(mobilenet)) {
  specs.push({ label: 'MobileNetV2 b1', path: mobilenet, input: 'input', shape: [1, 3, 224, 224], perRound: 2, roundsScale: 4, target: (_us, ratio) => ratio - 1 <= 0.03, targetText: '≤ 3 %' });
} else {
  console.log(`MobileNetV2 skipped: ${mobilenet} is missing — run /usr/bin/python3 bench/predict-overhead/export-mobilenet.py (needs PyTorch)\n`);
}

console.log(`onnxruntime-node ${ort.env.versions.node}, Node ${process.version}, ${args.threads || 'default'} intra-op threads`);
const all = [];
for (const spec of specs) {
  const { rows, calls } = await benchModelCase(spec);
  console.log(`${spec.label}: ${calls} timed calls per case`);
  all.push(...rows);
}
console.log('');
printTable(['model', 'case', 'median µs', 'p10 µs', 'p90 µs', 'overhead µs (paired)', 'overhead / raw', 'target'], all);
