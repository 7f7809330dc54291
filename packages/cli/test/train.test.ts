import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { idxClassNames } from '../src/train/known-datasets.js';
import { ensureBuilt, ROOT, runCli } from './helpers/built-cli.js';
import { encodePng } from './helpers/png-encoder.js';

const FASHION = '/usr/share/datasets/fashion-mnist';
const FASHION_NAMES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

let dir: string;

function idx(dims: number[], data: Uint8Array): Buffer {
  const head = Buffer.alloc(4 + dims.length * 4);
  head[2] = 0x08;
  head[3] = dims.length;
  dims.forEach((d, i) => head.writeUInt32BE(d, 4 + i * 4));
  return Buffer.concat([head, data]);
}

beforeAll(() => {
  ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), 'servable-train-'));
}, 180_000);

describe('servable train', () => {
  it('trains a spec with inline data, saves a servable folder with an ONNX copy and a curves picture, and the folder predicts', async () => {
    const x: number[][] = [];
    const y: number[] = [];
    for (let i = 0; i < 64; i++) {
      const a = (i % 8) / 8;
      const b = Math.floor(i / 8) / 8;
      x.push([a, b, 1 - a, 1 - b]);
      y.push(a > b ? 1 : 0);
    }
    const spec = {
      model: { inputShape: [4], layers: [{ type: 'dense', units: 8, activation: 'relu' }, { type: 'dense', units: 2, activation: 'softmax' }], optimizer: { type: 'adam', learningRate: 0.05 } },
      data: { x, y },
      fit: { epochs: 4, batchSize: 16, validationSplit: 0.25 },
      save: { name: 'tiny', version: '3', labels: ['low', 'high'] },
    };
    writeFileSync(join(dir, 'spec.json'), JSON.stringify(spec));
    const r = await runCli(['train', 'spec.json', '--out', 'out/tiny/3', '--seed', '7'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('data: 64 examples from the spec');
    expect(r.stderr.match(/^epoch \d\/4 loss [\d.]+/gm)).toHaveLength(4);
    expect(r.stdout).toMatch(/trained 4 epoch\(s\) at \d+ examples\/s/);
    expect(r.stdout).toContain('saved tiny@3');
    const manifest = JSON.parse(readFileSync(join(dir, 'out/tiny/3/servable.json'), 'utf8'));
    expect(manifest).toMatchObject({ name: 'tiny', version: '3', labels: ['low', 'high'] });
    const svg = readFileSync(join(dir, 'out/tiny/3/training-curves.svg'), 'utf8');
    expect(svg).toContain('<svg');
    expect(svg).toContain('>val_loss<');
    expect(svg.match(/<circle/g)!.length).toBeGreaterThanOrEqual(4 * 2);
    expect(existsSync(join(dir, 'out/tiny/3/onnx/servable.json'))).toBe(true);
    const inspected = await runCli(['inspect', 'out/tiny/3', '--json', '--seconds', '0', '--runtime', 'tfjs'], { cwd: dir });
    expect(inspected.code, inspected.stderr).toBe(0);
    const summary = JSON.parse(inspected.stdout).summary;
    expect(summary.format).toBe('tfjs-layers');
    expect(summary.parameters.total).toBe(4 * 8 + 8 + 8 * 2 + 2);
    expect(summary.inputs[0].shape).toEqual(['batch', 4]);
    expect(summary.operators).toContainEqual({ opType: 'Dense', count: 2 });
    expect(summary.flops.total).toBe(2 * 4 * 8 + 8 + 8 + 2 * 8 * 2 + 2 + 5 * 2);
    writeFileSync(join(dir, 'one.json'), JSON.stringify([0.9, 0.1, 0.1, 0.9]));
    const p = await runCli(['predict', 'out/tiny/3/onnx', 'one.json', '--json'], { cwd: dir });
    expect(p.code, p.stderr).toBe(0);
    const [c] = JSON.parse(p.stdout).classifications;
    expect(['low', 'high']).toContain(c.label);
    expect(c.probabilities.reduce((a: number, b: number) => a + b, 0)).toBeCloseTo(1, 4);
  });

  it('reads MNIST-format IDX files with --data idx:<dir> and evaluates on the t10k files', async () => {
    const n = 40;
    const images = new Uint8Array(n * 28 * 28);
    const labels = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      labels[i] = i % 2;
      for (let p = 0; p < 28 * 28; p++) images[i * 784 + p] = (p % 28 < 14) === (i % 2 === 0) ? 255 : 0;
    }
    writeFileSync(join(dir, 'train-images-idx3-ubyte.gz'), gzipSync(idx([n, 28, 28], images)));
    writeFileSync(join(dir, 'train-labels-idx1-ubyte.gz'), gzipSync(idx([n], labels)));
    writeFileSync(join(dir, 't10k-images-idx3-ubyte'), idx([4, 28, 28], images.subarray(0, 4 * 784)));
    writeFileSync(join(dir, 't10k-labels-idx1-ubyte'), idx([4], labels.subarray(0, 4)));
    writeFileSync(join(dir, 'mnist.json'), JSON.stringify({ model: { inputShape: [28, 28], layers: [{ type: 'flatten' }, { type: 'dense', units: 10, activation: 'softmax' }] }, save: { name: 'digits', onnx: false } }));
    const r = await runCli(['train', 'mnist.json', '--data', 'idx:.', '--epochs', '2', '--batch-size', '8', '--out', 'digits'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('data: 40 examples from');
    expect(r.stdout).toMatch(/held-out: loss [\d.]+, accuracy [\d.]+/);
    const manifest = JSON.parse(readFileSync(join(dir, 'digits/servable.json'), 'utf8'));
    expect(manifest.labels).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    expect(manifest.preprocessing.image).toMatchObject({ grayscale: true, resize: { width: 28, height: 28 } });
  });

  it('exits 2 for a spec with a bad field, naming it', async () => {
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ model: { inputShape: [0], layers: [] } }));
    const r = await runCli(['train', 'bad.json', '--data', 'mnist'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('training spec "model.inputShape": expected positive integers such as [28, 28], got [0]');
    const shape = await runCli(['train', 'mnist.json', '--data', 'idx:nowhere'], { cwd: dir });
    expect(shape.code).toBe(2);
    expect(shape.stderr).toContain('flag --data "idx:nowhere": expected mnist, idx:<dir>, csv:<file>, images:<dir>, a .csv file or a folder of class subfolders, got a path that does not exist ("nowhere")');
  });

  const noFashion = existsSync(FASHION) ? undefined : `no Fashion-MNIST at ${FASHION} — apt-get install dataset-fashion-mnist to run it`;
  if (noFashion) console.warn(`Fashion-MNIST training test skipped: ${noFashion}`);
  it.skipIf(noFashion)('keeps the class names of Fashion-MNIST (Debian\'s dataset-fashion-mnist), found by its labels', async () => {
    const r = await runCli(['train', join(ROOT, 'examples/mnist/spec.json'), '--data', `idx:${FASHION}`, '--limit', '300', '--epochs', '1', '--out', 'fashion'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('class names from Fashion-MNIST');
    const manifest = JSON.parse(readFileSync(join(dir, 'fashion/servable.json'), 'utf8'));
    expect(manifest.labels).toEqual(FASHION_NAMES);
  }, 120_000);

  it('takes class names from a labels.txt beside IDX files, else from the label numbers', () => {
    const named = join(dir, 'named');
    mkdirSync(named, { recursive: true });
    writeFileSync(join(named, 'labels.txt'), 'cat\ndog\n');
    expect(idxClassNames(named, Uint8Array.from([0, 1, 1]))).toEqual({ labels: ['cat', 'dog'], from: 'labels.txt' });
    expect(idxClassNames(join(dir, 'nowhere'), Uint8Array.from([0, 2, 1]))).toEqual({ labels: ['0', '1', '2'], from: 'the label numbers' });
  });

  it('reads a CSV named in the spec, with the label column\'s values as class names, and says "training spec" in its errors', async () => {
    const rows = ['sepal_length,sepal_width,petal_length,petal_width,species'];
    const centers: Record<string, number[]> = { setosa: [5, 3.4, 1.5, 0.2], versicolor: [5.9, 2.8, 4.3, 1.3], virginica: [6.6, 3, 5.6, 2] };
    for (let i = 0; i < 60; i++) {
      const [name, c] = Object.entries(centers)[i % 3]!;
      rows.push([...c!.map((v, k) => (v + (((i * 7 + k * 3) % 5) - 2) * 0.05).toFixed(2)), name].join(','));
    }
    writeFileSync(join(dir, 'iris.csv'), rows.join('\n') + '\n');
    const spec = {
      model: { inputShape: [4], layers: [{ type: 'dense', units: 16, activation: 'relu' }, { type: 'dense', units: 3, activation: 'softmax' }], optimizer: { type: 'adam', learningRate: 0.05 } },
      data: 'iris.csv',
      fit: { epochs: 30, batchSize: 8 },
      save: { name: 'iris', onnx: false },
    };
    writeFileSync(join(dir, 'iris.json'), JSON.stringify(spec));
    const r = await runCli(['train', 'iris.json', '--out', 'iris'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('data: 54 rows of iris.csv (4 features, label column "species", 3 classes, 6 held out)');
    expect(JSON.parse(readFileSync(join(dir, 'iris/servable.json'), 'utf8')).labels).toEqual(['setosa', 'versicolor', 'virginica']);
    writeFileSync(join(dir, 'flower.json'), JSON.stringify([6.6, 3, 5.6, 2]));
    const p = await runCli(['predict', 'iris', 'flower.json', '--json'], { cwd: dir });
    expect(p.code, p.stderr).toBe(0);
    expect(JSON.parse(p.stdout).classifications[0].label).toBe('virginica');

    writeFileSync(join(dir, 'missing.json'), JSON.stringify({ ...spec, data: 'no-such.csv' }));
    const missing = await runCli(['train', 'missing.json'], { cwd: dir });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('training spec "data" "no-such.csv": expected mnist, idx:<dir>, csv:<file>');
    expect(missing.stderr).not.toContain('flag --data');
    writeFileSync(join(dir, 'bad.csv'), 'a,b,label\n1,x,cat\n');
    writeFileSync(join(dir, 'bad-csv.json'), JSON.stringify({ ...spec, model: { ...spec.model, inputShape: [2] }, data: { csv: 'bad.csv' } }));
    const bad = await runCli(['train', 'bad-csv.json'], { cwd: dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('CSV "bad.csv" row 2 column "b": expected a number, got "x"');
  }, 120_000);

  it('reads a folder of images, one subfolder per class, and saves the image steps so the model predicts raw images', async () => {
    const root = join(dir, 'shapes');
    const image = (bright: boolean, seed: number) => {
      const pixels = new Uint8Array(12 * 12 * 3);
      for (let p = 0; p < 12 * 12; p++) {
        const v = (bright ? 200 : 30) + ((p * 31 + seed * 17) % 40);
        pixels.set([v, v, v], p * 3);
      }
      return encodePng({ width: 12, height: 12, colorType: 2, pixels });
    };
    for (const name of ['bright', 'dark']) {
      mkdirSync(join(root, name), { recursive: true });
      for (let i = 0; i < 10; i++) writeFileSync(join(root, name, `${i}.png`), image(name === 'bright', i));
    }
    const spec = {
      model: { inputShape: [8, 8], layers: [{ type: 'flatten' }, { type: 'dense', units: 2, activation: 'softmax' }], optimizer: { type: 'adam', learningRate: 0.1 } },
      fit: { epochs: 15, batchSize: 4 },
      save: { name: 'shapes', onnx: false },
    };
    writeFileSync(join(dir, 'shapes.json'), JSON.stringify(spec));
    const r = await runCli(['train', 'shapes.json', '--data', 'images:shapes', '--out', 'shapes-model'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('data: 18 images of 2 classes from shapes (bright 10, dark 10; 2 held out)');
    const manifest = JSON.parse(readFileSync(join(dir, 'shapes-model/servable.json'), 'utf8'));
    expect(manifest.labels).toEqual(['bright', 'dark']);
    expect(manifest.preprocessing.image).toEqual({ grayscale: true, resize: { width: 8, height: 8 }, scale: 1 / 255, layout: 'NHW' });
    writeFileSync(join(dir, 'probe.png'), image(true, 99));
    const p = await runCli(['predict', 'shapes-model', 'probe.png', '--json'], { cwd: dir });
    expect(p.code, p.stderr).toBe(0);
    expect(JSON.parse(p.stdout).classifications[0].label).toBe('bright');
  }, 120_000);

  it('refuses a model with fewer output units than the data has classes', async () => {
    writeFileSync(join(dir, 'narrow.json'), JSON.stringify({ model: { inputShape: [4], layers: [{ type: 'dense', units: 2, activation: 'softmax' }] }, data: 'iris.csv' }));
    const r = await runCli(['train', 'narrow.json'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`model spec's last layer: expected 3 units, one per class of the data (setosa, versicolor, virginica), got 2 — set "units": 3`);
  });
});

describe('servable train --help', () => {
  it('names only spec files that exist in the repository', async () => {
    const r = await runCli(['train', '--help']);
    expect(r.code).toBe(0);
    const paths = [...r.stdout.matchAll(/\b(examples\/\S+\.json)\b/g)].map((m) => m[1]!);
    expect(paths.length).toBeGreaterThan(0);
    for (const p of paths) expect(existsSync(join(ROOT, p)), p).toBe(true);
  });
});
