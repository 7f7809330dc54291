import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ServableError, loadModel, sha256Hex, type ModelManifest } from '@servable/core';
import { assertTensorClose, goldenToTensors, type GoldenCase } from '@servable/core/testing';
import { describe, expect, it } from 'vitest';
import { onnxWeb } from './index.js';

const fixtures = new URL('../../../fixtures/', import.meta.url);
const read = (name: string) => new Uint8Array(readFileSync(fileURLToPath(new URL(name, fixtures))));
const golden = (name: string) => JSON.parse(readFileSync(fileURLToPath(new URL(`golden/${name}.json`, fixtures)), 'utf8')) as GoldenCase;

async function codeOf(promise: Promise<unknown>): Promise<ServableError> {
  try {
    await promise;
  } catch (e) {
    if (ServableError.isInstance(e)) return e;
    throw e;
  }
  throw new Error('expected a ServableError');
}

describe('onnxWeb options', () => {
  it('names the bad option, what it expected and what came', () => {
    expect(() => onnxWeb({ device: 'cuda' as never })).toThrowError(/onnxWeb option "device": expected "webgpu" or "wasm", got "cuda"/);
    expect(() => onnxWeb({ threads: 0 })).toThrowError(/option "threads": expected a whole number ≥ 1, got 0/);
    expect(() => onnxWeb({ threads: 1.5 })).toThrowError(/threads/);
    expect(() => onnxWeb({ proxy: 'yes' as never })).toThrowError(/option "proxy"/);
    expect(() => onnxWeb({ wasmPaths: {} })).toThrowError(/option "wasmPaths"/);
    expect(() => onnxWeb({ cache: 'no' as never })).toThrowError(/option "cache": expected true or false/);
    try {
      onnxWeb({ device: 'gpu' as never });
    } catch (e) {
      expect(ServableError.isInstance(e) && e.code).toBe('INVALID_ARGUMENT');
    }
  });

  it('describes itself as the onnx-web runtime for ONNX models', () => {
    const runtime = onnxWeb({ device: 'webgpu' });
    expect(runtime).toMatchObject({ specificationVersion: 'v1', name: 'onnx-web', device: 'webgpu', formats: ['onnx'] });
    expect(onnxWeb().device).toBe('wasm');
  });
});

describe('onnxWeb fallback and report', () => {
  it('is unavailable on webgpu in Node and the chain falls back to wasm with the reason', async () => {
    const model = await loadModel(read('models/mlp.onnx'), { runtimes: [onnxWeb({ device: 'webgpu' }), onnxWeb({ device: 'wasm' })] });
    try {
      expect(model.report.runtime).toBe('onnx-web');
      expect(model.report.device).toBe('wasm');
      const [first, second] = model.report.attempts;
      expect(first).toMatchObject({ runtime: 'onnx-web', device: 'webgpu', status: 'unavailable' });
      expect(first?.reason).toMatch(/WebGPU: expected a browser, got Node/);
      expect(second).toMatchObject({ device: 'wasm', status: 'selected' });
      const g = golden('mlp');
      const out = await model.run(goldenToTensors(g.inputs));
      assertTensorClose(out.probabilities, goldenToTensors(g.outputs).probabilities!, g.tolerance, 'probabilities');
    } finally {
      await model.dispose();
    }
  });

  it('fails with RUNTIME_UNAVAILABLE listing the reason when webgpu is the only runtime', async () => {
    const error = await codeOf(loadModel(read('models/mlp.onnx'), { runtimes: [onnxWeb({ device: 'webgpu' })] }));
    expect(error.code).toBe('RUNTIME_UNAVAILABLE');
    expect(error.message).toMatch(/onnx-web\[webgpu\] unavailable: WebGPU/);
  });

  it('reports options it cannot honour in Node as warnings', async () => {
    const model = await loadModel(read('models/add_one.onnx'), { runtimes: [onnxWeb({ wasmPaths: '/ort/', proxy: true })] });
    try {
      const settings = model.report.warnings.map((w) => [w.type, w.setting]);
      expect(settings).toContainEqual(['unsupported', 'wasmPaths']);
      expect(settings).toContainEqual(['unsupported', 'proxy']);
    } finally {
      await model.dispose();
    }
  });
});

describe('onnxWeb loading', () => {
  it('refuses broken model files with MODEL_LOAD_FAILED naming the file', async () => {
    for (const name of ['truncated', 'garbage']) {
      const error = await codeOf(loadModel(read(`models/broken/${name}.onnx`), { runtimes: [onnxWeb()] }));
      expect(error.code).toBe('MODEL_LOAD_FAILED');
      expect(error.message).toMatch(/expected an ONNX model onnxruntime-web can load on wasm/);
    }
  });

  it('does not read external data from outside the model folder', async () => {
    for (const name of ['external_escape', 'external_absolute']) {
      const error = await codeOf(loadModel(read(`models/broken/${name}.onnx`), { runtimes: [onnxWeb()] }));
      expect(error.code).toBe('MODEL_LOAD_FAILED');
    }
  });

  it('loads external weights listed in the manifest from the model package', async () => {
    const main = read('models/external/model.onnx');
    const weights = read('models/external/weights.bin');
    const manifest: ModelManifest = {
      schemaVersion: 1,
      name: 'external',
      version: '1',
      format: 'onnx',
      file: 'model.onnx',
      sha256: await sha256Hex(main),
      files: ['weights.bin'],
    };
    const model = await loadModel({ manifest, files: { 'model.onnx': main, 'weights.bin': weights } }, { runtimes: [onnxWeb()] });
    try {
      expect(model.report.integrityChecked).toBe(true);
      const g = golden('external');
      const out = await model.run(goldenToTensors(g.inputs));
      for (const [name, t] of Object.entries(goldenToTensors(g.outputs))) assertTensorClose(out[name], t, g.tolerance, name);
    } finally {
      await model.dispose();
    }
  });

  it('loads a model folder from disk (path source) and reports memory', async () => {
    const model = await loadModel(fileURLToPath(new URL('models/cnn.onnx', fixtures)), { runtimes: [onnxWeb()] });
    try {
      expect(model.report.memoryBytes).toBe(read('models/cnn.onnx').byteLength);
      const g = golden('cnn');
      const out = await model.run(goldenToTensors(g.inputs));
      for (const [name, t] of Object.entries(goldenToTensors(g.outputs))) assertTensorClose(out[name], t, g.tolerance, name);
    } finally {
      await model.dispose();
    }
  });
});
