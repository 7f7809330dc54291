import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { ServableError, loadModel, parseManifest, sha256Hex, type TrainingBatch, type TrainingProgress } from '@servable/core';
import { tfjs } from '../runtime/tfjs-runtime.js';
import { createTrainer } from './create-trainer.js';
import type { ModelSpec } from './model-spec.js';
import { SeededRandom } from './random.js';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'servable-trainer-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Four separable classes: class k lights up quadrant k of an 8×8 image, plus noise. */
function quadrants(count: number, seed: number): { x: Float32Array; y: Int32Array } {
  const r = new SeededRandom(seed);
  const x = new Float32Array(count * 64);
  const y = new Int32Array(count);
  for (let i = 0; i < count; i++) {
    const k = i % 4;
    y[i] = k;
    for (let p = 0; p < 64; p++) {
      const row = p >> 3;
      const col = p & 7;
      const q = (row < 4 ? 0 : 2) + (col < 4 ? 0 : 1);
      x[i * 64 + p] = r.next() * 0.5 + (q === k ? 0.5 : 0);
    }
  }
  return { x, y };
}

const mlpSpec: ModelSpec = {
  inputShape: [8, 8],
  layers: [{ type: 'flatten' }, { type: 'dense', units: 16, activation: 'relu' }, { type: 'dropout', rate: 0.1 }, { type: 'dense', units: 4, activation: 'softmax' }],
  optimizer: 'adam',
  loss: 'sparseCategoricalCrossentropy',
  metrics: ['accuracy'],
};

const cnnSpec: ModelSpec = {
  inputShape: [8, 8, 1],
  layers: [
    { type: 'conv2d', filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' },
    { type: 'batchNormalization' },
    { type: 'maxPool2d', poolSize: 2 },
    { type: 'conv2d', filters: 4, kernelSize: 3, activation: 'relu' },
    { type: 'flatten' },
    { type: 'dropout', rate: 0.2 },
    { type: 'dense', units: 4, activation: 'softmax' },
  ],
  optimizer: { type: 'adam', learningRate: 0.01 },
  loss: 'sparseCategoricalCrossentropy',
  metrics: ['accuracy'],
};

describe('createTrainer', () => {
  it('learns a separable problem from plain integer labels and reports progress', async () => {
    const trainer = await createTrainer({ ...mlpSpec, optimizer: { type: 'adam', learningRate: 0.01 } }, { seed: 3 });
    expect(trainer.fastPath).toBe(true);
    const data = quadrants(256, 1);
    const events: TrainingProgress[] = [];
    const history = await trainer.fit({ x: { dtype: 'float32', shape: [256, 8, 8], data: data.x }, y: Array.from(data.y) }, { epochs: 4, batchSize: 32, validationSplit: 0.25, onProgress: (p) => events.push(p) });
    expect(history.epochs).toBe(4);
    expect(history.history.loss![3]!).toBeLessThan(history.history.loss![0]!);
    expect(history.history.val_accuracy![3]!).toBeGreaterThan(0.9);
    const batches = events.filter((e) => e.kind === 'batch');
    expect(batches).toHaveLength(4 * 6);
    expect(batches[0]).toMatchObject({ epoch: 0, epochs: 4, batch: 0, batches: 6 });
    expect(batches[0]!.examplesPerSecond).toBeGreaterThan(0);
    expect(batches[0]!.etaSeconds).toBeGreaterThan(0);
    expect(events.filter((e) => e.kind === 'epoch').map((e) => Object.keys(e.metrics).sort())).toEqual(Array(4).fill(['accuracy', 'val_accuracy', 'val_loss']));
    const test = quadrants(64, 2);
    const result = await trainer.evaluate({ x: test.x, y: test.y });
    expect(result.accuracy).toBeGreaterThan(0.9);
    trainer.dispose();
  });

  it('gives identical weights for the same seed and different ones for another', async () => {
    const data = quadrants(96, 4);
    const run = async (seed: number) => {
      const trainer = await createTrainer(mlpSpec, { seed });
      await trainer.fit(data, { epochs: 2, batchSize: 16 });
      const weights = trainer.model.getWeights().map((w) => Array.from(w.dataSync()));
      trainer.dispose();
      return weights;
    };
    const a = await run(7);
    const b = await run(7);
    const c = await run(8);
    expect(b).toEqual(a);
    expect(c[0]).not.toEqual(a[0]);
  });

  it('trains a CNN with batch norm, pooling and dropout on the wasm backend', async () => {
    const trainer = await createTrainer(cnnSpec, { seed: 5, backend: 'wasm' });
    expect(trainer.fastPath).toBe(true);
    const data = quadrants(256, 6);
    const history = await trainer.fit({ x: { dtype: 'float32', shape: [256, 8, 8, 1], data: data.x }, y: data.y }, { epochs: 5, batchSize: 32 });
    expect(history.history.loss![4]!).toBeLessThan(history.history.loss![0]!);
    const test = quadrants(64, 7);
    expect((await trainer.evaluate({ x: { dtype: 'float32', shape: [64, 8, 8, 1], data: test.x }, y: test.y })).accuracy).toBeGreaterThan(0.9);
    trainer.dispose();
  });

  it('stops between batches when the signal fires and keeps the model usable', async () => {
    const trainer = await createTrainer(mlpSpec, { seed: 1 });
    const data = quadrants(320, 8);
    const controller = new AbortController();
    let seen = 0;
    const error = await trainer
      .fit(data, {
        epochs: 3,
        batchSize: 32,
        signal: controller.signal,
        onProgress: (p) => {
          if (p.kind === 'batch' && ++seen === 3) controller.abort(new Error('enough'));
        },
      })
      .catch((e: unknown) => e);
    expect(ServableError.isInstance(error) && error.code).toBe('ABORTED');
    expect(seen).toBe(3);
    const again = await trainer.fit(data, { epochs: 1, batchSize: 32 });
    expect(again.epochs).toBe(1);
    expect(Number.isFinite((await trainer.evaluate(data)).loss)).toBe(true);
    trainer.dispose();
  });

  it('stops early when the monitored value stops improving', async () => {
    const trainer = await createTrainer({ ...mlpSpec, layers: mlpSpec.layers.filter((l) => l.type !== 'dropout'), optimizer: { type: 'sgd', learningRate: 0 } }, { seed: 1 });
    const history = await trainer.fit(quadrants(64, 9), { epochs: 10, batchSize: 32, earlyStopping: { monitor: 'loss', patience: 1, minDelta: 1e-3 } });
    expect(history.stoppedEarly).toBe(true);
    expect(history.epochs).toBe(2);
    trainer.dispose();
  });

  it('streams batches from an async iterable that restarts each epoch', async () => {
    const trainer = await createTrainer({ ...mlpSpec, loss: 'categoricalCrossentropy', metrics: ['accuracy', 'mae'] }, { seed: 2 });
    const data = quadrants(128, 10);
    const source = {
      async *[Symbol.asyncIterator](): AsyncGenerator<TrainingBatch> {
        for (let b = 0; b < 4; b++) {
          const oneHot = new Float32Array(32 * 4);
          for (let i = 0; i < 32; i++) oneHot[i * 4 + data.y[b * 32 + i]!] = 1;
          yield { x: { dtype: 'float32', shape: [32, 8, 8], data: data.x.subarray(b * 2048, (b + 1) * 2048) }, y: { dtype: 'float32', shape: [32, 4], data: oneHot } };
        }
      },
    };
    const history = await trainer.fit(source, { epochs: 3 });
    expect(history.history.loss).toHaveLength(3);
    expect(history.history.mae![2]!).toBeLessThan(history.history.mae![0]!);
    const once = (async function* () {
      yield* source;
    })();
    const error = await trainer.fit(once, { epochs: 2 }).catch((e: unknown) => e);
    expect(ServableError.isInstance(error) && error.code).toBe('INVALID_INPUT');
    trainer.dispose();
  });

  it('trains binary cross-entropy and mean squared error', async () => {
    const r = new SeededRandom(4);
    const x = Array.from({ length: 200 }, () => [r.next() * 2 - 1, r.next() * 2 - 1]);
    const binary = await createTrainer({ inputShape: [2], layers: [{ type: 'dense', units: 8, activation: 'tanh' }, { type: 'dense', units: 1, activation: 'sigmoid' }], optimizer: { type: 'adam', learningRate: 0.05 }, loss: 'binaryCrossentropy' }, { seed: 1 });
    await binary.fit({ x, y: x.map(([a]) => [a! > 0 ? 1 : 0]) }, { epochs: 20, batchSize: 20 });
    expect((await binary.evaluate({ x, y: x.map(([a]) => [a! > 0 ? 1 : 0]) })).accuracy).toBeGreaterThan(0.9);
    const regression = await createTrainer({ inputShape: [2], layers: [{ type: 'dense', units: 1 }], optimizer: { type: 'sgd', learningRate: 0.1, momentum: 0.9 }, loss: 'meanSquaredError' }, { seed: 1 });
    await regression.fit({ x, y: x.map(([a, b]) => [3 * a! - 2 * b! + 0.5]) }, { epochs: 30, batchSize: 20 });
    expect((await regression.evaluate({ x, y: x.map(([a, b]) => [3 * a! - 2 * b! + 0.5]) })).mae).toBeLessThan(0.05);
    const rms = await createTrainer({ inputShape: [2], layers: [{ type: 'dense', units: 1 }], optimizer: 'rmsprop', loss: 'meanSquaredError' }, { seed: 1 });
    const h = await rms.fit({ x, y: x.map(([a]) => [a!]) }, { epochs: 5 });
    expect(h.history.loss![4]!).toBeLessThan(h.history.loss![0]!);
    for (const t of [binary, regression, rms]) t.dispose();
  });

  it('takes flat typed arrays for inputs and one-hot targets', async () => {
    const trainer = await createTrainer({ ...mlpSpec, loss: 'categoricalCrossentropy', optimizer: { type: 'adam', learningRate: 0.01 } }, { seed: 4 });
    const data = quadrants(128, 12);
    const oneHot = new Float32Array(128 * 4);
    data.y.forEach((k, i) => (oneHot[i * 4 + k] = 1));
    const history = await trainer.fit({ x: data.x, y: oneHot }, { epochs: 3, batchSize: 16 });
    expect(history.history.accuracy![2]!).toBeGreaterThan(history.history.accuracy![0]!);
    expect((await trainer.evaluate({ x: data.x, y: oneHot })).accuracy).toBeGreaterThan(0.9);
    trainer.dispose();
  });

  it('refuses bad specs naming the layer index and field', async () => {
    const bad = async (spec: unknown) => {
      const e = await createTrainer(spec as ModelSpec).catch((err: unknown) => err);
      expect(ServableError.isInstance(e) && e.code).toBe('INVALID_ARGUMENT');
      return (e as Error).message;
    };
    expect(await bad({ ...mlpSpec, layers: [{ type: 'flatten' }, { type: 'dense', units: 0 }] })).toMatch(/layers\[1\]\.units.*positive integer.*0/);
    expect(await bad({ ...mlpSpec, layers: [{ type: 'dense', units: 3 }] })).toMatch(/layers\[0\] \(dense\) input.*flatten/);
    expect(await bad({ ...mlpSpec, layers: [{ type: 'conv2d', filters: 2, kernelSize: 3 }] })).toMatch(/layers\[0\] \(conv2d\).*\[28, 28, 1\]/);
    expect(await bad({ ...mlpSpec, layers: [{ type: 'flatten' }, { type: 'dense', units: 3, activation: 'gelu' }] })).toMatch(/layers\[1\]\.activation/);
    expect(await bad({ ...mlpSpec, layers: [{ type: 'dropout', rate: 1.5 }] })).toMatch(/layers\[0\]\.rate/);
    expect(await bad({ ...mlpSpec, layers: [{ type: 'lstm' }] })).toMatch(/layers\[0\]\.type/);
    expect(await bad({ ...mlpSpec, loss: 'hinge' })).toMatch(/loss/);
    expect(await bad({ ...mlpSpec, optimizer: { type: 'adam', learningRate: -1 } })).toMatch(/optimizer\.learningRate/);
    expect(await bad({ ...mlpSpec, inputShape: [] })).toMatch(/inputShape/);
  });

  it('refuses bad data with the fix in the message', async () => {
    const trainer = await createTrainer(mlpSpec, { seed: 1 });
    const data = quadrants(8, 1);
    const code = async (p: Promise<unknown>) => {
      const e = await p.catch((err: unknown) => err);
      return ServableError.isInstance(e) ? `${e.code}: ${e.message}` : String(e);
    };
    expect(await code(trainer.fit({ x: data.x, y: data.y.map((v) => v + 4) }))).toMatch(/^INVALID_INPUT: fit data\.y\[0\].*\[0, 4\).*4/);
    expect(await code(trainer.fit({ x: data.x, y: [1, 2] }))).toMatch(/^SHAPE_MISMATCH: fit data\.y: expected 8 targets/);
    expect(await code(trainer.fit({ x: { dtype: 'float32', shape: [4, 4, 32], data: data.x.subarray(0, 512) }, y: [0, 1, 2, 3] }))).toMatch(/^SHAPE_MISMATCH: fit data\.x: expected examples of shape \[8, 8\], got \[4, 32\]/);
    expect(await code(trainer.fit({ x: data.x, y: data.y }, { epochs: 0 }))).toMatch(/^INVALID_ARGUMENT: fit epochs/);
    trainer.dispose();
  });

  it('saves a model folder that loadModel serves with the same predictions', async () => {
    const trainer = await createTrainer(mlpSpec, { seed: 3 });
    const data = quadrants(128, 11);
    await trainer.fit(data, { epochs: 2, batchSize: 32 });
    const dir = join(tempDir(), 'quadrants', '1');
    const manifest = await trainer.save(dir, { manifest: { name: 'quadrants', labels: ['tl', 'tr', 'bl', 'br'], preprocessing: { image: { scale: 1 } } } });
    expect(manifest).toMatchObject({ schemaVersion: 1, name: 'quadrants', version: '1', format: 'tfjs-layers', file: 'model.json', files: ['weights.bin'] });
    expect(manifest.sha256).toBe(await sha256Hex(readFileSync(join(dir, 'model.json'))));
    expect(parseManifest(readFileSync(join(dir, 'servable.json'), 'utf8'))).toEqual(manifest);
    expect((manifest.metadata?.training as { metrics: Record<string, number> }).metrics.accuracy).toBeGreaterThan(0);
    expect(manifest.signature).toEqual({ inputs: [{ name: 'input', dtype: 'float32', shape: ['batch', 8, 8] }], outputs: [{ name: 'output', dtype: 'float32', shape: ['batch', 4] }] });
    await using model = await loadModel(dir, { runtimes: [tfjs()] });
    expect(model.report.integrityChecked).toBe(true);
    const out = await model.run({ input: { dtype: 'float32', shape: [4, 8, 8], data: data.x.subarray(0, 256) } });
    const expected = tf.tidy(() => (trainer.model.predict(tf.tensor(data.x.subarray(0, 256), [4, 8, 8])) as tf.Tensor).dataSync());
    expect(Array.from(out.output!.data as Float32Array).map((v, i) => Math.abs(v - expected[i]!))).toSatisfy((d: number[]) => d.every((v) => v < 1e-6));
    trainer.dispose();
  });

  it('trains a tfjs model the user built, through tfjs gradients when it is not Sequential', async () => {
    const input = tf.input({ shape: [2] });
    const output = tf.layers.dense({ units: 1, kernelInitializer: 'zeros' }).apply(input) as tf.SymbolicTensor;
    const trainer = await createTrainer(tf.model({ inputs: input, outputs: output }), { loss: 'meanSquaredError', optimizer: { type: 'sgd', learningRate: 0.2 } });
    expect(trainer.fastPath).toBe(false);
    const x = [[1, 0], [0, 1], [1, 1], [0, 0]];
    const h = await trainer.fit({ x, y: x.map(([a, b]) => [a! + 2 * b!]) }, { epochs: 40, batchSize: 4 });
    expect(h.history.loss![39]!).toBeLessThan(0.05);
    trainer.dispose();
  });
});
