import { resolve } from 'node:path';
import type { CommandSpec } from '../cli/command.js';
import { EXIT_MODEL, EXIT_OK, EXIT_RUNTIME_FAILURE } from '../cli/exit-codes.js';
import { booleanOption, integerListOption, numberOption, stringOption } from '../cli/parse-command-line.js';
import { ProgressBar } from '../cli/progress-bar.js';
import { formatTable } from '../cli/table.js';
import { detectModelFormat } from '../engines/open-model.js';
import { ALL_RUNTIME_CHOICES, parseRuntimeList } from '../engines/runtime-chain.js';
import { tryRuntimes } from '../inspect/runtime-trial.js';
import { measureModel, type BatchMeasurement } from '../measure/measure-model.js';

/** `servable bench <model>`: latency and throughput per runtime that loads the model here. */
export const benchCommand: CommandSpec = {
  name: 'bench',
  summary: 'Measure latency (p50/p99) and throughput of a model on every runtime that loads it here',
  description:
    'Tries each runtime of this machine (or those of --runtime) on the model; for each one that loads it, runs seeded random\n' +
    'inputs one run at a time for --seconds per batch size after a short warm-up, and prints a table of p50 and p99 latency\n' +
    'per run and examples per second. Runtimes that cannot load the model are listed with the reason.',
  positionals: [{ name: 'model', description: 'a model folder or a .onnx / model.json file' }],
  options: {
    batch: { type: 'string', valueName: 'SIZES', default: '1,8,32', description: 'batch sizes, comma-separated (a fixed-batch model uses its own)' },
    seconds: { type: 'string', valueName: 'S', default: '3', description: 'seconds of timed runs per runtime and batch size' },
    runtime: { type: 'string', valueName: 'LIST', description: 'runtimes to measure, such as onnx-node:cpu,onnx-node:webgpu (default: all)' },
    json: { type: 'boolean', description: 'print JSON' },
  },
  examples: ['servable bench fixtures/models/mlp.onnx --batch 1,8,32 --seconds 3'],
  async run(args, io) {
    const path = resolve(io.cwd, args.positionals[0]!);
    const format = detectModelFormat(path);
    const batches = integerListOption('bench', args, 'batch', { min: 1, max: 65536 })!;
    const seconds = numberOption('bench', args, 'seconds', { min: 0.01, max: 3600 })!;
    const runtimeList = stringOption(args, 'runtime');
    const results = await tryRuntimes(path, format, runtimeList ? parseRuntimeList(runtimeList) : ALL_RUNTIME_CHOICES, io.cwd);
    const rows: { runtime: string; device: string; servedDevice: string; measurement: BatchMeasurement }[] = [];
    const loaded = results.filter((r) => r.model);
    const bar = new ProgressBar({ stream: io.stderr, interactive: io.interactive });
    try {
      for (const [i, r] of loaded.entries()) {
        const label = `${r.trial.runtime}:${r.trial.device}`;
        const ms = await measureModel(r.model!, {
          batches,
          seconds,
          onProgress: (done, total, last) => {
            bar.update((i + done / total) / loaded.length, `${label} batch ${last.batch}`);
            if (!io.interactive) io.stderr.write(`${label} batch ${last.batch}: ${Math.round(last.examplesPerSecond)} examples/s\n`);
          },
        });
        for (const m of ms) rows.push({ runtime: r.trial.runtime, device: r.trial.device, servedDevice: r.trial.servedDevice ?? r.trial.device, measurement: m });
      }
    } finally {
      bar.done();
      for (const r of loaded) await r.model!.dispose();
    }
    const skipped = results.filter((r) => !r.model).map((r) => r.trial);
    if (booleanOption(args, 'json')) {
      io.stdout.write(JSON.stringify({ model: args.positionals[0], seconds, results: rows, notLoaded: skipped }, null, 2) + '\n');
    } else {
      io.stdout.write(
        formatTable(
          ['runtime', 'device', 'batch', 'runs', 'p50 ms', 'p99 ms', 'examples/s'],
          rows.map((r) => [r.runtime, r.servedDevice, r.measurement.batch, r.measurement.runs, r.measurement.p50Ms.toFixed(3), r.measurement.p99Ms.toFixed(3), Math.round(r.measurement.examplesPerSecond)]),
        ),
      );
      for (const t of skipped) io.stdout.write(`not measured: ${t.runtime}:${t.device} ${t.status} — ${t.reason}\n`);
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
