import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { DType } from '@servable/core';
import { runConformanceSuite, type ConformanceFixture, type GoldenCase } from '@servable/core/testing';
import { describe, it } from 'vitest';
import { onnxWeb } from './index.js';

const fixtures = new URL('../../../fixtures/', import.meta.url);
const model = (name: string) => new Uint8Array(readFileSync(fileURLToPath(new URL(`models/${name}.onnx`, fixtures))));
const golden = (name: string) => JSON.parse(readFileSync(fileURLToPath(new URL(`golden/${name}.json`, fixtures)), 'utf8')) as GoldenCase;
const fixture = (name: string, goldenName?: string): ConformanceFixture => ({ source: model(name), golden: goldenName ? golden(goldenName) : undefined });

// Half-precision and quantized graphs (fp16, int8 MatMulInteger / QLinearMatMul, int4 MatMulNBits).
const quantized = (name: string): ConformanceFixture => ({
  source: new Uint8Array(readFileSync(fileURLToPath(new URL(`quantized/${name}.onnx`, fixtures)))),
  golden: JSON.parse(readFileSync(fileURLToPath(new URL(`quantized/${name}.json`, fixtures)), 'utf8')) as GoldenCase,
});
const goldens = Object.fromEntries(['fp16_linear', 'int8_matmul_integer', 'int8_qlinear', 'int4_matmul_nbits'].map((n) => [n, quantized(n)]));

const identity: Partial<Record<DType, ConformanceFixture>> = {};
for (const dtype of ['float32', 'float64', 'float16', 'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64', 'bool', 'string'] as const) {
  identity[dtype] = fixture(`identity_${dtype}`);
}

runConformanceSuite({
  name: 'onnx-web (Node, wasm)',
  runtimes: () => [onnxWeb({ device: 'wasm', threads: 1 })],
  fixtures: {
    mlp: fixture('mlp', 'mlp'),
    multiIo: fixture('multi_io', 'multi_io'),
    fixedBatch: fixture('fixed_batch', 'fixed_batch'),
    identity,
    goldens,
  },
  test: { describe, it },
});
