import { readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import type { CommandSpec } from '../cli/command.js';
import { EXIT_MODEL, EXIT_OK, EXIT_RUNTIME_FAILURE } from '../cli/exit-codes.js';
import { DEFAULT_BATCHES, readMeasureFlags, SHAPE_OPTION } from '../cli/measure-flags.js';
import { booleanOption } from '../cli/parse-command-line.js';
import { ProgressBar } from '../cli/progress-bar.js';
import { formatTable } from '../cli/table.js';
import { detectModelFormat, mainModelFile } from '../engines/open-model.js';
import { summarizeOnnx } from '../inspect/model-summary.js';
import { runRuntimes } from '../inspect/runtime-trial.js';
import type { BatchMeasurement } from '../measure/measure-model.js';
import { describeShapes } from '../measure/synthetic-shapes.js';

/** `servable bench <model>`: latency and throughput per runtime that loads the model here. */
export const benchCommand: CommandSpec = {
  name: 'bench',
  summary: 'Measure latency (p50/p99) and throughput of a model on every runtime that loads it here',
  description:
    'Tries each runtime of this machine (or those of --runtime) on the model; for each one that loads it, runs seeded random\n' +
    'inputs one run at a time for --seconds per batch size (a short warm-up included), and prints a table of p50 and p99\n' +
    'latency per run and examples per second. Each symbolic dimension gets one size across all inputs: the batch follows\n' +
    '--batch, image height and width take 224, others 64, and --shape sets any of them. Runtimes that cannot load the model\n' +
    'are listed with the reason. Exit code 1 when a run failed or no runtime could start, 3 when every runtime refused the model.',
  positionals: [{ name: 'model', description: 'a model folder or a .onnx / model.json file' }],
  options: {
    batch: { type: 'string', valueName: 'SIZES', description: `batch sizes, comma-separated (default ${DEFAULT_BATCHES.join(',')}; a fixed-batch model uses its own)` },
    seconds: { type: 'string', valueName: 'S', default: '3', description: 'seconds of runs per runtime and batch size, warm-up included' },
    runtime: { type: 'string', valueName: 'LIST', description: 'runtimes to measure, such as onnx-node:cpu,onnx-node:webgpu (default: all)' },
    shape: SHAPE_OPTION,
    json: { type: 'boolean', description: 'print JSON' },
  },
  examples: ['servable bench fixtures/models/mlp.onnx --batch 1,8,32 --seconds 3', 'servable bench det.onnx --shape x=1,3,640,640 --runtime onnx-node:cpu'],
  async run(args, io) {
    const path = resolve(io.cwd, args.positionals[0]!);
    const format = detectModelFormat(path);
    let declaredInputs: ReturnType<typeof summarizeOnnx>['inputs'] = [];
    if (format === 'onnx') {
      try {
        const file = mainModelFile(path);
        declaredInputs = summarizeOnnx(new Uint8Array(readFileSync(file)), basename(file)).inputs;
      } catch {
        // A file the reader cannot parse is reported by the runtimes that refuse it.
      }
    }
    const { choices, options } = readMeasureFlags('bench', args, io, { path, declaredInputs }, { min: 0.01, max: 3600 });
    const bar = new ProgressBar({ stream: io.stderr, interactive: io.interactive });
    let runs;
    try {
      runs = await runRuntimes(path, format, choices, io.cwd, {
        ...options,
        onProgress: (i, done, total, last) => {
          const label = `${choices[i]!.name}:${choices[i]!.device}`;
          bar.update((i + done / total) / choices.length, last ? `${label} batch ${last.batch}` : label);
          if (last && !io.interactive) io.stderr.write(`${label} batch ${last.batch}: ${Math.round(last.examplesPerSecond)} examples/s\n`);
        },
      });
    } finally {
      bar.done();
    }
    const rows: { runtime: string; device: string; servedDevice: string; measurement: BatchMeasurement }[] = [];
    for (const r of runs) {
      for (const m of r.measurements ?? []) rows.push({ runtime: r.trial.runtime, device: r.trial.device, servedDevice: r.trial.servedDevice ?? r.trial.device, measurement: m });
    }
    const skipped = runs.filter((r) => r.trial.status !== 'loads').map((r) => r.trial);
    const failures = runs.filter((r) => r.measurementError).map((r) => ({ runtime: r.trial.runtime, device: r.trial.device, ...r.measurementError! }));
    const inputs = Object.fromEntries(runs.filter((r) => r.shapes).map((r) => [`${r.trial.runtime}:${r.trial.device}`, r.shapes!]));
    if (booleanOption(args, 'json')) {
      io.stdout.write(JSON.stringify({ model: args.positionals[0], seconds: options.seconds, syntheticInputs: inputs, results: rows, notLoaded: skipped, measurementFailures: failures }, null, 2) + '\n');
    } else {
      io.stdout.write(
        formatTable(
          ['runtime', 'device', 'batch', 'runs', 'p50 ms', 'p99 ms', 'examples/s'],
          rows.map((r) => [r.runtime, r.servedDevice, r.measurement.batch, r.measurement.runs, r.measurement.p50Ms.toFixed(3), r.measurement.p99Ms.toFixed(3), Math.round(r.measurement.examplesPerSecond)]),
        ),
      );
      const distinct = [...new Set(Object.values(inputs).map((v) => describeShapes(v)))];
      for (const d of distinct) io.stdout.write(`synthetic inputs: ${d} (the batch axis follows --batch)\n`);
      for (const t of skipped) io.stdout.write(`not measured: ${t.runtime}:${t.device} ${t.status} — ${t.reason}\n`);
      for (const f of failures) io.stdout.write(`not measured: ${f.runtime}:${f.device} failed while running synthetic inputs ${describeShapes(f.shapes)} — ${f.code}: ${f.message}\n`);
      for (const r of runs) if (r.trial.engineOutput?.length && r.trial.status === 'loads') io.stdout.write(`note: ${r.trial.runtime}:${r.trial.device} ran in a child process; its GPU stack printed (kept off stderr): ${r.trial.engineOutput.join(' | ')}\n`);
    }
    if (failures.length) {
      io.stderr.write(`error ${failures[0]!.code}: runs failed on ${failures.map((f) => `${f.runtime}:${f.device}`).join(', ')} — see the reasons above; pass --shape if the model needs other input sizes\n`);
      return EXIT_RUNTIME_FAILURE;
    }
    if (rows.length === 0) {
      const tried = skipped.filter((t) => t.status !== 'skipped');
      if (tried.length > 0 && tried.every((t) => t.status === 'failed')) {
        io.stderr.write('error MODEL_LOAD_FAILED: every runtime that can run here refused the model — see the reasons above\n');
        return EXIT_MODEL;
      }
      io.stderr.write('error RUNTIME_UNAVAILABLE: no runtime loaded the model on this machine — see the reasons above and run servable doctor\n');
      return EXIT_RUNTIME_FAILURE;
    }
    return EXIT_OK;
  },
};
