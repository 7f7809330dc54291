import { readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import type { CommandSpec } from '../cli/command.js';
import { EXIT_OK, EXIT_RUNTIME_FAILURE } from '../cli/exit-codes.js';
import { DEFAULT_BATCHES, readMeasureFlags, SHAPE_OPTION } from '../cli/measure-flags.js';
import { booleanOption } from '../cli/parse-command-line.js';
import { ProgressBar } from '../cli/progress-bar.js';
import { formatBytes, formatCount, formatTable } from '../cli/table.js';
import { detectModelFormat, mainModelFile } from '../engines/open-model.js';
import type { FlopsEstimate } from '../inspect/flops.js';
import { summarizeOnnx, summarizeTfjs, type ModelSummary, type SummaryTensor } from '../inspect/model-summary.js';
import { recommend, type Recommendation, type RuntimeMeasurements } from '../inspect/recommend.js';
import { runRuntimes, type RuntimeRun, type RuntimeTrial } from '../inspect/runtime-trial.js';
import { describeShapes } from '../measure/synthetic-shapes.js';

/** A runtime that loaded the model but failed while it was measured. */
export interface InspectMeasurementFailure {
  readonly runtime: string;
  readonly device: string;
  readonly code: string;
  readonly message: string;
  /** The synthetic input shapes of the failing run. */
  readonly shapes: Readonly<Record<string, readonly number[]>>;
}

/** What `servable inspect --json` prints. */
export interface InspectReport {
  readonly model: string;
  readonly summary: ModelSummary;
  readonly runtimes: readonly RuntimeTrial[];
  readonly measurements: readonly RuntimeMeasurements[];
  /** Synthetic input shapes of the first measured batch size, per runtime (`runtime:device`). */
  readonly syntheticInputs: Readonly<Record<string, Readonly<Record<string, readonly number[]>>>>;
  readonly measurementFailures: readonly InspectMeasurementFailure[];
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
  const src = s.parameters.sources;
  if (src && (src.constantNodes.tensors > 0 || src.subgraphs.tensors > 0)) {
    const places = [
      `initializers ${src.initializers.parameters.toLocaleString('en-US')} (${src.initializers.tensors} tensors)`,
      `Constant nodes ${src.constantNodes.parameters.toLocaleString('en-US')} (${src.constantNodes.tensors})`,
      `subgraphs ${src.subgraphs.parameters.toLocaleString('en-US')} (${src.subgraphs.tensors} tensors in ${src.subgraphs.graphs} If/Loop/Scan bodies)`,
    ];
    out.push(`  held in: ${places.join(', ')}`);
  }
  if (s.parameters.byDtype.length) {
    out.push(indent(formatTable(['dtype', 'tensors', 'parameters', 'size'], s.parameters.byDtype.map((g) => [g.dtype, g.tensors, g.parameters, formatBytes(g.bytes)]))));
  }
  out.push(`${s.format === 'onnx' ? 'Operators' : 'Layers / ops'} (${s.operators.reduce((a, b) => a + b.count, 0)}):`);
  out.push(indent(formatTable(['op', 'count'], s.operators.map((o) => [o.opType, o.count]))));
  out.push(...formatFlops(s));
  out.push('Runtimes on this machine (each tried):');
  out.push(indent(formatTable(['runtime', 'device', 'result', 'detail'], r.runtimes.map((t) => [t.runtime, t.device, t.status, t.status === 'loads' ? `on ${t.servedDevice} in ${t.ms.toFixed(0)} ms${t.isolated ? ' (child process)' : ''}` : '']))));
  const notLoaded = r.runtimes.filter((t) => t.status !== 'loads');
  for (const t of notLoaded) out.push(`  ${t.runtime}:${t.device} ${t.status}: ${t.reason ?? ''}`);
  for (const t of r.runtimes) {
    if (t.status === 'loads' && t.engineOutput?.length) out.push(`  ${t.runtime}:${t.device} ran in a child process; its GPU stack printed (kept off stderr): ${t.engineOutput.join(' | ')}`);
  }
  if (notLoaded.length) out.push('');
  const inputs = Object.entries(r.syntheticInputs);
  if (inputs.length) {
    const distinct = new Set(inputs.map(([, v]) => describeShapes(v)));
    for (const shapes of distinct) out.push(`Synthetic inputs${distinct.size > 1 ? ` (${inputs.filter(([, v]) => describeShapes(v) === shapes).map(([k]) => k).join(', ')})` : ''}: ${shapes} — the batch axis follows --batch; set other sizes with --shape`);
  }
  for (const m of r.measurements) {
    out.push(`Measured on ${m.runtime}:${m.device}:`);
    out.push(indent(formatTable(['batch', 'runs', 'p50 ms', 'p99 ms', 'examples/s'], m.measurements.map((x) => [x.batch, x.runs, x.p50Ms.toFixed(3), x.p99Ms.toFixed(3), Math.round(x.examplesPerSecond)]))));
  }
  for (const f of r.measurementFailures) {
    out.push(`Measuring on ${f.runtime}:${f.device} failed with synthetic inputs ${describeShapes(f.shapes)}:`, `  ${f.code}: ${f.message}`);
    out.push('  — if the model needs other input sizes, give them with --shape (such as --shape x=1,3,640,640), or skip measuring with --seconds 0');
  }
  if (r.recommendation) {
    const rec = r.recommendation;
    out.push(`Recommendation: ${rec.runtime} on ${rec.device}, batch size ${rec.batchSize}`);
    for (const n of rec.notes) out.push(`  - ${n}`);
  } else {
    out.push(`Recommendation: none — ${r.measurementFailures.length ? 'measuring failed (see above)' : 'no runtime loaded the model here, or measurement was off (--seconds 0)'}.`);
  }
  return out.join('\n') + '\n';
}

function formatFlops(s: ModelSummary): string[] {
  const f: FlopsEstimate | undefined = s.flops;
  if (!f) return ['FLOPs per example: unknown — not estimated for TensorFlow.js graph models', ''];
  const assumed = Object.keys(f.assumedDims);
  const dims = assumed.length ? ` — symbolic dims taken as ${assumed.map((d) => `${d}=${f.assumedDims[d]}`).join(', ')}` : '';
  const out: string[] = [];
  if (f.total !== null) out.push(`FLOPs per example: ${formatCount(f.total)} (${f.total.toLocaleString('en-US')})${dims}`);
  else if (f.lowerBound > 0) out.push(`FLOPs per example: at least ${formatCount(f.lowerBound)} (${f.lowerBound.toLocaleString('en-US')}), the rest unknown${dims}`);
  else out.push(`FLOPs per example: unknown${dims}`);
  if (f.byOperator.length) out.push(indent(formatTable(['op', 'nodes', 'FLOPs'], f.byOperator.map((o) => [o.opType, o.nodes, o.flops]))));
  if (f.unestimated.length) {
    const why = { 'control-flow': 'control flow: cost depends on run-time values', 'no-formula': 'no formula for this operator', 'unknown-shapes': 'input shapes not known from the file' } as const;
    out.push('  not estimated:');
    for (const u of f.unestimated) out.push(`    ${u.opType} ×${u.nodes} (${why[u.reason]})`);
  }
  out.push('');
  return out;
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
    '(as `servable bench` does) and the fastest is recommended with a batch size for the server. Synthetic inputs give each\n' +
    'symbolic dimension one size across all inputs: the batch follows --batch, image height and width take 224, others 64, and\n' +
    '--shape sets any of them. When measuring fails the report is printed all the same, and the exit code is 1.',
  positionals: [{ name: 'model', description: 'a model folder (servable.json, model.onnx or model.json) or a .onnx / model.json file' }],
  options: {
    json: { type: 'boolean', description: 'print the report as JSON' },
    runtime: { type: 'string', valueName: 'LIST', description: 'runtimes to try, such as onnx-node:cpu,onnx-node:cuda (default: all)' },
    batch: { type: 'string', valueName: 'SIZES', description: `batch sizes to measure (default ${DEFAULT_BATCHES.join(',')}, or the batch --shape gives)` },
    seconds: { type: 'string', valueName: 'S', default: '0.3', description: 'seconds of measurement per runtime and batch size, warm-up included; 0 turns it off' },
    shape: SHAPE_OPTION,
  },
  examples: [
    'servable inspect fixtures/models/mlp.onnx',
    'servable inspect models/mnist/1 --json --seconds 0',
    'servable inspect det.onnx --shape x=1,3,640,640 --runtime onnx-node:cpu',
  ],
  async run(args, io) {
    const path = resolve(io.cwd, args.positionals[0]!);
    const format = detectModelFormat(path);
    const file = mainModelFile(path);
    let summary = format === 'onnx' ? summarizeOnnx(new Uint8Array(readFileSync(file)), basename(file)) : summarizeTfjs(file, format);
    const { choices, options } = readMeasureFlags('inspect', args, io, { path, declaredInputs: summary.inputs }, { min: 0, max: 600 });
    const bar = new ProgressBar({ stream: io.stderr, interactive: io.interactive });
    let runs: RuntimeRun[];
    try {
      runs = await runRuntimes(path, format, choices, io.cwd, {
        ...options,
        onProgress: (i, done, total) => bar.update((i + done / total) / choices.length, `${options.seconds > 0 ? 'measuring' : 'loading'} ${choices[i]!.name}:${choices[i]!.device}`),
      });
    } finally {
      bar.done();
    }
    const engineSignature = runs.find((r) => r.signature)?.signature;
    if (summary.inputs.length === 0 && engineSignature) {
      // A tfjs-layers model.json has no signature of its own: take the one the engine reports.
      summary = { ...summary, inputs: engineSignature.inputs.map(({ name, dtype, shape }) => ({ name, dtype, shape })), outputs: engineSignature.outputs.map(({ name, dtype, shape }) => ({ name, dtype, shape })) };
    }
    const measurements: RuntimeMeasurements[] = runs.filter((r) => r.measurements).map((r) => ({ runtime: r.trial.runtime, device: r.trial.device, measurements: r.measurements! }));
    const measurementFailures: InspectMeasurementFailure[] = runs
      .filter((r) => r.measurementError)
      .map((r) => ({ runtime: r.trial.runtime, device: r.trial.device, ...r.measurementError! }));
    const syntheticInputs = Object.fromEntries(runs.filter((r) => r.shapes).map((r) => [`${r.trial.runtime}:${r.trial.device}`, r.shapes!]));
    const recommendation = recommend(measurements);
    const report: InspectReport = {
      model: args.positionals[0]!,
      summary,
      runtimes: runs.map((r) => r.trial),
      measurements,
      syntheticInputs,
      measurementFailures,
      ...(recommendation ? { recommendation } : {}),
    };
    io.stdout.write(booleanOption(args, 'json') ? JSON.stringify(report, null, 2) + '\n' : printReport(report));
    if (measurementFailures.length) {
      const where = measurementFailures.map((f) => `${f.runtime}:${f.device}`).join(', ');
      io.stderr.write(`error ${measurementFailures[0]!.code}: measuring failed on ${where} — the report above says why; the model and the engine, not the command line, refused the synthetic inputs\n`);
      return EXIT_RUNTIME_FAILURE;
    }
    return EXIT_OK;
  },
};
