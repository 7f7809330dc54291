import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, runCli } from './helpers/built-cli.js';

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
    expect(shape.stderr).toContain('flag --data idx:nowhere');
  });
});
