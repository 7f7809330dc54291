import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { estimateFlops } from './flops.js';
import { readOnnxModel, type OnnxGraph } from './onnx-reader.js';

const inspectGraph = (name: string) => readOnnxModel(new Uint8Array(readFileSync(fileURLToPath(new URL(`../../../../fixtures/inspect/${name}`, import.meta.url))))).graph;
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
    expect(f.unestimated).toEqual([]);
    expect(f.lowerBound).toBe(f.total);
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
    expect(f.unestimated).toEqual([
      { opType: 'MysteryOp', nodes: 1, reason: 'no-formula' },
      { opType: 'Relu', nodes: 1, reason: 'unknown-shapes' },
    ]);
    expect(f.total).toBeNull();
    expect(f.lowerBound).toBe(0);
  });

  it('reads weights from Constant nodes and takes symbolic sizes from dimSizes', () => {
    const f = estimateFlops(inspectGraph('constant_weights.onnx'), { 'DynamicDimension.0': 1, 'DynamicDimension.1': 64, 'DynamicDimension.2': 64 });
    // c1 3→8 k3 s2 on 64×64 → 32×32; c2 8→16 → 16×16; c3 16→16 → 8×8; each 2·MACs + bias.
    const conv = (cin: number, cout: number, hw: number) => 2 * cout * hw * hw * cin * 9 + cout * hw * hw;
    expect(f.byOperator.find((o) => o.opType === 'Conv')).toEqual({ opType: 'Conv', nodes: 3, flops: conv(3, 8, 32) + conv(8, 16, 16) + conv(16, 16, 8) });
    expect(f.assumedDims).toEqual({ 'DynamicDimension.0': 1, 'DynamicDimension.1': 64, 'DynamicDimension.2': 64 });
    // The reflect pad's sizes are computed at run time: the head after it is not estimated.
    expect(f.total).toBeNull();
    expect(f.unestimated).toContainEqual({ opType: 'Conv', nodes: 1, reason: 'unknown-shapes' });
  });

  it('leaves If as control flow and carries its branch\'s output shape on', () => {
    const f = estimateFlops(inspectGraph('if_branches.onnx'), { batch: 1, samples: 64 });
    expect(f.unestimated).toEqual([{ opType: 'If', nodes: 1, reason: 'control-flow' }]);
    // Tanh, the output MatMul and Sigmoid after the If are estimated from the branch's [batch, 16].
    expect(f.byOperator.find((o) => o.opType === 'Tanh')).toEqual({ opType: 'Tanh', nodes: 1, flops: 16 });
    expect(f.byOperator.find((o) => o.opType === 'MatMul')).toEqual({ opType: 'MatMul', nodes: 2, flops: 2 * 1 * 1 * 16 + 2 * 16 * 1 });
    expect(f.total).toBeNull();
    expect(f.lowerBound).toBeGreaterThan(0);
  });

  it('counts MatMul with external weights', () => {
    expect(estimateFlops(graphOf('external/model.onnx')).total).toBe(2 * 4 * 4);
  });
});
