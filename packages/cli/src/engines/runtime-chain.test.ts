import { describe, expect, it } from 'vitest';
import { createRuntimes, defaultRuntimeChoices, formatRuntimeList, parseRuntimeList } from './runtime-chain.js';

describe('parseRuntimeList', () => {
  it('reads name[:device] lists, filling the default device', () => {
    expect(parseRuntimeList('onnx-node:cuda, onnx-node,tfjs')).toEqual([
      { name: 'onnx-node', device: 'cuda' },
      { name: 'onnx-node', device: 'cpu' },
      { name: 'tfjs', device: 'wasm' },
    ]);
    expect(formatRuntimeList(parseRuntimeList('onnx-node:webgpu'))).toBe('onnx-node:webgpu');
  });

  it('names an unknown runtime or device and the known ones', () => {
    expect(() => parseRuntimeList('onnx-web')).toThrow(/entry "onnx-web": expected a runtime among onnx-node, tfjs, got "onnx-web"/);
    expect(() => parseRuntimeList('onnx-node:tpu')).toThrow(/expected a onnx-node device among cpu, cuda, webgpu, got "tpu"/);
    expect(() => parseRuntimeList(' , ')).toThrow(/flag --runtime: expected a list/);
  });

  it('picks the default chain by format', () => {
    expect(defaultRuntimeChoices('onnx')).toEqual([{ name: 'onnx-node', device: 'cpu' }]);
    expect(defaultRuntimeChoices('tfjs-layers')).toEqual([{ name: 'tfjs', device: 'wasm' }]);
  });

  it('builds runtime objects from the named packages', async () => {
    const [runtime] = await createRuntimes([{ name: 'onnx-node', device: 'cpu' }]);
    expect(runtime).toMatchObject({ specificationVersion: 'v1', name: 'onnx-node', device: 'cpu' });
  });
});
