import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { estimateFlops } from './flops.js';
import { readOnnxModel, type OnnxGraph } from './onnx-reader.js';

const graphOf = (name: string) => readOnnxModel(new Uint8Array(readFileSync(fileURLToPath(new URL(`../../../../fixtures/models/${name}`, import.meta.url))))).graph;

describe('estimateFlops', () => {
  it('counts the MLP: two Gemms (2·M·K·N + bias), Relu and Softmax per element', () => {
    const f = estimateFlops(graphOf('mlp.onnx'));
    const gemm = 2 * 784 * 128 + 128 + 2 * 128 * 10 + 10;
    expect(f.byOperator.find((o) => o.opType === 'Gemm')).toEqual({ opType: 'Gemm', nodes: 2, flops: gemm });
    expect(f.byOperator.find((o) => o.opType === 'Relu')!.flops).toBe(128);
    expect(f.byOperator.find((o) => o.opType === 'Softmax')!.flops).toBe(5 * 10);
    expect(f.total).toBe(gemm + 128 + 50);
    expect(f.assumedDims).toEqual({ batch: 1 });
    expect(f.unestimated).toEqual({});
  });

  it('propagates shapes through convolutions, pooling and flatten in the CNN', () => {
    const f = estimateFlops(graphOf('cnn.onnx'));
    const conv1 = 2 * (8 * 28 * 28) * 1 * 9 + 8 * 28 * 28;
    const conv2 = 2 * (16 * 14 * 14) * 8 * 9 + 16 * 14 * 14;
    expect(f.byOperator.find((o) => o.opType === 'Conv')!.flops).toBe(conv1 + conv2);
    expect(f.byOperator.find((o) => o.opType === 'MaxPool')!.flops).toBe(8 * 14 * 14 * 4 + 16 * 7 * 7 * 4);
    expect(f.byOperator.find((o) => o.opType === 'Gemm')!.flops).toBe(2 * 784 * 10 + 10);
  });

  it('lists operators it cannot estimate instead of guessing', () => {
    const graph: OnnxGraph = {
      name: 'g',
      inputs: [{ name: 'x', dtype: 'float32', shape: ['batch', 4] }],
      outputs: [],
      valueInfo: [],
      initializers: [],
      nodes: [
        { name: 'a', opType: 'MysteryOp', domain: '', inputs: ['x'], outputs: ['y'], attributes: {} },
        { name: 'b', opType: 'Relu', domain: '', inputs: ['y'], outputs: ['z'], attributes: {} },
      ],
    };
    const f = estimateFlops(graph);
    expect(f.unestimated).toEqual({ MysteryOp: 1, Relu: 1 });
    expect(f.total).toBe(0);
  });

  it('counts MatMul with external weights', () => {
    expect(estimateFlops(graphOf('external/model.onnx')).total).toBe(2 * 4 * 4);
  });
});
