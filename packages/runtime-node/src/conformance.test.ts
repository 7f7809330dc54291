import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { DTYPES, type DType } from '@servable/core';
import { runConformanceSuite, type ConformanceFixture, type GoldenCase } from '@servable/core/testing';
import { describe, it } from 'vitest';
import { onnxNode } from './index.js';

const fixtures = fileURLToPath(new URL('../../../fixtures/', import.meta.url));
const model = (name: string) => `${fixtures}models/${name}`;
const golden = (name: string) => JSON.parse(readFileSync(`${fixtures}golden/${name}.json`, 'utf8')) as GoldenCase;

const identity = Object.fromEntries(DTYPES.map((dtype) => [dtype, { source: model(`identity_${dtype}.onnx`) }])) as Record<DType, ConformanceFixture>;

// Half-precision and quantized graphs (fp16, int8 MatMulInteger / QLinearMatMul, int4 MatMulNBits).
const goldens = Object.fromEntries(
  ['fp16_linear', 'int8_matmul_integer', 'int8_qlinear', 'int4_matmul_nbits'].map((n) => [
    n,
    { source: `${fixtures}quantized/${n}.onnx`, golden: JSON.parse(readFileSync(`${fixtures}quantized/${n}.json`, 'utf8')) as GoldenCase },
  ]),
);

runConformanceSuite({
  name: 'onnx-node (cpu)',
  runtimes: () => [onnxNode()],
  fixtures: {
    mlp: { source: model('mlp.onnx'), golden: golden('mlp') },
    multiIo: { source: model('multi_io.onnx'), golden: golden('multi_io') },
    fixedBatch: { source: model('fixed_batch.onnx'), golden: golden('fixed_batch') },
    identity,
    goldens,
  },
  test: { describe, it },
});

runConformanceSuite({
  name: 'onnx-node (cuda → cpu fallback chain)',
  runtimes: () => [onnxNode({ device: 'cuda' }), onnxNode()],
  fixtures: {
    mlp: { source: model('mlp.onnx'), golden: golden('mlp') },
    multiIo: { source: model('multi_io.onnx'), golden: golden('multi_io') },
  },
  test: { describe, it },
});
