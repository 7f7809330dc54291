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

runConformanceSuite({
  name: 'onnx-node (cpu)',
  runtimes: () => [onnxNode()],
  fixtures: {
    mlp: { source: model('mlp.onnx'), golden: golden('mlp') },
    multiIo: { source: model('multi_io.onnx'), golden: golden('multi_io') },
    fixedBatch: { source: model('fixed_batch.onnx'), golden: golden('fixed_batch') },
    identity,
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
