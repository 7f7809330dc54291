// One trainer of bench/train-mlp in its own process (so one trainer's JIT and engine state
// cannot slow another's): `node worker.mjs servable|tfjs`. Reads "<batch_size> <seconds>" lines
// on stdin, trains for that long on the same synthetic data as the PyTorch worker's shape,
// and prints {"batch", "examples_per_second", "examples_per_cpu_second"} as one JSON line.
import { createInterface } from 'node:readline';
import * as tf from '@tensorflow/tfjs';
import { createTrainer } from '@servable/runtime-tfjs';

const kind = process.argv[2];
const N = 2048;

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
const rand = mulberry32(1);
const x = Float32Array.from({ length: N * 784 }, rand);
const y = Int32Array.from({ length: N }, () => Math.floor(rand() * 10));

const spec = {
  inputShape: [28, 28],
  layers: [{ type: 'flatten' }, { type: 'dense', units: 128, activation: 'relu' }, { type: 'dense', units: 10, activation: 'softmax' }],
  optimizer: 'adam',
  loss: 'sparseCategoricalCrossentropy',
  metrics: ['accuracy'],
};

/** Returns a function that trains one pass over the data at a batch size and resolves with the examples seen. */
async function makeTrainer(batch) {
  if (kind === 'servable') {
    const trainer = await createTrainer(spec, { backend: 'wasm', seed: 1 });
    return async () => (await trainer.fit({ x, y }, { epochs: 1, batchSize: batch }), N);
  }
  if (kind === 'tfjs') {
    // The Servable runtime starts the wasm backend with the right .wasm location; then plain tfjs.
    await createTrainer(spec, { backend: 'wasm', seed: 1 }).then((t) => t.dispose());
    const model = tf.sequential({
      layers: [tf.layers.flatten({ inputShape: [28, 28] }), tf.layers.dense({ units: 128, activation: 'relu' }), tf.layers.dense({ units: 10, activation: 'softmax' })],
    });
    // tfjs's sparse categorical cross-entropy rejects int32 labels: the direct equivalent is one-hot targets.
    model.compile({ optimizer: tf.train.adam(0.001), loss: 'categoricalCrossentropy', metrics: ['accuracy'] });
    const xs = tf.tensor(x, [N, 28, 28]);
    const ys = tf.oneHot(tf.tensor1d(y, 'int32'), 10);
    return async () => (await model.fit(xs, ys, { epochs: 1, batchSize: batch, shuffle: true, verbose: 0 }), N);
  }
  throw new Error(`worker kind: expected servable or tfjs, got ${kind}`);
}

const trainers = new Map();
console.log(JSON.stringify({ ready: true, backend: kind }));
for await (const line of createInterface({ input: process.stdin })) {
  const [batch, seconds] = line.trim().split(/\s+/).map(Number);
  if (!batch || !seconds) continue;
  if (!trainers.has(batch)) trainers.set(batch, await makeTrainer(batch));
  const once = trainers.get(batch);
  let seen = 0;
  const cpu = process.cpuUsage();
  const start = performance.now();
  while (performance.now() - start < seconds * 1000) seen += await once();
  const wall = (performance.now() - start) / 1000;
  const used = process.cpuUsage(cpu);
  console.log(JSON.stringify({ batch, examples_per_second: seen / wall, examples_per_cpu_second: seen / ((used.user + used.system) / 1e6) }));
}
