import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { join, relative, resolve } from 'node:path';
import { createPredictor, loadModel, type Classification } from '@servable/core';
import { onnxNode } from '@servable/runtime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseCommandLine } from '../src/cli/parse-command-line.js';
import { explanationPicturePath, predictCommand } from '../src/commands/predict.js';
import { ensureBuilt, MODELS, ROOT, runCli } from './helpers/built-cli.js';
import { encodePng } from './helpers/png-encoder.js';

let dir: string;
let folder: string;
let png: string;
let pixels: Uint8Array;

beforeAll(() => {
  ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), 'servable-predict-'));
  folder = join(dir, 'mnist', '1');
  mkdirSync(folder, { recursive: true });
  copyFileSync(join(MODELS, 'mlp.onnx'), join(folder, 'model.onnx'));
  const manifest = {
    schemaVersion: 1,
    name: 'mnist',
    version: '1',
    format: 'onnx',
    file: 'model.onnx',
    labels: ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'],
    preprocessing: { image: { grayscale: true, resize: { width: 28, height: 28 }, scale: 1 / 255 } },
  };
  writeFileSync(join(folder, 'servable.json'), JSON.stringify(manifest));
  pixels = Uint8Array.from({ length: 56 * 56 * 3 }, (_, i) => (i * 53 + (i >> 7) * 11) & 0xff);
  png = join(dir, 'digit.png');
  writeFileSync(png, encodePng({ width: 56, height: 56, colorType: 2, pixels, filter: 4 }));
}, 180_000);

describe('servable predict', () => {
  it('prints the output tensors of a model on a JSON batch', async () => {
    const input = join(dir, 'batch.json');
    writeFileSync(input, JSON.stringify([[1, 2, 3], [4, 5, 6.5]]));
    const r = await runCli(['predict', join(MODELS, 'add_one.onnx'), input]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe('y  float32  [2, 3]  2, 3, 4, 5, 6, 7.5');
    expect(r.stderr).toContain('served by onnx-node on cpu');
  });

  it('takes tensors written as {dtype, shape, data} keyed by input name, and prints JSON', async () => {
    const input = join(dir, 'multi.json');
    writeFileSync(
      input,
      JSON.stringify({
        a: [[1, 2, 3, 4]],
        ids: { dtype: 'int64', shape: [1, 3], data: [1, 2, 3] },
        mask: { dtype: 'bool', shape: [1, 3], data: [true, false, true] },
        h: { dtype: 'float16', shape: [1, 2], data: [0.5, -1] },
      }),
    );
    const r = await runCli(['predict', join(MODELS, 'multi_io.onnx'), input, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout).outputs;
    expect(out.total).toEqual({ dtype: 'float32', shape: [1, 1], data: [9.5] });
    expect(out.ids_next.data).toEqual([2, 3, 4]);
    expect(out.mask_not.data).toEqual([false, true, false]);
    expect(out.h_twice.data).toEqual([1, -2]);
  });

  it('classifies a PNG through the manifest preprocessing, like an in-process predictor', async () => {
    const r = await runCli(['predict', folder, png, '--top-k', '3', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const [got] = JSON.parse(r.stdout).classifications as Classification[];
    const predictor = createPredictor(await loadModel(folder, { runtimes: [onnxNode()] }));
    const expected = (await predictor.predict({ data: pixels, width: 56, height: 56, channels: 3 }, { output: 'classification', topK: 3 })) as Classification;
    await predictor.dispose();
    expect(got!.top.map((t) => t.label)).toEqual(expected.top.map((t) => t.label));
    for (let i = 0; i < 3; i++) expect(got!.top[i]!.score).toBeCloseTo(expected.top[i]!.score, 5);
    const text = await runCli(['predict', folder, png, '-k', '2']);
    expect(text.stdout).toMatch(new RegExp(`^rank\\s+label\\s+index\\s+score\\n.*\\n\\s*1\\s+${expected.top[0]!.label}\\s+${expected.top[0]!.index}\\s+`, 'm'));
    expect(text.stdout.trim().split('\n')).toHaveLength(4);
  });

  it('reads a real digit as a PNG and as a JPEG alike, through a trained model', async () => {
    const trained = join(dir, 'trained', '1');
    mkdirSync(trained, { recursive: true });
    copyFileSync(join(ROOT, 'examples/browser-app/model/mnist-mlp.onnx'), join(trained, 'model.onnx'));
    const labels = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
    const preprocessing = { image: { grayscale: true, resize: { width: 28, height: 28 }, scale: 1 / 255, layout: 'NHW' } };
    writeFileSync(join(trained, 'servable.json'), JSON.stringify({ schemaVersion: 1, name: 'mnist', version: '1', format: 'onnx', file: 'model.onnx', labels, preprocessing }));
    const fromPng = await runCli(['predict', trained, join(ROOT, 'docs/images/seven.png'), '--json']);
    const fromJpeg = await runCli(['predict', trained, join(ROOT, 'fixtures/images/seven.jpg'), '--json']);
    expect(fromJpeg.code, fromJpeg.stderr).toBe(0);
    const [png] = JSON.parse(fromPng.stdout).classifications as Classification[];
    const [jpeg] = JSON.parse(fromJpeg.stdout).classifications as Classification[];
    expect(png!.label).toBe('7');
    expect(jpeg!.label).toBe('7');
    expect(jpeg!.score).toBeCloseTo(png!.score, 1);
  });

  it('warns when an image goes into a float model without preprocessing, and not when the manifest scales it', async () => {
    const bare = await runCli(['predict', join(MODELS, 'mlp.onnx'), join(ROOT, 'fixtures/images/seven.jpg')]);
    expect(bare.code, bare.stderr).toBe(0);
    expect(bare.stderr).toContain('warning (preprocessing.image): input "pixels": an 8-bit image went into this float32 input as raw 0–255 values, because the model has no preprocessing.image');
    expect(bare.stderr.match(/warning \(preprocessing\.image\)/g)).toHaveLength(1);
    const scaled = await runCli(['predict', folder, png]);
    expect(scaled.stderr).not.toContain('warning');
  });

  it('exits 2 for input the model cannot take and 3 for a model that cannot load', async () => {
    const input = join(dir, 'wrong.json');
    writeFileSync(input, JSON.stringify([[1, 2, 3]]));
    const shape = await runCli(['predict', join(MODELS, 'mlp.onnx'), input]);
    expect(shape.code).toBe(2);
    expect(shape.stderr).toContain('error SHAPE_MISMATCH: input "pixels": expected [batch, 28, 28] (float32)');
    writeFileSync(join(dir, 'bad.json'), '{ not json');
    const json = await runCli(['predict', join(MODELS, 'mlp.onnx'), join(dir, 'bad.json')]);
    expect(json.code).toBe(2);
    expect(json.stderr).toContain(`input file "${join(dir, 'bad.json')}": expected JSON`);
    const missing = await runCli(['predict', 'models/mnist/1', input], { cwd: dir });
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain('model path "models/mnist/1": expected a model folder or a .onnx / model.json file, got a path that does not exist');
    const broken = await runCli(['predict', join(MODELS, 'broken/truncated.onnx'), input]);
    expect(broken.code).toBe(3);
    expect(broken.stderr).toContain('MODEL_LOAD_FAILED');
  });
});

describe('servable predict --explain', () => {
  it('writes the picture to --explain-out and leaves the file beside the input alone', async () => {
    const beside = join(dir, 'digit.explain.png');
    writeFileSync(beside, 'committed');
    const out = join(dir, 'elsewhere', 'heat.png');
    mkdirSync(join(dir, 'elsewhere'), { recursive: true });
    const r = await runCli(['predict', folder, png, '--explain', 'occlusion', '--explain-out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(beside, 'utf8')).toBe('committed');
    expect([...readFileSync(out).subarray(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47]);
    const alone = await runCli(['predict', folder, png, '--explain-out', out]);
    expect(alone.code).toBe(2);
    expect(alone.stderr).toContain('--explain-out: expected --explain METHOD with it, got none');
  });

  it("the README's --explain command writes outside the files the repository tracks", () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const line = readme.split('\n').find((l) => l.includes('bin.js predict') && l.includes('--explain'));
    expect(line).toBeDefined();
    const argv = line!.slice(line!.indexOf('bin.js predict') + 'bin.js predict'.length).trim().split(/\s+/);
    const parsed = parseCommandLine(predictCommand, argv);
    const [, input] = parsed.positionals as [string, string];
    const out = parsed.values['explain-out'];
    const picture = relative(ROOT, explanationPicturePath(resolve(ROOT, input), true, typeof out === 'string' ? resolve(ROOT, out) : undefined));
    const tracked = spawnSync('git', ['ls-files', '--error-unmatch', picture], { cwd: ROOT });
    expect(tracked.status, `${picture} is a tracked file`).not.toBe(0);
  });

  it('writes a heatmap PNG beside an image input and says what the explanation cost', async () => {
    const r = await runCli(['predict', folder, png, '--explain', 'integrated-gradients']);
    expect(r.code, r.stderr).toBe(0);
    const picture = join(dir, 'digit.explain.png');
    expect(existsSync(picture)).toBe(true);
    expect(r.stdout).toContain("digit.explain.png");
    expect(r.stdout).toMatch(/explanation \(integrated-gradients, finite-differences gradients\) of "\w+": \d+ model evaluations/);
    const bytes = readFileSync(picture);
    expect([...bytes.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    expect(bytes.readUInt32BE(16)).toBeGreaterThanOrEqual(56);
    // A legend strip under the square heatmap: taller than wide.
    expect(bytes.readUInt32BE(20)).toBeGreaterThan(bytes.readUInt32BE(16));
  });

  it('writes a bar chart for tabular input and refuses an unknown method', async () => {
    const input = join(dir, 'features.json');
    writeFileSync(input, JSON.stringify([1, 1, 1, 1, 1, 1]));
    const r = await runCli(['predict', join(MODELS, 'linear_tabular.onnx'), input, '--explain', 'occlusion']);
    expect(r.code, r.stderr).toBe(0);
    const svg = readFileSync(join(dir, 'features.explain.svg'), 'utf8');
    expect(svg).toContain('<svg');
    const bad = await runCli(['predict', join(MODELS, 'linear_tabular.onnx'), input, '--explain', 'magic']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--explain: expected one of occlusion, kernelshap, integrated-gradients, saliency, got "magic"');
  });
});
