import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { ServableError, parseManifest, sha256Hex } from '@servable/core';
import { createTrainer } from '../training/create-trainer.js';
import type { ModelSpec } from '../training/model-spec.js';
import { SeededRandom } from '../training/random.js';
import { exportOnnx } from './export-onnx.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function randomImages(count: number, shape: readonly number[], seed: number): Float32Array {
  const r = new SeededRandom(seed);
  return Float32Array.from({ length: count * shape.reduce((a, b) => a * b, 1) }, () => r.next());
}

async function parity(spec: ModelSpec, seed: number): Promise<{ maxDiff: number; onnxShape: readonly number[] }> {
  const trainer = await createTrainer(spec, { seed });
  const n = 64;
  const x = randomImages(n, spec.inputShape, seed);
  const y = Int32Array.from({ length: n }, (_, i) => i % 10);
  await trainer.fit({ x: { dtype: 'float32', shape: [n, ...spec.inputShape], data: x }, y }, { epochs: 2, batchSize: 16 });
  const bytes = exportOnnx(trainer.model);
  const session = await ort.InferenceSession.create(bytes);
  expect(session.inputNames).toEqual(['input']);
  expect(session.outputNames).toEqual(['output']);
  const test = randomImages(10, spec.inputShape, seed + 1);
  const result = await session.run({ input: new ort.Tensor('float32', test, [10, ...spec.inputShape]) });
  const onnx = result.output!;
  const expected = tf.tidy(() => (trainer.model.predict(tf.tensor(test, [10, ...spec.inputShape])) as tf.Tensor).dataSync());
  const got = onnx.data as Float32Array;
  let maxDiff = 0;
  for (let i = 0; i < expected.length; i++) maxDiff = Math.max(maxDiff, Math.abs(got[i]! - expected[i]!));
  await session.release();
  trainer.dispose();
  return { maxDiff, onnxShape: onnx.dims };
}

describe('exportOnnx', () => {
  it('an MLP gives the same predictions in onnxruntime as in tfjs (1e-4)', async () => {
    const { maxDiff, onnxShape } = await parity(
      {
        inputShape: [28, 28],
        layers: [{ type: 'flatten' }, { type: 'dense', units: 32, activation: 'relu' }, { type: 'dropout', rate: 0.2 }, { type: 'dense', units: 16, activation: 'tanh' }, { type: 'dense', units: 10, activation: 'softmax' }],
      },
      1,
    );
    expect(onnxShape).toEqual([10, 10]);
    expect(maxDiff).toBeLessThan(1e-4);
  });

  it('a CNN with batch norm, pooling, same/valid padding, strides and dropout gives the same predictions (1e-4)', async () => {
    const { maxDiff, onnxShape } = await parity(
      {
        inputShape: [12, 10, 2],
        layers: [
          { type: 'conv2d', filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' },
          { type: 'batchNormalization' },
          { type: 'maxPool2d', poolSize: 2 },
          { type: 'conv2d', filters: 6, kernelSize: [3, 2], strides: 2, padding: 'same', activation: 'sigmoid' },
          { type: 'conv2d', filters: 5, kernelSize: 2 },
          { type: 'flatten' },
          { type: 'dropout', rate: 0.3 },
          { type: 'dense', units: 12 },
          { type: 'batchNormalization' },
          { type: 'dense', units: 10, activation: 'softmax' },
        ],
        optimizer: { type: 'adam', learningRate: 0.01 },
      },
      2,
    );
    expect(onnxShape).toEqual([10, 10]);
    expect(maxDiff).toBeLessThan(1e-4);
  });

  it('names the first layer it cannot export', () => {
    const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [3], units: 2 }), tf.layers.leakyReLU()] });
    const error = (() => {
      try {
        exportOnnx(model);
      } catch (e) {
        return e;
      }
    })();
    expect(ServableError.isInstance(error) && error.code).toBe('UNSUPPORTED_CAPABILITY');
    expect((error as Error).message).toMatch(/layers\[1\].*LeakyReLU/);
  });

  it('save({ onnx: true }) writes onnx/model.onnx with its own manifest', async () => {
    const trainer = await createTrainer({ inputShape: [4], layers: [{ type: 'dense', units: 3, activation: 'softmax' }] }, { seed: 1 });
    const dir = join(mkdtempSync(join(tmpdir(), 'servable-onnx-')), 'm', '1');
    dirs.push(dir);
    const main = await trainer.save(dir, { onnx: true, manifest: { name: 'm', labels: ['a', 'b', 'c'] } });
    const onnxManifest = parseManifest(readFileSync(join(dir, 'onnx', 'servable.json'), 'utf8'));
    expect(onnxManifest).toMatchObject({ name: 'm', version: '1', format: 'onnx', file: 'model.onnx', labels: ['a', 'b', 'c'], signature: main.signature });
    expect(onnxManifest.sha256).toBe(await sha256Hex(readFileSync(join(dir, 'onnx', 'model.onnx'))));
    const session = await ort.InferenceSession.create(join(dir, 'onnx', 'model.onnx'));
    const out = await session.run({ input: new ort.Tensor('float32', new Float32Array([1, 2, 3, 4]), [1, 4]) });
    const sum = (out.output!.data as Float32Array).reduce((a, b) => a + b, 0);
    expect(sum).toBeCloseTo(1, 5);
    await session.release();
    trainer.dispose();
  });
});
