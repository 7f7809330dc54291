import { describe, expect, it } from 'vitest';
import { estimateTfjsLayersFlops } from './tfjs-flops.js';

describe('estimateTfjsLayersFlops', () => {
  it('counts the MNIST MLP like the ONNX estimate counts its export', () => {
    const f = estimateTfjsLayersFlops([
      { class_name: 'InputLayer', config: { batch_input_shape: [null, 28, 28] } },
      { class_name: 'Flatten', config: {} },
      { class_name: 'Dense', config: { units: 128, activation: 'relu', use_bias: true } },
      { class_name: 'Dense', config: { units: 10, activation: 'softmax', use_bias: true } },
    ]);
    expect(f.total).toBe(2 * 784 * 128 + 128 + 128 + 2 * 128 * 10 + 10 + 5 * 10);
    expect(f.assumedDims).toEqual({ batch: 1 });
  });

  it('follows NHWC shapes through Conv2D (same and valid padding) and pooling', () => {
    const f = estimateTfjsLayersFlops([
      { class_name: 'Conv2D', config: { batch_input_shape: [null, 28, 28, 1], filters: 8, kernel_size: [3, 3], padding: 'same', activation: 'relu' } },
      { class_name: 'MaxPooling2D', config: { pool_size: [2, 2] } },
      { class_name: 'Conv2D', config: { filters: 4, kernel_size: 3, padding: 'valid', use_bias: false } },
      { class_name: 'Flatten', config: {} },
      { class_name: 'Dense', config: { units: 10 } },
    ]);
    const conv1 = 2 * 28 * 28 * 8 * 9 * 1 + 28 * 28 * 8 + 28 * 28 * 8;
    const pool = 14 * 14 * 8 * 4;
    const conv2 = 2 * 12 * 12 * 4 * 9 * 8;
    const dense = 2 * 12 * 12 * 4 * 10 + 10;
    expect(f.byOperator.find((o) => o.opType === 'Conv2D')!.flops).toBe(conv1 + conv2);
    expect(f.total).toBe(conv1 + pool + conv2 + dense);
  });

  it('stops at a layer it does not know and says so', () => {
    const f = estimateTfjsLayersFlops([
      { class_name: 'Dense', config: { batch_input_shape: [null, 4], units: 2 } },
      { class_name: 'LSTM', config: { units: 3 } },
      { class_name: 'Dense', config: { units: 2 } },
    ]);
    expect(f.total).toBeNull();
    expect(f.lowerBound).toBe(2 * 4 * 2 + 2);
    expect(f.unestimated).toEqual([
      { opType: 'Dense', nodes: 1, reason: 'unknown-shapes' },
      { opType: 'LSTM', nodes: 1, reason: 'no-formula' },
    ]);
  });
});
