import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { float16ToFloat32, float32ToFloat16, loadModel } from '@servable/core';
import { describe, expect, it } from 'vitest';
import { onnxNode } from './index.js';

const dir = new URL('../../../fixtures/quantized/', import.meta.url);
const bytes = (name: string) => new Uint8Array(readFileSync(fileURLToPath(new URL(`${name}.onnx`, dir))));

describe('float16 on onnx-node', () => {
  it('takes float16 as Uint16Array bits, with helpers to convert', async () => {
    const model = await loadModel(bytes('fp16_linear'), { runtimes: [onnxNode()] });
    try {
      expect(model.report.memoryBytes).toBe(bytes('fp16_linear').length);
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
