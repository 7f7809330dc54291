// Training throughput of a small MNIST CNN (Conv 3×3×8 relu → MaxPool 2 → Conv 3×3×16 relu →
// MaxPool 2 → Flatten → Dense 10 softmax, Adam, batch 32) on Node's default backend:
// the Servable Trainer on wasm (its fast kernels), tfjs `model.fit` on wasm (possible only
// because @servable/runtime-tfjs registers the Conv2DBackpropFilter kernel that tfjs-wasm lacks),
// and tfjs `model.fit` on the cpu backend (the only stock Node backend that trains convolutions
// without tfjs-node). Needs the built packages (see run.mjs).
//   node bench/train-mlp/cnn.mjs            # --seconds 10 per case, --batch 32
import * as tf from '@tensorflow/tfjs';
import { createTrainer } from '@servable/runtime-tfjs';
import { parseArgs } from '../lib/args.mjs';
import { fixed, printTable } from '../lib/table.mjs';

const args = parseArgs({ seconds: 10, batch: 32 });
const N = 512;
let seed = 7;
const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 4294967296);
const x = Float32Array.from({ length: N * 784 }, rand);
const y = Int32Array.from({ length: N }, () => Math.floor(rand() * 10));

const spec = {
  inputShape: [28, 28, 1],
  layers: [
    { type: 'conv2d', filters: 8, kernelSize: 3, activation: 'relu' },
    { type: 'maxPool2d', poolSize: 2 },
    { type: 'conv2d', filters: 16, kernelSize: 3, activation: 'relu' },
    { type: 'maxPool2d', poolSize: 2 },
    { type: 'flatten' },
    { type: 'dense', units: 10, activation: 'softmax' },
  ],
  optimizer: 'adam',
  loss: 'sparseCategoricalCrossentropy',
  metrics: ['accuracy'],
};

async function timed(seconds, once) {
  let seen = 0;
  const start = performance.now();
  while (performance.now() - start < seconds * 1000) seen += await once();
  return seen / ((performance.now() - start) / 1000);
}

const rows = [];
const trainer = await createTrainer(spec, { backend: 'wasm', seed: 1 });
const data = { x: { dtype: 'float32', shape: [N, 28, 28, 1], data: x }, y };
await trainer.fit({ x: { ...data.x, shape: [64, 28, 28, 1], data: x.subarray(0, 64 * 784) }, y: y.subarray(0, 64) }, { epochs: 1, batchSize: args.batch });
rows.push(['Servable Trainer', 'wasm', fixed(await timed(args.seconds, async () => (await trainer.fit(data, { epochs: 1, batchSize: args.batch }), N)), 0)]);

function tfjsModel() {
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 8, kernelSize: 3, activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 16, kernelSize: 3, activation: 'relu' }),
      tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });
  model.compile({ optimizer: tf.train.adam(0.001), loss: 'categoricalCrossentropy' });
  return model;
}

for (const [backend, count] of [['wasm', N], ['cpu', 64]]) {
  await tf.setBackend(backend);
  const model = tfjsModel();
  const xs = tf.tensor(x.subarray(0, count * 784), [count, 28, 28, 1]);
  const ys = tf.oneHot(tf.tensor1d(y.subarray(0, count), 'int32'), 10);
  rows.push(['tfjs model.fit', backend, fixed(await timed(args.seconds, async () => (await model.fit(xs, ys, { epochs: 1, batchSize: args.batch, verbose: 0 }), count)), 0)]);
}

console.log(`\nsmall CNN on 28×28×1, batch ${args.batch}, ~${args.seconds} s per case\n`);
printTable(['trainer', 'backend', 'examples/s'], rows);
