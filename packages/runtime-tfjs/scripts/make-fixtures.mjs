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

/**
 * A GraphModel with the dynamic ops of detectors (NonMaxSuppressionV3 and Where, whose output
 * sizes depend on the data), written as a converted model.json: a dense layer gives `logits`
 * [N, 5] and their mean `summary` [1, 5]; a second one gives a score per row of `boxes` [N, 4];
 * `selected` holds the rows non-max suppression keeps (at most 3) and `positive` the rows whose
 * score passes 0.5. The signature keys are tensor names ("boxes:0"), as the converter writes
 * them for frozen graphs, and declares every output's shape.
 */
function detectorGraph() {
  const rand = mulberry32(21);
  const weight = (name, shape, values) => ({ name, shape, dtype: values instanceof Int32Array ? 'int32' : 'float32', values });
  const weights = [
    weight('dense/kernel', [4, 5], Float32Array.from({ length: 20 }, () => rand() * 2 - 1)),
    weight('dense/bias', [5], Float32Array.from({ length: 5 }, () => rand() * 0.2 - 0.1)),
    weight('score/kernel', [4, 1], Float32Array.from([1.5, -1, 0.5, 1])),
    weight('flat', [1], Int32Array.from([-1])),
    weight('mean_axis', [1], Int32Array.from([0])),
    weight('nms/max_output_size', [], Int32Array.from([3])),
    weight('nms/iou_threshold', [], Float32Array.from([0.5])),
    weight('nms/score_threshold', [], Float32Array.from([0])),
    weight('threshold', [], Float32Array.from([0.5])),
  ];
  const tfType = (w) => (w.dtype === 'int32' ? 'DT_INT32' : 'DT_FLOAT');
  const dims = (shape) => ({ dim: shape.map((d) => ({ size: String(d) })) });
  const constNode = (w) => ({ name: w.name, op: 'Const', attr: { value: { tensor: { dtype: tfType(w), tensorShape: dims(w.shape) } }, dtype: { type: tfType(w) } } });
  const F = { T: { type: 'DT_FLOAT' } };
  const nodes = [
    { name: 'boxes', op: 'Placeholder', attr: { dtype: { type: 'DT_FLOAT' }, shape: { shape: dims([-1, 4]) } } },
    ...weights.map(constNode),
    { name: 'dense/MatMul', op: 'MatMul', input: ['boxes', 'dense/kernel'], attr: { ...F, transpose_a: { b: false }, transpose_b: { b: false } } },
    { name: 'dense/BiasAdd', op: 'BiasAdd', input: ['dense/MatMul', 'dense/bias'], attr: { ...F, data_format: { s: 'TkhXQw==' } } },
    { name: 'logits', op: 'Identity', input: ['dense/BiasAdd'], attr: F },
    { name: 'Mean', op: 'Mean', input: ['logits', 'mean_axis'], attr: { ...F, keep_dims: { b: true }, Tidx: { type: 'DT_INT32' } } },
    { name: 'summary', op: 'Identity', input: ['Mean'], attr: F },
    { name: 'score/MatMul', op: 'MatMul', input: ['boxes', 'score/kernel'], attr: { ...F, transpose_a: { b: false }, transpose_b: { b: false } } },
    { name: 'score/Reshape', op: 'Reshape', input: ['score/MatMul', 'flat'], attr: { ...F, Tshape: { type: 'DT_INT32' } } },
    { name: 'scores', op: 'Sigmoid', input: ['score/Reshape'], attr: F },
    { name: 'nms', op: 'NonMaxSuppressionV3', input: ['boxes', 'scores', 'nms/max_output_size', 'nms/iou_threshold', 'nms/score_threshold'], attr: F },
    { name: 'selected', op: 'Identity', input: ['nms'], attr: { T: { type: 'DT_INT32' } } },
    { name: 'Greater', op: 'Greater', input: ['scores', 'threshold'], attr: F },
    { name: 'Where', op: 'Where', input: ['Greater'], attr: { T: { type: 'DT_BOOL' } } },
    { name: 'positive', op: 'Identity', input: ['Where'], attr: { T: { type: 'DT_INT64' } } },
  ];
  const tensorInfo = (name, type, shape) => ({ name: `${name}:0`, dtype: type, tensorShape: dims(shape) });
  const json = {
    format: 'graph-model',
    generatedBy: 'servable make-fixtures',
    convertedBy: 'TensorFlow.js Converter v4.22.0 (hand-written for the tests)',
    modelTopology: { node: nodes, library: {}, versions: { producer: 1 } },
    weightsManifest: [{ paths: ['weights.bin'], weights: weights.map(({ name, shape, dtype }) => ({ name, shape, dtype })) }],
    signature: {
      inputs: { 'boxes:0': tensorInfo('boxes', 'DT_FLOAT', [-1, 4]) },
      outputs: {
        'logits:0': tensorInfo('logits', 'DT_FLOAT', [-1, 5]),
        'summary:0': tensorInfo('summary', 'DT_FLOAT', [1, 5]),
        'selected:0': tensorInfo('selected', 'DT_INT32', [-1]),
        'positive:0': tensorInfo('positive', 'DT_INT64', [-1, 1]),
      },
    },
  };
  const folder = join(root, 'graph_dynamic');
  mkdirSync(folder, { recursive: true });
  const bytes = weights.map((w) => new Uint8Array(w.values.buffer));
  const data = new Uint8Array(bytes.reduce((n, b) => n + b.length, 0));
  let offset = 0;
  for (const b of bytes) {
    data.set(b, offset);
    offset += b.length;
  }
  writeFileSync(join(folder, 'weights.bin'), data);
  writeFileSync(join(folder, 'model.json'), JSON.stringify(json));
}

await tf.setBackend('cpu');
await mlp();
await multiIo();
await fixedBatch();
for (const dtype of Object.keys(TF_DTYPES)) identityGraph(dtype);
detectorGraph();
console.log(`fixtures written to ${root}`);
