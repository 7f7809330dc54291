// The seed's MNIST recipe with the Servable Trainer: Flatten → Dense 128 relu → Dense 10 softmax,
// Adam, sparse categorical cross-entropy, 5 epochs; then a model folder (tfjs + ONNX) with a
// manifest that says how to preprocess images. Exported so other programs (the server demo) reuse it.
import { createTrainer } from '@servable/runtime-tfjs';
import { fileURLToPath } from 'node:url';

/** The seed's model, as a Servable model spec. */
export const MNIST_SPEC = {
  inputShape: [28, 28],
  inputName: 'pixels',
  outputName: 'probabilities',
  layers: [
    { type: 'flatten' },
    { type: 'dense', units: 128, activation: 'relu' },
    { type: 'dense', units: 10, activation: 'softmax' },
  ],
  optimizer: 'adam',
  loss: 'sparseCategoricalCrossentropy',
  metrics: ['accuracy'],
};

/** Where the example writes its model by default: a repository layout `<repo>/<model>/<version>/`. */
export const DEFAULT_MODEL_DIR = fileURLToPath(new URL('../models/mnist/1', import.meta.url));

/**
 * Trains the seed's MNIST classifier and writes the model folder.
 *
 * @param {object} options
 * @param {{ train: {x: Float32Array, y: Int32Array, count: number}, test: {x: Float32Array, y: Int32Array, count: number}, labels: string[] }} options.data - pixels in [0, 1]
 * @param {number} [options.epochs] - default 5
 * @param {number} [options.batchSize] - default 32
 * @param {number} [options.seed] - default 1
 * @param {string} [options.outDir] - the model folder (default `examples/mnist/models/mnist/1`)
 * @param {string} [options.name] - model name in the manifest (default `mnist`)
 * @param {(p: import('@servable/core').TrainingProgress) => void} [options.onProgress]
 * @param {AbortSignal} [options.signal]
 * @returns {Promise<{ history: import('@servable/core').TrainingHistory, testAccuracy: number, testLoss: number, manifest: import('@servable/core').ModelManifest, outDir: string, onnxDir: string }>}
 */
export async function trainMnist({ data, epochs = 5, batchSize = 32, seed = 1, outDir = DEFAULT_MODEL_DIR, name = 'mnist', onProgress, signal }) {
  const trainer = await createTrainer(MNIST_SPEC, { seed, backend: 'wasm' });
  try {
    const shape = (set) => ({ dtype: 'float32', shape: [set.count, 28, 28], data: set.x });
    const history = await trainer.fit({ x: shape(data.train), y: data.train.y }, { epochs, batchSize, seed, validationData: { x: shape(data.test), y: data.test.y }, onProgress, signal });
    const test = await trainer.evaluate({ x: shape(data.test), y: data.test.y });
    const manifest = await trainer.save(outDir, {
      onnx: true,
      manifest: {
        name,
        version: '1',
        labels: data.labels,
        description: `Flatten → Dense 128 relu → Dense 10 softmax, trained ${history.epochs} epochs with Adam on ${data.train.count} images.`,
        preprocessing: { input: 'pixels', image: { grayscale: true, resize: { width: 28, height: 28 }, scale: 1 / 255, layout: 'NHW' } },
        postprocessing: { activation: 'none', topK: 3 },
        metadata: { testAccuracy: test.accuracy, testLoss: test.loss, trainExamples: data.train.count, testExamples: data.test.count },
      },
    });
    return { history, testAccuracy: test.accuracy, testLoss: test.loss, manifest, outDir, onnxDir: `${outDir}/onnx` };
  } finally {
    trainer.dispose();
  }
}

export { loadMnistPackage, loadIdxFolder, parseIdx, DIGIT_LABELS, FASHION_LABELS } from './datasets.mjs';
export { curvesSvg } from './curves-svg.mjs';
export { progressBar } from './progress-bar.mjs';
