import { ServableError } from '@servable/core';
import { describe, expect, it } from 'vitest';
import { readOnnxSignature } from './onnx-signature.js';

describe('readOnnxSignature', () => {
  it('keeps symbolic names, fixed sizes and dtypes, and numbers unnamed dimensions across the signature', () => {
    const read = readOnnxSignature(
      {
        inputMetadata: [
          { name: 'x', isTensor: true, type: 'float32', shape: ['', 3, 'n'] },
          { name: 'ids', isTensor: true, type: 'int64', shape: ['', ''] },
        ],
        outputMetadata: [{ name: 'y', isTensor: true, type: 'float16', shape: ['batch', ''] }],
      },
      'm.onnx',
    );
    expect(read.signature).toEqual({
      inputs: [
        { name: 'x', dtype: 'float32', shape: ['d0', 3, 'n'] },
        { name: 'ids', dtype: 'int64', shape: ['d1', 'd2'] },
      ],
      outputs: [{ name: 'y', dtype: 'float16', shape: ['batch', 'd3'] }],
    });
    expect(read.tensorOutputs).toEqual(['y']);
    expect(read.warnings).toEqual([]);
  });

  it('leaves non-tensor outputs out with a warning', () => {
    const read = readOnnxSignature(
      {
        inputMetadata: [{ name: 'x', isTensor: true, type: 'float32', shape: [] }],
        outputMetadata: [
          { name: 'seq', isTensor: false },
          { name: 'z', isTensor: true, type: 'float32', shape: [] },
        ],
      },
      'm.onnx',
    );
    expect(read.signature.outputs.map((o) => o.name)).toEqual(['z']);
    expect(read.tensorOutputs).toEqual(['z']);
    expect(read.warnings[0]).toMatchObject({ type: 'unsupported', setting: 'output "seq"' });
  });

  it('refuses non-tensor inputs and element types Servable has no dtype for', () => {
    const cases = [
      { inputMetadata: [{ name: 's', isTensor: false as const }], outputMetadata: [] },
      { inputMetadata: [{ name: 'q', isTensor: true as const, type: 'int4' as never, shape: [2] }], outputMetadata: [] },
    ];
    for (const metadata of cases) {
      let error: unknown;
      try {
        readOnnxSignature(metadata, 'm.onnx');
      } catch (e) {
        error = e;
      }
      expect(ServableError.isInstance(error) && error.code).toBe('MODEL_LOAD_FAILED');
      expect((error as Error).message).toMatch(/input "(s|q)"/);
    }
  });
});
