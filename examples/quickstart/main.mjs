// Quickstart: load an ONNX model with a CUDA → CPU fallback chain, predict one digit, and show
// which runtime serves the model and why the others do not.
//   pnpm run build && node examples/quickstart/main.mjs
import { fileURLToPath } from 'node:url';
import { createPredictor, formatReport, loadModel } from '@servable/core';
import { onnxNode } from '@servable/runtime-node';

const modelPath = fileURLToPath(new URL('../../fixtures/models/mlp.onnx', import.meta.url));

// A handwritten-looking "7": white strokes on black, 28 × 28 values in [0, 1], like MNIST.
const digit = Array.from({ length: 28 }, () => new Array(28).fill(0));
const stroke = (x, y, v) => { for (const [dx, dy] of [[0, 0], [1, 0], [0, 1]]) digit[y + dy][x + dx] = Math.max(digit[y + dy][x + dx], v); };
for (let x = 6; x <= 20; x++) stroke(x, 5 + Math.round((x - 6) / 10), 0.95);
for (let y = 7; y <= 22; y++) stroke(Math.round(20 - (y - 7) * 0.5), y, 0.9);

const model = await loadModel(modelPath, { runtimes: [onnxNode({ device: 'cuda' }), onnxNode()] });
const predictor = createPredictor(model);
// The fixture MLP has random weights, so its classes are arbitrary; a trained model reads the 7.
const { top } = await predictor.predict(digit, { output: 'classification', topK: 3 });

console.log('top-3 classes:');
for (const { label, score } of top) console.log(`  ${label}  ${(score * 100).toFixed(1)} %`);
console.log(`\n${formatReport(model.report)}`);
await predictor.dispose();
