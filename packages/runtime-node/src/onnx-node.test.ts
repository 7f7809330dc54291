import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createPredictor,
  loadModel,
  ServableError,
  sha256Hex,
  type Classification,
  type ModelManifest,
  type ResolvedModelSource,
  type Runtime,
  type TensorMap,
} from '@servable/core';
import { assertTensorClose, goldenToTensors, type GoldenCase } from '@servable/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CUDA_INSTALL_HINT, onnxNode } from './index.js';

const fixtures = fileURLToPath(new URL('../../../fixtures/', import.meta.url));
const model = (name: string) => `${fixtures}models/${name}`;
const golden = (name: string) => readFile(`${fixtures}golden/${name}.json`, 'utf8').then((t) => JSON.parse(t) as GoldenCase);

async function expectServableError(promise: Promise<unknown>, code: string): Promise<ServableError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(ServableError.isInstance(error), `expected a ServableError ${code}, got ${String(error)}`).toBe(true);
  expect((error as ServableError).code).toBe(code);
  return error as ServableError;
}

async function expectGolden(source: Parameters<typeof loadModel>[0], name: string, runtimes: Runtime[] = [onnxNode()]): Promise<void> {
  const g = await golden(name);
  await using m = await loadModel(source, { runtimes });
  const out = await m.run(goldenToTensors(g.inputs));
  for (const [o, t] of Object.entries(goldenToTensors(g.outputs))) assertTensorClose(out[o], t, g.tolerance, o);
}

/** A runtime that forwards to onnxNode() and counts doLoad calls. */
function countingRuntime(): { runtime: Runtime; loads: () => number } {
  const inner = onnxNode();
  let loads = 0;
  return {
    runtime: { ...inner, probe: () => inner.probe(), doLoad: (s, o) => (loads++, inner.doLoad(s, o)) },
    loads: () => loads,
  };
}

const hostRoots = [fixtures, process.cwd(), homedir(), tmpdir()];
function expectNoHostPath(message: string): void {
  for (const root of hostRoots) expect(message, `message names ${root}`).not.toContain(root.replace(/\/$/, ''));
  expect(message).not.toMatch(/(^|[\s"'(=:])\/[\w.-]+\/[\w.-]+/);
}

const cudaAvailability = await onnxNode({ device: 'cuda' }).probe();

describe('onnxNode()', () => {
  it('is a v1 runtime named onnx-node for onnx models on the device asked for', () => {
    const cpu = onnxNode();
    expect(cpu).toMatchObject({ specificationVersion: 'v1', name: 'onnx-node', device: 'cpu', formats: ['onnx'] });
    expect(onnxNode({ device: 'cuda' }).device).toBe('cuda');
    expect(onnxNode({ device: 'webgpu' }).device).toBe('webgpu');
  });

  it('rejects bad options with INVALID_ARGUMENT naming the option', () => {
    const bad: [object, string][] = [
      [{ device: 'tpu' }, 'device'],
      [{ deviceId: -1 }, 'deviceId'],
      [{ threads: 1.5 }, 'threads'],
      [{ interOpThreads: '2' }, 'interOpThreads'],
      [{ graphOptimization: 'max' }, 'graphOptimization'],
      [{ executionMode: 'fast' }, 'executionMode'],
      [{ logLevel: 'quiet' }, 'logLevel'],
    ];
    for (const [options, name] of bad) {
      let error: unknown;
      try {
        onnxNode(options as never);
      } catch (e) {
        error = e;
      }
      expect(ServableError.isInstance(error)).toBe(true);
      expect((error as ServableError).code).toBe('INVALID_ARGUMENT');
      expect((error as ServableError).message).toContain(`"${name}"`);
    }
  });

  it('memoizes probe() and finds the cpu device available', async () => {
    const runtime = onnxNode();
    const first = runtime.probe();
    expect(runtime.probe()).toBe(first);
    expect((await first).available).toBe(true);
  });

  it('reports options the device ignores as warnings, and honours threads', async () => {
    await using m = await loadModel(model('mlp.onnx'), { runtimes: [onnxNode({ deviceId: 1, interOpThreads: 2, threads: 1, graphOptimization: 'basic' })] });
    const settings = m.report.warnings.map((w) => w.setting);
    expect(settings).toEqual(expect.arrayContaining(['deviceId', 'interOpThreads']));
    expect(m.report.warnings.every((w) => w.type === 'unsupported')).toBe(true);
    await expectGolden(model('mlp.onnx'), 'mlp', [onnxNode({ threads: 1, interOpThreads: 2, executionMode: 'parallel', graphOptimization: 'disabled' })]);
  });

  it('passes raw sessionOptions through', async () => {
    await expectGolden(model('mlp.onnx'), 'mlp', [onnxNode({ sessionOptions: { logSeverityLevel: 3, enableCpuMemArena: false } })]);
  });
});

describe('loading models', () => {
  it('matches the cnn golden', async () => {
    await expectGolden(model('cnn.onnx'), 'cnn');
  });

  it('loads a model with external data by folder path', async () => {
    await expectGolden(model('external'), 'external');
  });

  it('loads a model with external data from bytes with the manifest\'s files as externalData', async () => {
    const bytes = new Uint8Array(await readFile(model('external/model.onnx')));
    const weights = new Uint8Array(await readFile(model('external/weights.bin')));
    const manifest: ModelManifest = { schemaVersion: 1, name: 'external', version: '1', format: 'onnx', file: 'model.onnx', files: ['weights.bin'], sha256: await sha256Hex(bytes) };
    await expectGolden({ manifest, files: { 'model.onnx': bytes, 'weights.bin': weights } }, 'external');
  });

  it('fails with MODEL_LOAD_FAILED for bytes whose external data is not listed', async () => {
    const bytes = new Uint8Array(await readFile(model('external/model.onnx')));
    const error = await expectServableError(loadModel(bytes, { runtimes: [onnxNode()] }), 'MODEL_LOAD_FAILED');
    expectNoHostPath(error.message);
  });

  it('reports memoryBytes and the device', async () => {
    const size = (await readFile(model('mlp.onnx'))).byteLength;
    await using m = await loadModel(model('mlp.onnx'), { runtimes: [onnxNode()] });
    expect(m.report.memoryBytes).toBe(size);
    expect(m.report.device).toBe('cpu');
    await using fromBytes = await loadModel(new Uint8Array(await readFile(model('mlp.onnx'))), { runtimes: [onnxNode()] });
    expect(fromBytes.report.memoryBytes).toBe(size);
  });

  for (const name of ['truncated', 'garbage', 'external_escape', 'external_absolute']) {
    it(`refuses broken/${name}.onnx with MODEL_LOAD_FAILED and no host path in the message`, async () => {
      const byPath = await expectServableError(loadModel(model(`broken/${name}.onnx`), { runtimes: [onnxNode()] }), 'MODEL_LOAD_FAILED');
      expectNoHostPath(byPath.message);
      expect(byPath.message).toContain(`${name}.onnx`);
      const bytes = new Uint8Array(await readFile(model(`broken/${name}.onnx`)));
      const byBytes = await expectServableError(loadModel(bytes, { runtimes: [onnxNode()] }), 'MODEL_LOAD_FAILED');
      expectNoHostPath(byBytes.message);
      expectNoHostPath(JSON.stringify(byBytes.details));
      await expectGolden(model('mlp.onnx'), 'mlp');
    });
  }

  it('lists the cause of each broken model in the error', async () => {
    const escape = await expectServableError(loadModel(model('broken/external_escape.onnx'), { runtimes: [onnxNode()] }), 'MODEL_LOAD_FAILED');
    expect(escape.message).toMatch(/escapes model directory/);
    const absolute = await expectServableError(loadModel(model('broken/external_absolute.onnx'), { runtimes: [onnxNode()] }), 'MODEL_LOAD_FAILED');
    expect(absolute.message).toMatch(/Absolute path not allowed/);
  });

  it('disposes the session once and refuses runs afterwards', async () => {
    const runtime = onnxNode();
    const source: ResolvedModelSource = { format: 'onnx', path: model('add_one.onnx'), readSibling: () => Promise.reject(new Error('none')) };
    const loaded = await runtime.doLoad(source, {});
    const x = { dtype: 'float32', shape: [1, 2], data: new Float32Array([1, 2]) } as const;
    expect(Array.from((await loaded.doRun({ x }, {})).y!.data as Float32Array)).toEqual([2, 3]);
    const first = loaded.dispose();
    expect(loaded.dispose()).toBe(first);
    await first;
    await expectServableError(loaded.doRun({ x }, {}), 'DISPOSED');
  });

  it('reads an input that is a view at an offset into a larger buffer', async () => {
    const loaded = await onnxNode().doLoad({ format: 'onnx', path: model('add_one.onnx'), readSibling: () => Promise.reject(new Error('none')) }, {});
    try {
      const buffer = new Float32Array([10, 20, 30, 40, 50]);
      const out = await loaded.doRun({ x: { dtype: 'float32', shape: [1, 3], data: buffer.subarray(2) } }, {});
      expect(Array.from(out.y!.data as Float32Array)).toEqual([31, 41, 51]);
    } finally {
      await loaded.dispose();
    }
  });

  it('fetches only the outputs asked for, and rejects an aborted run with ABORTED', async () => {
    const g = await golden('multi_io');
    const loaded = await onnxNode().doLoad({ format: 'onnx', path: model('multi_io.onnx'), readSibling: () => Promise.reject(new Error('none')) }, {});
    try {
      const out = await loaded.doRun(goldenToTensors(g.inputs), { outputs: ['mask_not', 'h_twice'] });
      expect(Object.keys(out).sort()).toEqual(['h_twice', 'mask_not']);
      assertTensorClose(out.mask_not, goldenToTensors(g.outputs).mask_not!, 0, 'mask_not');
      expect(out.mask_not!.data).toBeInstanceOf(Uint8Array);
      expect(out.h_twice!.data).toBeInstanceOf(Uint16Array);
      const ctrl = new AbortController();
      ctrl.abort();
      await expectServableError(loaded.doRun(goldenToTensors(g.inputs), { signal: ctrl.signal }), 'ABORTED');
    } finally {
      await loaded.dispose();
    }
  });

  it('turns an engine failure during a run into INFERENCE_FAILED', async () => {
    const loaded = await onnxNode().doLoad({ format: 'onnx', path: model('multi_io.onnx'), readSibling: () => Promise.reject(new Error('none')) }, {});
    try {
      const feeds: TensorMap = {
        a: { dtype: 'float32', shape: [2, 4], data: new Float32Array(8) },
        ids: { dtype: 'int64', shape: [1, 3], data: new BigInt64Array(3) },
        mask: { dtype: 'bool', shape: [1, 3], data: new Uint8Array(3) },
        h: { dtype: 'float16', shape: [3, 2], data: new Uint16Array(6) },
      };
      const error = await expectServableError(loaded.doRun(feeds, {}), 'INFERENCE_FAILED');
      expectNoHostPath(error.message);
    } finally {
      await loaded.dispose();
    }
  });
});

describe('cuda and the fallback chain', () => {
  it.runIf(!cudaAvailability.available)('without CUDA provider libraries: probe says what is missing and how to install it', () => {
    expect(cudaAvailability.available).toBe(false);
    const reason = (cudaAvailability as { reason: string }).reason;
    expect(reason).toContain('libonnxruntime_providers_cuda');
    expect(reason).toContain('ONNXRUNTIME_NODE_INSTALL=cuda12');
    expect(reason).toContain('--onnxruntime-node-install=cuda12');
    expect(reason).toMatch(/cuDNN 9/);
  });

  it.runIf(!cudaAvailability.available)('without CUDA: [cuda, cpu] serves on cpu and the report gives the cuda reason', async () => {
    await using m = await loadModel(model('mlp.onnx'), { runtimes: [onnxNode({ device: 'cuda' }), onnxNode()] });
    expect(m.report.runtime).toBe('onnx-node');
    expect(m.report.device).toBe('cpu');
    const [cuda, cpu] = m.report.attempts;
    expect(cuda).toMatchObject({ runtime: 'onnx-node', device: 'cuda', status: 'unavailable' });
    expect(cuda!.reason).toContain('ONNXRUNTIME_NODE_INSTALL=cuda12');
    expect(cpu).toMatchObject({ device: 'cpu', status: 'selected' });
  });

  it.runIf(!cudaAvailability.available)('without CUDA: cuda alone fails with RUNTIME_UNAVAILABLE listing the reason', async () => {
    const error = await expectServableError(loadModel(model('mlp.onnx'), { runtimes: [onnxNode({ device: 'cuda' })] }), 'RUNTIME_UNAVAILABLE');
    expect(error.message).toContain('onnx-node[cuda] unavailable');
    expect(error.message).toContain('ONNXRUNTIME_NODE_INSTALL=cuda12');
  });

  it.runIf(!cudaAvailability.available)('without CUDA: a session forced onto cuda fails with RUNTIME_UNAVAILABLE and the install hint, not a crash', async () => {
    const source: ResolvedModelSource = { format: 'onnx', path: model('mlp.onnx'), readSibling: () => Promise.reject(new Error('none')) };
    const error = await expectServableError(onnxNode({ device: 'cuda' }).doLoad(source, {}), 'RUNTIME_UNAVAILABLE');
    expect(error.message).toContain(CUDA_INSTALL_HINT);
    expectNoHostPath(error.message);
  });

  it.runIf(cudaAvailability.available)('with CUDA provider libraries: [cuda, cpu] serves the golden on cuda, or reports why cuda could not start', async () => {
    await using m = await loadModel(model('mlp.onnx'), { runtimes: [onnxNode({ device: 'cuda' }), onnxNode()] });
    const [cuda] = m.report.attempts;
    if (cuda!.status === 'selected') expect(m.report.device).toBe('cuda:0');
    else expect(cuda!.code).toBe('RUNTIME_UNAVAILABLE');
    await expectGolden(model('mlp.onnx'), 'mlp', [onnxNode({ device: 'cuda' }), onnxNode()]);
  });
});

describe('webgpu', () => {
  it('serves the golden on webgpu where an adapter exists, and otherwise reports why and falls back to cpu', async () => {
    const probe = await onnxNode({ device: 'webgpu' }).probe();
    await using m = await loadModel(model('mlp.onnx'), { runtimes: [onnxNode({ device: 'webgpu' }), onnxNode()] });
    const [webgpu, cpu] = m.report.attempts;
    if (webgpu!.status === 'selected') {
      expect(m.report.device).toBe('webgpu');
      const g = await golden('mlp');
      const out = await m.run(goldenToTensors(g.inputs));
      assertTensorClose(out.probabilities, goldenToTensors(g.outputs).probabilities!, 1e-4, 'probabilities');
    } else {
      expect(webgpu!.status).toBe('unavailable');
      expect(webgpu!.reason).toMatch(/webgpu/i);
      if (probe.available) expect(webgpu!.code).toBe('RUNTIME_UNAVAILABLE');
      expectNoHostPath(webgpu!.reason!);
      expect(cpu!.status).toBe('selected');
    }
  });
});

describe('model folders with servable.json', () => {
  let dir: string;
  const digits = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'servable-runtime-node-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function folder(name: string, manifest: Partial<ModelManifest>): Promise<string> {
    const target = join(dir, name);
    await rm(target, { recursive: true, force: true });
    await (await import('node:fs/promises')).mkdir(target, { recursive: true });
    await copyFile(model('mlp.onnx'), join(target, 'model.onnx'));
    const full = { schemaVersion: 1, name, version: '1', format: 'onnx', file: 'model.onnx', ...manifest };
    await writeFile(join(target, 'servable.json'), JSON.stringify(full, null, 2));
    return target;
  }

  it('refuses a folder whose sha256 is wrong with MODEL_INTEGRITY before the runtime sees it', async () => {
    const target = await folder('tampered', { sha256: '0'.repeat(64) });
    const { runtime, loads } = countingRuntime();
    const error = await expectServableError(loadModel(target, { runtimes: [runtime] }), 'MODEL_INTEGRITY');
    expect(error.message).toContain('sha256');
    expect(loads()).toBe(0);
  });

  it('predicts a drawn digit through the manifest\'s image preprocessing', async () => {
    const sha256 = await sha256Hex(new Uint8Array(await readFile(model('mlp.onnx'))));
    const target = await folder('mnist', {
      sha256,
      labels: digits,
      preprocessing: { image: { grayscale: true, invert: true, scale: 1 / 255 } },
      postprocessing: { topK: 3 },
    });
    const { runtime, loads } = countingRuntime();
    await using m = await loadModel(target, { runtimes: [runtime] });
    expect(loads()).toBe(1);
    expect(m.report.integrityChecked).toBe(true);
    expect(m.report.source).toBe('mnist@1');

    // A dark "7" on white paper, RGBA, as a canvas would give it.
    const rgba = new Uint8ClampedArray(28 * 28 * 4).fill(255);
    const ink = (x: number, y: number, v: number) => rgba.fill(v, (y * 28 + x) * 4, (y * 28 + x) * 4 + 3);
    for (let x = 6; x <= 21; x++) for (const y of [5, 6]) ink(x, y, 20);
    for (let y = 7; y <= 23; y++) for (const dx of [0, 1]) ink(Math.round(21 - (y - 7) * 0.55) + dx, y, 30);

    const predictor = createPredictor(m);
    const result = (await predictor.predict({ data: rgba, width: 28, height: 28, channels: 4 })) as Classification;
    expect(digits).toContain(result.label);
    expect(result.top).toHaveLength(3);
    expect(result.probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);

    const pixels = new Float32Array(28 * 28);
    for (let i = 0; i < pixels.length; i++) {
      const r = rgba[i * 4]!;
      const gray = 0.299 * r + 0.587 * rgba[i * 4 + 1]! + 0.114 * rgba[i * 4 + 2]!;
      pixels[i] = (255 - gray) / 255;
    }
    const direct = await m.run({ pixels: { dtype: 'float32', shape: [1, 28, 28], data: pixels } });
    assertTensorClose({ dtype: 'float32', shape: [1, 10], data: Float32Array.from(result.probabilities) }, direct.probabilities!, 1e-5, 'probabilities');
    expect(result.index).toBe(Array.from(direct.probabilities!.data as Float32Array).indexOf(Math.max(...(direct.probabilities!.data as Float32Array))));
  });
});
