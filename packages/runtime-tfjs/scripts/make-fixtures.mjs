// Writes the tfjs fixtures of @servable/runtime-tfjs: small models in fixtures/<name>/
// (model.json + weights.bin) and their golden runs in fixtures/golden/<name>.json, computed by
// tfjs on the cpu backend with fixed seeds. Run: node packages/runtime-tfjs/scripts/make-fixtures.mjs
import * as tf from '@tensorflow/tfjs';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');

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

async function save(model, name) {
  const folder = join(root, name);
  mkdirSync(folder, { recursive: true });
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const json = {
        modelTopology: artifacts.modelTopology,
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: null,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }],
      };
      writeFileSync(join(folder, 'weights.bin'), new Uint8Array(artifacts.weightData));
      writeFileSync(join(folder, 'model.json'), JSON.stringify(json));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
}

async function goldenTensor(t) {
  const data = Array.from(await t.data(), (v) => (t.dtype === 'bool' ? v === 1 : v));
  return { dtype: t.dtype, shape: t.shape, data };
}

async function writeGolden(name, model, inputs, tolerance) {
  const names = model.inputNames;
  const out = model.predict(names.map((n) => inputs[n]));
  const list = Array.isArray(out) ? out : [out];
  const golden = { model: `${name}/model.json`, tolerance, inputs: {}, outputs: {} };
  for (const n of names) golden.inputs[n] = await goldenTensor(inputs[n]);
  for (let i = 0; i < list.length; i++) golden.outputs[model.outputNames[i]] = await goldenTensor(list[i]);
  mkdirSync(join(root, 'golden'), { recursive: true });
  writeFileSync(join(root, 'golden', `${name}.json`), JSON.stringify(golden));
}

function seeded(seed) {
  return { kernelInitializer: tf.initializers.glorotUniform({ seed }), biasInitializer: tf.initializers.randomUniform({ minval: -0.1, maxval: 0.1, seed: seed + 1 }) };
}

async function mlp() {
  const pixels = tf.input({ name: 'pixels', shape: [28, 28] });
  const flat = tf.layers.flatten({ name: 'flatten' }).apply(pixels);
  const hidden = tf.layers.dense({ name: 'hidden', units: 128, activation: 'relu', ...seeded(1) }).apply(flat);
  const probabilities = tf.layers.dense({ name: 'probabilities', units: 10, activation: 'softmax', ...seeded(3) }).apply(hidden);
  const model = tf.model({ inputs: pixels, outputs: probabilities, name: 'mlp' });
  await save(model, 'mlp');
  const rand = mulberry32(7);
  await writeGolden('mlp', model, { pixels: tf.tensor(Array.from({ length: 2 * 28 * 28 }, rand), [2, 28, 28]) }, 1e-5);
}

async function multiIo() {
  const a = tf.input({ name: 'a', shape: [4] });
  const ids = tf.input({ name: 'ids', shape: [3], dtype: 'int32' });
  const total = tf.layers.dense({ name: 'total', units: 1, ...seeded(5) }).apply(a);
  const embedded = tf.layers.embedding({ name: 'embedding', inputDim: 100, outputDim: 2, embeddingsInitializer: tf.initializers.randomUniform({ minval: -1, maxval: 1, seed: 9 }) }).apply(ids);
  const flatIds = tf.layers.flatten({ name: 'embedded' }).apply(embedded);
  const model = tf.model({ inputs: [a, ids], outputs: [total, flatIds], name: 'multi_io' });
  await save(model, 'multi_io');
  const rand = mulberry32(11);
  await writeGolden(
    'multi_io',
    model,
    {
      a: tf.tensor(Array.from({ length: 8 }, rand), [2, 4]),
      ids: tf.tensor(Array.from({ length: 6 }, () => Math.floor(rand() * 100)), [2, 3], 'int32'),
    },
    1e-5,
  );
}

async function fixedBatch() {
  const x = tf.input({ name: 'x', batchShape: [1, 3] });
  const y = tf.layers.dense({ name: 'y', units: 3, kernelInitializer: tf.initializers.identity({ gain: 2 }), biasInitializer: tf.initializers.ones() }).apply(x);
  const model = tf.model({ inputs: x, outputs: y, name: 'fixed_batch' });
  await save(model, 'fixed_batch');
  await writeGolden('fixed_batch', model, { x: tf.tensor([[0.5, -1, 2]]) }, 1e-6);
}

const TF_DTYPES = { float32: 'DT_FLOAT', int32: 'DT_INT32', bool: 'DT_BOOL', string: 'DT_STRING' };

function identityGraph(dtype) {
  const type = TF_DTYPES[dtype];
  const shape = { dim: [{ size: '-1' }, { size: '-1' }] };
  const json = {
    format: 'graph-model',
    generatedBy: 'servable make-fixtures',
    convertedBy: null,
    modelTopology: {
      node: [
        { name: 'x', op: 'Placeholder', attr: { dtype: { type }, shape: { shape } } },
        { name: 'y', op: 'Identity', input: ['x'], attr: { T: { type } } },
      ],
      library: {},
      versions: { producer: 1 },
    },
    weightsManifest: [{ paths: [], weights: [] }],
    signature: {
      inputs: { x: { name: 'x:0', dtype: type, tensorShape: shape } },
      outputs: { y: { name: 'y:0', dtype: type, tensorShape: shape } },
    },
  };
  const folder = join(root, `identity_${dtype}`);
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, 'model.json'), JSON.stringify(json));
}

await tf.setBackend('cpu');
await mlp();
await multiIo();
await fixedBatch();
for (const dtype of Object.keys(TF_DTYPES)) identityGraph(dtype);
console.log(`fixtures written to ${root}`);
