// Servable's onnxruntime-node runtime against onnxruntime-node used raw, with the same execution
// provider, per device (cpu, cuda, webgpu) and batch size. Devices that cannot start here print
// why and are skipped. Bundled into one file by build.mjs for a GPU host (see README.md).
//
//   node bench/gpu-check/check.mjs --model bench/models/resnet50.onnx [--devices cpu,cuda,webgpu] [--batches 1,32]
import { existsSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { createPredictor, formatReport, loadModel, ServableError } from '@servable/core';
import { onnxNode } from '@servable/runtime-node';
import { parseArgs } from '../lib/args.mjs';
import { measureInterleaved, median, quantile } from '../lib/measure.mjs';
import { fixed, printTable } from '../lib/table.mjs';

const args = parseArgs({ model: '', devices: 'cpu,cuda,webgpu', batches: '1,32', runs: 20, warmup: 3, rounds: 5, threads: 0 });
const candidates = args.model ? [args.model] : ['resnet50.onnx', 'models/resnet50.onnx', 'bench/models/resnet50.onnx'];
const modelPath = candidates.find((p) => existsSync(p));
if (!modelPath) {
  console.error(`no model: tried ${candidates.join(', ')} — export one with python3 export-resnet50.py (PyTorch) or pass --model <file.onnx>`);
  process.exit(2);
}
const devices = String(args.devices).split(',').map((d) => d.trim()).filter(Boolean);
const batches = String(args.batches).split(',').map(Number).filter((b) => b > 0);

/** Seeded uniform values in [0, 1). */
function seeded(n, seed = 7) {
  const out = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 32;
  }
  return out;
}

function providersFor(device) {
  if (device === 'cuda') return [{ name: 'cuda', deviceId: 0 }];
  return [device];
}

console.log(`model ${modelPath.split('/').pop()}, onnxruntime-node ${ort.env.versions.node}, Node ${process.version}, ${process.platform}/${process.arch}`);
console.log(`devices ${devices.join(', ')}; batches ${batches.join(', ')}; ${args.rounds} interleaved rounds × ${Math.max(1, Math.round(args.runs / args.rounds))} runs\n`);

const rows = [];
const skipped = [];
for (const device of devices) {
  const runtime = onnxNode({ device, ...(args.threads > 0 ? { threads: args.threads } : {}) });
  const availability = await runtime.probe();
  if (!availability.available) {
    skipped.push(`${device}: ${availability.reason}`);
    continue;
  }
  let model;
  try {
    model = await loadModel(modelPath, { runtimes: [runtime] });
  } catch (e) {
    if (!ServableError.isInstance(e)) throw e;
    skipped.push(`${device}: ${e.code} — ${e.message}`);
    continue;
  }
  const raw = await ort.InferenceSession.create(modelPath, { executionProviders: providersFor(device), ...(args.threads > 0 ? { intraOpNumThreads: args.threads } : {}) });
  console.log(formatReport(model.report));
  const predictor = createPredictor(model);
  const spec = model.signature.inputs[0];
  for (const batch of batches) {
    if (typeof spec.shape[0] === 'number' && spec.shape[0] !== batch) {
      skipped.push(`${device} batch ${batch}: the model's batch is fixed at ${spec.shape[0]}`);
      continue;
    }
    const shape = spec.shape.map((d, i) => (i === 0 ? batch : typeof d === 'number' ? d : 1));
    const data = seeded(shape.reduce((a, b) => a * b, 1));
    const tensor = { dtype: 'float32', shape, data };
    const perRound = Math.max(1, Math.round(args.runs / args.rounds));
    const results = await measureInterleaved(
      [
        { name: 'raw', run: () => raw.run({ [spec.name]: new ort.Tensor('float32', data, shape) }) },
        { name: 'servable', run: () => predictor.predict(tensor, { output: 'tensors' }) },
      ],
      { rounds: args.rounds, perRound, warmup: args.warmup },
    );
    const r = results.get('raw').samples.map((us) => us / 1e3);
    const s = results.get('servable').samples.map((us) => us / 1e3);
    rows.push([device, batch, fixed(median(r), 3), fixed(median(s), 3), fixed(median(s) / median(r), 3), fixed(quantile(r, 0.9), 3), fixed(quantile(s, 0.9), 3), r.length]);
  }
  await predictor.dispose();
  await raw.release();
}

console.log('');
printTable(['device', 'batch', 'raw ms', 'servable ms', 'ratio', 'raw p90', 'servable p90', 'runs'], rows);
if (skipped.length) {
  console.log('\nskipped:');
  for (const s of skipped) console.log(`  ${s}`);
}
