import { readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import type { CommandSpec } from '../cli/command.js';
import { EXIT_OK } from '../cli/exit-codes.js';
import { booleanOption, integerListOption, numberOption, stringOption } from '../cli/parse-command-line.js';
import { ProgressBar } from '../cli/progress-bar.js';
import { formatBytes, formatCount, formatTable } from '../cli/table.js';
import { detectModelFormat, mainModelFile } from '../engines/open-model.js';
import { ALL_RUNTIME_CHOICES, parseRuntimeList } from '../engines/runtime-chain.js';
import { summarizeOnnx, summarizeTfjs, type ModelSummary, type SummaryTensor } from '../inspect/model-summary.js';
import { recommend, type Recommendation, type RuntimeMeasurements } from '../inspect/recommend.js';
import { tryRuntimes, type RuntimeTrial } from '../inspect/runtime-trial.js';
import { measureModel } from '../measure/measure-model.js';

/** What `servable inspect --json` prints. */
export interface InspectReport {
  readonly model: string;
  readonly summary: ModelSummary;
  readonly runtimes: readonly RuntimeTrial[];
  readonly measurements: readonly RuntimeMeasurements[];
  readonly recommendation?: Recommendation;
}

function formatDims(t: SummaryTensor): string {
  return t.shape ? `[${t.shape.map((d) => (d === null ? '?' : String(d))).join(', ')}]` : '(no shape)';
}

function printReport(r: InspectReport): string {
  const s = r.summary;
  const out: string[] = [];
  out.push(`Model:    ${r.model}`);
  out.push(`Format:   ${s.format}${s.irVersion ? ` (ir_version ${s.irVersion})` : ''}, produced by ${s.producer}`);
  if (s.opsets.length) out.push(`Opsets:   ${s.opsets.map((o) => `${o.domain} ${o.version}`).join(', ')}`);
  out.push('', 'Signature:');
  const rows = [...s.inputs.map((t) => ['input', t.name, t.dtype, formatDims(t)]), ...s.outputs.map((t) => ['output', t.name, t.dtype, formatDims(t)])];
  out.push(indent(formatTable(['', 'name', 'dtype', 'shape'], rows)));
  out.push(`Parameters: ${formatCount(s.parameters.total)} (${s.parameters.total.toLocaleString('en-US')}), ${formatBytes(s.parameters.bytes)}${s.parameters.externalBytes ? ` (${formatBytes(s.parameters.externalBytes)} in external files)` : ''}`);
  if (s.parameters.byDtype.length) {
    out.push(indent(formatTable(['dtype', 'tensors', 'parameters', 'size'], s.parameters.byDtype.map((g) => [g.dtype, g.tensors, g.parameters, formatBytes(g.bytes)]))));
  }
  out.push(`${s.format === 'onnx' ? 'Operators' : 'Layers / ops'} (${s.operators.reduce((a, b) => a + b.count, 0)}):`);
  out.push(indent(formatTable(['op', 'count'], s.operators.map((o) => [o.opType, o.count]))));
  if (s.flops) {
    const assumed = Object.keys(s.flops.assumedDims);
    out.push(`FLOPs per example: ${formatCount(s.flops.total)} (${s.flops.total.toLocaleString('en-US')})${assumed.length ? ` — symbolic dims taken as 1: ${assumed.join(', ')}` : ''}`);
    if (s.flops.byOperator.length) out.push(indent(formatTable(['op', 'nodes', 'FLOPs'], s.flops.byOperator.map((o) => [o.opType, o.nodes, o.flops]))));
    const missing = Object.entries(s.flops.unestimated);
    if (missing.length) out.push(`  not estimated: ${missing.map(([op, n]) => `${op} ×${n}`).join(', ')} (unknown operator or shapes)`, '');
  } else {
    out.push('FLOPs per example: not estimated for TensorFlow.js graph models', '');
  }
  out.push('Runtimes on this machine (each tried):');
  out.push(indent(formatTable(['runtime', 'device', 'result', 'detail'], r.runtimes.map((t) => [t.runtime, t.device, t.status, t.status === 'loads' ? `on ${t.servedDevice} in ${t.ms.toFixed(0)} ms` : '']))));
  const notLoaded = r.runtimes.filter((t) => t.status !== 'loads');
  for (const t of notLoaded) out.push(`  ${t.runtime}:${t.device} ${t.status}: ${t.reason ?? ''}`);
  if (notLoaded.length) out.push('');
  for (const m of r.measurements) {
    out.push(`Measured on ${m.runtime}:${m.device}:`);
    out.push(indent(formatTable(['batch', 'runs', 'p50 ms', 'p99 ms', 'examples/s'], m.measurements.map((x) => [x.batch, x.runs, x.p50Ms.toFixed(3), x.p99Ms.toFixed(3), Math.round(x.examplesPerSecond)]))));
  }
  if (r.recommendation) {
    const rec = r.recommendation;
    out.push(`Recommendation: ${rec.runtime} on ${rec.device}, batch size ${rec.batchSize}`);
    for (const n of rec.notes) out.push(`  - ${n}`);
  } else {
    out.push('Recommendation: none — no runtime loaded the model here, or measurement was off (--seconds 0).');
  }
  return out.join('\n') + '\n';
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => (l ? `  ${l}` : l))
    .join('\n');
}

/** `servable inspect <model>`: read the file, try every runtime, measure, recommend. */
export const inspectCommand: CommandSpec = {
  name: 'inspect',
  summary: 'Describe a model: signature, parameters, operators, FLOPs, runtimes that load it here, a recommendation',
  description:
    'Reads the model file without an engine (format, opset, signature with symbolic dimensions, parameter count and size by dtype,\n' +
    'operator histogram, an estimate of FLOPs per example), then tries each runtime on this machine (onnx-node cpu/cuda/webgpu,\n' +
    'tfjs cpu/wasm for TensorFlow.js models) and reports why any cannot load it. The runtimes that load it are timed briefly\n' +
    '(as `servable bench` does) and the fastest is recommended with a batch size for the server.',
  positionals: [{ name: 'model', description: 'a model folder (servable.json, model.onnx or model.json) or a .onnx / model.json file' }],
  options: {
    json: { type: 'boolean', description: 'print the report as JSON' },
    runtime: { type: 'string', valueName: 'LIST', description: 'runtimes to try, such as onnx-node:cpu,onnx-node:cuda (default: all)' },
    batch: { type: 'string', valueName: 'SIZES', default: '1,8,32', description: 'batch sizes to measure' },
    seconds: { type: 'string', valueName: 'S', default: '0.3', description: 'seconds of measurement per runtime and batch size; 0 turns it off' },
  },
  examples: ['servable inspect fixtures/models/mlp.onnx', 'servable inspect models/mnist/1 --json --seconds 0'],
  async run(args, io) {
    const path = resolve(io.cwd, args.positionals[0]!);
    const format = detectModelFormat(path);
    const file = mainModelFile(path);
    let summary = format === 'onnx' ? summarizeOnnx(new Uint8Array(readFileSync(file)), basename(file)) : summarizeTfjs(file, format);
    const runtimeList = stringOption(args, 'runtime');
    const choices = runtimeList ? parseRuntimeList(runtimeList) : ALL_RUNTIME_CHOICES;
    const batches = integerListOption('inspect', args, 'batch', { min: 1, max: 4096 })!;
    const seconds = numberOption('inspect', args, 'seconds', { min: 0, max: 600 })!;
    const results = await tryRuntimes(path, format, choices, io.cwd);
    const measurements: RuntimeMeasurements[] = [];
    const loaded = results.filter((r) => r.model);
    const engineSignature = loaded[0]?.model?.signature;
    if (summary.inputs.length === 0 && engineSignature) {
      // A tfjs-layers model.json has no signature of its own: take the one the engine reports.
      summary = { ...summary, inputs: engineSignature.inputs.map(({ name, dtype, shape }) => ({ name, dtype, shape })), outputs: engineSignature.outputs.map(({ name, dtype, shape }) => ({ name, dtype, shape })) };
    }
    const bar = new ProgressBar({ stream: io.stderr, interactive: io.interactive });
    try {
      if (seconds > 0) {
        for (const [i, r] of loaded.entries()) {
          const ms = await measureModel(r.model!, {
            batches,
            seconds,
            onProgress: (done, total) => bar.update((i + done / total) / loaded.length, `measuring ${r.trial.runtime}:${r.trial.device}`),
          });
          measurements.push({ runtime: r.trial.runtime, device: r.trial.device, measurements: ms });
        }
      }
    } finally {
      bar.done();
      for (const r of loaded) await r.model!.dispose();
    }
    const recommendation = recommend(measurements);
    const report: InspectReport = {
      model: args.positionals[0]!,
      summary,
      runtimes: results.map((r) => r.trial),
      measurements,
      ...(recommendation ? { recommendation } : {}),
    };
    io.stdout.write(booleanOption(args, 'json') ? JSON.stringify(report, null, 2) + '\n' : printReport(report));
    return EXIT_OK;
  },
};
