import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { float16ToFloat32, float32ToFloat16, loadModel, type GoldenCase } from '@servable/core';
import { assertTensorClose, goldenToTensors } from '@servable/core/testing';
import { describe, expect, it } from 'vitest';
import { onnxWeb } from './index.js';

const dir = new URL('../../../fixtures/quantized/', import.meta.url);
const bytes = (name: string) => new Uint8Array(readFileSync(fileURLToPath(new URL(`${name}.onnx`, dir))));
const golden = (name: string) => JSON.parse(readFileSync(fileURLToPath(new URL(`${name}.json`, dir)), 'utf8')) as GoldenCase;

describe('fp16, int8 and int4 graphs on onnx-web', () => {
  for (const name of ['fp16_linear', 'int8_matmul_integer', 'int8_qlinear', 'int4_matmul_nbits']) {
    it(`runs ${name} and matches its numpy golden`, async () => {
      const model = await loadModel(bytes(name), { runtimes: [onnxWeb({ device: 'wasm', threads: 1 })] });
      try {
        const g = golden(name);
        expect(model.report.memoryBytes ?? 0).toBeGreaterThan(0);
        const out = await model.run(goldenToTensors(g.inputs));
        for (const [output, expected] of Object.entries(goldenToTensors(g.outputs))) assertTensorClose(out[output], expected, g.tolerance, output);
      } finally {
        await model.dispose();
      }
    });
  }

  it('takes float16 as Uint16Array bits, with helpers to convert', async () => {
    const model = await loadModel(bytes('fp16_linear'), { runtimes: [onnxWeb({ device: 'wasm', threads: 1 })] });
    try {
      expect(model.signature.inputs[0]).toMatchObject({ name: 'x', dtype: 'float16', shape: ['batch', 4] });
      const out = await model.run({ x: { dtype: 'float16', shape: [1, 4], data: float32ToFloat16([1, 0, 0, 0]) } });
      expect(out.y!.data).toBeInstanceOf(Uint16Array);
      // The model is affine: y(2e) − y(e) = y(e) − y(0), read back through float16ToFloat32.
      const at = async (v: number) =>
        Array.from(float16ToFloat32((await model.run({ x: { dtype: 'float16', shape: [1, 4], data: float32ToFloat16([v, v, v, v]) } })).y!.data as Uint16Array));
      const [y0, y1, y2] = [await at(0), await at(1), await at(2)];
      for (let j = 0; j < 3; j++) expect(y2[j]! - y1[j]!).toBeCloseTo(y1[j]! - y0[j]!, 2);
      expect(Array.from(float16ToFloat32(out.y!.data as Uint16Array)).every(Number.isFinite)).toBe(true);
    } finally {
      await model.dispose();
    }
  });
});
