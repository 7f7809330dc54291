import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ServableError } from '@servable/core';
import { describe, expect, it } from 'vitest';
import { readOnnxModel } from './onnx-reader.js';

const model = (name: string) => new Uint8Array(readFileSync(fileURLToPath(new URL(`../../../../fixtures/models/${name}`, import.meta.url))));

describe('readOnnxModel', () => {
  it('reads the MLP: opset, symbolic input dims, nodes and initializer sizes', () => {
    const m = readOnnxModel(model('mlp.onnx'), 'mlp.onnx');
    expect(m.irVersion).toBe(7);
    expect(m.producerName).toBe('pytorch');
    expect(m.opsets).toEqual([{ domain: '', version: 13 }]);
    expect(m.graph.inputs).toEqual([{ name: 'pixels', dtype: 'float32', shape: ['batch', 28, 28] }]);
    expect(m.graph.outputs).toEqual([{ name: 'probabilities', dtype: 'float32', shape: ['batch', 10] }]);
    expect(m.graph.nodes.map((n) => n.opType)).toEqual(['Flatten', 'Gemm', 'Relu', 'Gemm', 'Softmax']);
    expect(m.graph.nodes[1]!.attributes).toMatchObject({ transB: 1 });
    const weights = m.graph.initializers.find((i) => i.name === 'net.1.weight')!;
    expect(weights).toMatchObject({ dtype: 'float32', dims: [128, 784], elements: 100352, bytes: 401408 });
  });

  it('reads every dtype of the identity models and ints of small initializers', () => {
    for (const dtype of ['float16', 'int64', 'bool', 'string', 'uint64']) {
      const m = readOnnxModel(model(`identity_${dtype}.onnx`));
      expect(m.graph.inputs[0]).toEqual({ name: 'x', dtype, shape: ['batch', 'n'] });
    }
    const multi = readOnnxModel(model('multi_io.onnx'));
    expect(multi.graph.initializers.find((i) => i.name === 'axes_1')!.intValues).toEqual([1]);
  });

  it('reports external data with its location and size', () => {
    const m = readOnnxModel(model('external/model.onnx'));
    expect(m.graph.initializers).toEqual([expect.objectContaining({ name: 'W', dims: [4, 4], bytes: 64, externalLocation: 'weights.bin' })]);
  });

  it('rejects truncated and garbage files with MODEL_LOAD_FAILED naming the file', () => {
    for (const name of ['broken/truncated.onnx', 'broken/garbage.onnx']) {
      let error: unknown;
      try {
        readOnnxModel(model(name), name);
      } catch (e) {
        error = e;
      }
      expect(ServableError.isInstance(error)).toBe(true);
      expect((error as ServableError).code).toBe('MODEL_LOAD_FAILED');
      expect((error as ServableError).message).toContain(name);
    }
    expect(() => readOnnxModel(new Uint8Array([0x08, 0x07]), 'tiny.onnx')).toThrow(/tiny.onnx: expected an ONNX ModelProto with ir_version and a graph, got no graph/);
  });
});
