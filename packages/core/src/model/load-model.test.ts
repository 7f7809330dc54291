import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ServableError } from '../errors/servable-error.js';
import { sha256Hex } from '../protection/sha256.js';
import { createFakeRuntime } from '../testing/fake-runtime.js';
import type { TensorMap } from '../tensor/tensor.js';
import { loadModel } from './load-model.js';
import { stringifyManifest, type ModelManifest } from './manifest.js';
import type { Runtime } from './runtime.js';
import type { ModelSignature } from './signature.js';
import { resolveModelSource } from './source.js';

const signature: ModelSignature = {
  inputs: [{ name: 'x', dtype: 'float32', shape: ['batch', 3] }],
  outputs: [{ name: 'y', dtype: 'float32', shape: ['batch', 3] }],
};
const MODEL = new TextEncoder().encode('fake onnx bytes: not parsed by the fake runtime');
const WEIGHTS = new Uint8Array([1, 2, 3, 4]);

async function rejection(p: Promise<unknown>): Promise<ServableError> {
  try {
    await p;
  } catch (e) {
    if (ServableError.isInstance(e)) return e;
    throw new Error(`expected a ServableError, got ${String(e)}`);
  }
  throw new Error('expected a rejection, got success');
}

function manifestFor(bytesSha?: string, extra: Partial<ModelManifest> = {}): ModelManifest {
  return { schemaVersion: 1, name: 'demo', version: '3', format: 'onnx', file: 'model.onnx', ...(bytesSha ? { sha256: bytesSha } : {}), ...extra };
}

const feeds = (rows = 1): TensorMap => ({ x: { dtype: 'float32', shape: [rows, 3], data: new Float32Array(rows * 3).fill(1) } });

let dir: string;
let sha: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'servable-core-'));
  sha = await sha256Hex(MODEL);
  await mkdir(join(dir, 'with-manifest'));
  await writeFile(join(dir, 'with-manifest', 'model.onnx'), MODEL);
  await writeFile(join(dir, 'with-manifest', 'weights.bin'), WEIGHTS);
  await writeFile(join(dir, 'with-manifest', 'servable.json'), stringifyManifest(manifestFor(sha, { files: ['weights.bin'] })));
  await writeFile(join(dir, 'secret.txt'), 'outside the model folder');
  await mkdir(join(dir, 'bare'));
  await writeFile(join(dir, 'bare', 'model.onnx'), MODEL);
  await mkdir(join(dir, 'layers'));
  await writeFile(join(dir, 'layers', 'model.json'), JSON.stringify({ format: 'layers-model', modelTopology: { class_name: 'Sequential' } }));
  await mkdir(join(dir, 'graph'));
  await writeFile(join(dir, 'graph', 'model.json'), JSON.stringify({ format: 'graph-model', modelTopology: { node: [] } }));
  await mkdir(join(dir, 'tampered'));
  await writeFile(join(dir, 'tampered', 'model.onnx'), new Uint8Array([...MODEL, 0]));
  await writeFile(join(dir, 'tampered', 'servable.json'), stringifyManifest(manifestFor(sha)));
  await mkdir(join(dir, 'empty'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('model sources', () => {
  it('loads a folder with a manifest, checking its sha256', async () => {
    const runtime = createFakeRuntime({ signature });
    const model = await loadModel(join(dir, 'with-manifest'), { runtimes: [runtime] });
    const source = runtime.loads[0]!;
    expect(source.format).toBe('onnx');
    expect(source.path).toBe(join(dir, 'with-manifest', 'model.onnx'));
    expect(source.bytes).toEqual(MODEL);
    expect(source.manifest?.name).toBe('demo');
    expect(await source.readSibling('weights.bin')).toEqual(WEIGHTS);
    expect(model.manifest?.version).toBe('3');
    expect(model.report.source).toBe('demo@3');
    expect(model.report.integrityChecked).toBe(true);
    expect(model.report.decrypted).toBe(false);
    await model.dispose();
  });

  it('skips the sha256 check when asked', async () => {
    const runtime = createFakeRuntime({ signature });
    const model = await loadModel(join(dir, 'tampered'), { runtimes: [runtime], verifyIntegrity: false });
    expect(model.report.integrityChecked).toBe(false);
    expect(runtime.loads[0]!.bytes).toBeUndefined();
    await model.dispose();
  });

  it('loads a folder without a manifest by its model.onnx', async () => {
    const runtime = createFakeRuntime({ signature });
    const model = await loadModel(join(dir, 'bare'), { runtimes: [runtime] });
    expect(runtime.loads[0]!.path).toBe(join(dir, 'bare', 'model.onnx'));
    expect(runtime.loads[0]!.manifest).toBeUndefined();
    expect(model.report.source).toBe('model.onnx');
    expect(model.report.integrityChecked).toBe(false);
  });

  it('tells TensorFlow.js layers and graph models apart by model.json', async () => {
    const runtime = createFakeRuntime({ signature, formats: ['tfjs-layers', 'tfjs-graph'] });
    await loadModel(join(dir, 'layers'), { runtimes: [runtime] });
    await loadModel(join(dir, 'graph', 'model.json'), { runtimes: [runtime] });
    expect(runtime.loads.map((s) => s.format)).toEqual(['tfjs-layers', 'tfjs-graph']);
  });

  it('loads a bare file path and a file:// URL, never putting the host path in the report', async () => {
    const runtime = createFakeRuntime({ signature });
    const file = join(dir, 'bare', 'model.onnx');
    const a = await loadModel(file, { runtimes: [runtime] });
    const b = await loadModel(pathToFileURL(file).href, { runtimes: [runtime] });
    expect(runtime.loads.map((s) => s.path)).toEqual([file, file]);
    expect(a.report.source).toBe('model.onnx');
    expect(JSON.stringify(b.report)).not.toContain(dir);
  });

  it('loads the folder when given the path of its servable.json', async () => {
    const runtime = createFakeRuntime({ signature });
    const model = await loadModel(join(dir, 'with-manifest', 'servable.json'), { runtimes: [runtime] });
    expect(runtime.loads[0]!.format).toBe('onnx');
    expect(runtime.loads[0]!.path).toBe(join(dir, 'with-manifest', 'model.onnx'));
    expect(model.report.source).toBe('demo@3');
  });

  it('reports a missing path or an empty folder as MODEL_NOT_FOUND', async () => {
    expect((await rejection(loadModel(join(dir, 'nope'), { runtimes: [createFakeRuntime({ signature })] }))).code).toBe('MODEL_NOT_FOUND');
    expect((await rejection(loadModel(join(dir, 'empty'), { runtimes: [createFakeRuntime({ signature })] }))).code).toBe('MODEL_NOT_FOUND');
  });

  it('says a runtime object was expected when a chain holds a name or the factory itself', async () => {
    const name = await rejection(loadModel(join(dir, 'bare'), { runtimes: ['onnx-node' as never] }));
    expect(name.code).toBe('INVALID_ARGUMENT');
    expect(name.message).toBe(`loadModel options.runtimes[0]: expected a runtime object such as onnxNode(), got the string "onnx-node" — import { onnxNode } from '@servable/runtime-node' and pass onnxNode()`);
    const cuda = await rejection(loadModel(join(dir, 'bare'), { runtimes: [createFakeRuntime({ signature }), 'onnx-node:cuda' as never] }));
    expect(cuda.message).toContain(`loadModel options.runtimes[1]: expected a runtime object such as onnxNode({ device: 'cuda' }), got the string "onnx-node:cuda"`);
    expect((await rejection(loadModel(join(dir, 'bare'), { runtimes: ['magic' as never] }))).message).toContain('got the string "magic" — pass a runtime such as onnxNode()');
    function onnxNode() {
      return createFakeRuntime({ signature });
    }
    expect((await rejection(loadModel(join(dir, 'bare'), { runtimes: [onnxNode as never] }))).message).toBe('loadModel options.runtimes[0]: expected a runtime object, got the function onnxNode — call it: onnxNode()');
    expect((await rejection(loadModel(join(dir, 'bare'), { runtimes: [null as never] }))).message).toBe('loadModel options.runtimes[0]: expected a runtime object such as onnxNode(), got null');
  });

  it('shows a missing path as it was given, not cut to its last segment', async () => {
    const relative = await rejection(loadModel('models/mnist/1', { runtimes: [createFakeRuntime({ signature })] }));
    expect(relative.message).toBe('model path "models/mnist/1": expected a model file or folder, got a path that does not exist — check the path (relative to the working directory)');
    const absolute = await rejection(loadModel(join(dir, 'nope', '1'), { runtimes: [createFakeRuntime({ signature })] }));
    expect(absolute.message).toBe(`model path "${join(dir, 'nope', '1')}": expected a model file or folder, got a path that does not exist — check the path`);
    const empty = await rejection(loadModel(join(dir, 'empty'), { runtimes: [createFakeRuntime({ signature })] }));
    expect(empty.message).toBe(`model folder "${join(dir, 'empty')}": expected servable.json, model.onnx or model.json, got none of them`);
  });

  it('loads bytes (Uint8Array and ArrayBuffer) with an optional manifest', async () => {
    const runtime = createFakeRuntime({ signature });
    const a = await loadModel(MODEL, { runtimes: [runtime] });
    expect(a.report.source).toBe(`${MODEL.length} bytes`);
    const b = await loadModel(MODEL.slice().buffer, { runtimes: [runtime], manifest: manifestFor(sha) });
    expect(b.report.source).toBe('demo@3');
    expect(b.report.integrityChecked).toBe(true);
    expect(runtime.loads[1]!.bytes).toEqual(MODEL);
    const sibling = await rejection(runtime.loads[0]!.readSibling('weights.bin'));
    expect(sibling.code).toBe('MODEL_LOAD_FAILED');
    expect(sibling.message).toContain('weights.bin');
    expect((await rejection(loadModel(new Uint8Array(0), { runtimes: [runtime] }))).code).toBe('MODEL_LOAD_FAILED');
  });

  it('loads a ModelPackage from memory', async () => {
    const runtime = createFakeRuntime({ signature });
    const model = await loadModel({ manifest: manifestFor(sha, { files: ['weights.bin'] }), files: { 'model.onnx': MODEL, 'weights.bin': WEIGHTS } }, { runtimes: [runtime] });
    expect(model.report.source).toBe('demo@3');
    const source = runtime.loads[0]!;
    expect(source.bytes).toEqual(MODEL);
    expect(source.path).toBeUndefined();
    expect(await source.readSibling('weights.bin')).toEqual(WEIGHTS);
    expect((await rejection(source.readSibling('missing.bin'))).code).toBe('MODEL_NOT_FOUND');
    expect((await rejection(source.readSibling('../weights.bin'))).code).toBe('MODEL_LOAD_FAILED');
    expect((await rejection(source.readSibling('toString'))).code).toBe('MODEL_NOT_FOUND');
  });

  it('rejects a source of another kind', async () => {
    expect((await rejection(loadModel(42 as never, { runtimes: [createFakeRuntime({ signature })] }))).code).toBe('INVALID_ARGUMENT');
  });

  it('refuses sha256 mismatches before any runtime sees the model', async () => {
    const runtime = createFakeRuntime({ signature });
    const bad = manifestFor('0'.repeat(64));
    for (const source of [join(dir, 'tampered'), MODEL, { manifest: bad, files: { 'model.onnx': MODEL } }]) {
      const e = await rejection(loadModel(source, { runtimes: [runtime], manifest: bad }));
      expect(e.code).toBe('MODEL_INTEGRITY');
      expect(e.message).toContain('model.onnx');
      expect(e.message).toContain('sha256');
    }
    expect(runtime.loads).toHaveLength(0);
    expect(runtime.probeCalls).toBe(0);
  });

  it('readSibling refuses names that leave the folder', async () => {
    const runtime = createFakeRuntime({ signature });
    await loadModel(join(dir, 'with-manifest'), { runtimes: [runtime] });
    const source = runtime.loads[0]!;
    for (const name of ['../secret.txt', '/etc/passwd', join(dir, 'secret.txt'), 'a/../../secret.txt', 'C:\\x', '']) {
      const e = await rejection(source.readSibling(name));
      expect(e.code).toBe('MODEL_LOAD_FAILED');
      expect(e.message).not.toContain('outside the model folder');
    }
  });

  it('refuses a manifest whose file leaves the folder', async () => {
    const e = await rejection(resolveModelSource({ manifest: { ...manifestFor(), file: '../x.onnx' }, files: {} }));
    expect(e.code).toBe('MODEL_LOAD_FAILED');
  });
});

describe('model sources over HTTP', () => {
  let server: Server;
  let base: string;
  const requests: string[] = [];

  beforeAll(async () => {
    const files: Record<string, { body: Uint8Array | string; type: string }> = {
      '/models/demo/3/servable.json': { body: stringifyManifest(manifestFor(sha, { files: ['weights.bin'] })), type: 'application/json' },
      '/models/demo/3/model.onnx': { body: MODEL, type: 'application/octet-stream' },
      '/models/demo/3/weights.bin': { body: WEIGHTS, type: 'application/octet-stream' },
      '/models/demo/secret.bin': { body: 'one level up', type: 'text/plain' },
      '/models/bad/servable.json': { body: stringifyManifest(manifestFor('1'.repeat(64))), type: 'application/json' },
      '/models/bad/model.onnx': { body: MODEL, type: 'application/octet-stream' },
    };
    server = createServer((req, res) => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      requests.push(path);
      const file = files[path];
      if (!file) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': file.type }).end(file.body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  it('loads a folder URL through its manifest', async () => {
    const runtime = createFakeRuntime({ signature });
    const model = await loadModel(`${base}/models/demo/3/`, { runtimes: [runtime] });
    const source = runtime.loads[0]!;
    expect(source.url).toBe(`${base}/models/demo/3/model.onnx`);
    expect(source.bytes).toEqual(MODEL);
    expect(model.report.integrityChecked).toBe(true);
    expect(await source.readSibling('weights.bin')).toEqual(WEIGHTS);
    for (const name of ['../secret.bin', '%2e%2e/secret.bin', '/models/demo/secret.bin', 'http://evil.example/x']) {
      expect((await rejection(source.readSibling(name))).code).toBe('MODEL_LOAD_FAILED');
    }
    expect(requests).not.toContain('/models/demo/secret.bin');
  });

  it('loads the manifest URL itself and a bare model URL', async () => {
    const runtime = createFakeRuntime({ signature });
    await loadModel(new URL(`${base}/models/demo/3/servable.json`), { runtimes: [runtime] });
    const bare = await loadModel(`${base}/models/demo/3/model.onnx`, { runtimes: [runtime] });
    expect(runtime.loads.map((s) => s.manifest?.name)).toEqual(['demo', undefined]);
    expect(bare.report.source).toBe(`${base}/models/demo/3/model.onnx`);
  });

  it('maps 404 to MODEL_NOT_FOUND and a bad sha256 to MODEL_INTEGRITY', async () => {
    const runtime = createFakeRuntime({ signature });
    expect((await rejection(loadModel(`${base}/models/none/`, { runtimes: [runtime] }))).code).toBe('MODEL_NOT_FOUND');
    expect((await rejection(loadModel(`${base}/models/bad/`, { runtimes: [runtime] }))).code).toBe('MODEL_INTEGRITY');
    expect(runtime.loads).toHaveLength(0);
  });

  it('keeps credentials and query strings of a URL out of reports and messages', async () => {
    const runtime = createFakeRuntime({ signature });
    const signed = `${base}/models/demo/3/model.onnx?X-Amz-Signature=topsecret#frag`;
    const model = await loadModel(signed, { runtimes: [runtime] });
    expect(model.report.source).toBe(`${base}/models/demo/3/model.onnx`);
    const creds = await rejection(loadModel(`${base.replace('http://', 'http://user:hunter2@')}/models/demo/3/model.onnx`, { runtimes: [runtime] }));
    expect(creds.code).toBe('INVALID_ARGUMENT');
    expect(creds.message).not.toContain('hunter2');
    const e = await rejection(loadModel(`${base}/models/none/model.onnx?token=topsecret`, { runtimes: [runtime] }));
    expect(e.code).toBe('MODEL_NOT_FOUND');
    expect(e.message).not.toContain('topsecret');
  });

  it('reports an unreachable host as MODEL_LOAD_FAILED', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const e = await rejection(loadModel(`http://127.0.0.1:${port}/m.onnx`, { runtimes: [createFakeRuntime({ signature })] }));
    expect(e.code).toBe('MODEL_LOAD_FAILED');
    expect(e.message).toContain('network error');
  });
});

describe('runtime fallback', () => {
  it('moves past a failed probe and an engine that cannot start, and reports every attempt', async () => {
    const broken = createFakeRuntime({ name: 'a', device: 'cuda', signature, probe: new Error('no driver') });
    const noEngine = createFakeRuntime({ name: 'b', device: 'webgpu', signature, loadError: new ServableError('RUNTIME_UNAVAILABLE', 'webgpu adapter missing') });
    const good = createFakeRuntime({ name: 'c', device: 'cpu', signature, warnings: [{ type: 'unsupported', setting: 'threads', message: 'ignored' }] });
    const later = createFakeRuntime({ name: 'd', device: 'cpu', signature });
    const model = await loadModel(MODEL, { runtimes: [broken, noEngine, good, later] });
    expect(model.report.runtime).toBe('c');
    expect(model.report.device).toBe('cpu');
    expect(model.report.attempts.map((a) => [a.runtime, a.status])).toEqual([
      ['a', 'unavailable'],
      ['b', 'unavailable'],
      ['c', 'selected'],
      ['d', 'not-tried'],
    ]);
    expect(model.report.attempts[0]!.reason).toContain('no driver');
    expect(model.report.attempts[1]!.code).toBe('RUNTIME_UNAVAILABLE');
    expect(model.report.warnings).toEqual([{ type: 'unsupported', setting: 'threads', message: 'ignored' }]);
    expect(later.probeCalls).toBe(0);
    expect(broken.loads).toHaveLength(0);
  });

  it('raises one RUNTIME_UNAVAILABLE listing every reason when nothing can start', async () => {
    const e = await rejection(
      loadModel(MODEL, {
        runtimes: [
          createFakeRuntime({ name: 'a', signature, probe: { available: false, reason: 'CUDA libraries not installed' } }),
          createFakeRuntime({ name: 'b', signature, loadError: new ServableError('RUNTIME_UNAVAILABLE', 'wasm files missing') }),
        ],
      }),
    );
    expect(e.code).toBe('RUNTIME_UNAVAILABLE');
    expect(e.message).toContain('CUDA libraries not installed');
    expect(e.message).toContain('wasm files missing');
    expect((e.details.attempts as unknown[]).length).toBe(2);
  });

  it('raises MODEL_LOAD_FAILED when some runtime could start but the model failed', async () => {
    const e = await rejection(
      loadModel(MODEL, {
        runtimes: [
          createFakeRuntime({ name: 'a', signature, probe: { available: false, reason: 'no gpu' } }),
          createFakeRuntime({ name: 'b', signature, loadError: new Error('protobuf parsing failed') }),
        ],
      }),
    );
    expect(e.code).toBe('MODEL_LOAD_FAILED');
    expect(e.message).toContain('no gpu');
    expect(e.message).toContain('protobuf parsing failed');
  });

  it('skips runtimes of another format or contract version', async () => {
    const tfjs = createFakeRuntime({ name: 'tfjs', signature, formats: ['tfjs-layers'] });
    const future = { ...createFakeRuntime({ name: 'v2', signature }), specificationVersion: 'v2' } as unknown as Runtime;
    const good = createFakeRuntime({ name: 'ok', signature });
    const model = await loadModel(MODEL, { runtimes: [tfjs, future, good] });
    expect(model.report.attempts.map((a) => a.status)).toEqual(['skipped', 'skipped', 'selected']);
    expect(model.report.attempts[0]!.reason).toContain('does not load onnx');
    expect(model.report.attempts[1]!.reason).toContain('v2');
    expect(tfjs.probeCalls).toBe(0);
    const e = await rejection(loadModel(MODEL, { runtimes: [tfjs] }));
    expect(e.code).toBe('RUNTIME_UNAVAILABLE');
  });

  it('probes each runtime object once across loads', async () => {
    const runtime = createFakeRuntime({ signature });
    await loadModel(MODEL, { runtimes: [runtime] });
    await loadModel(MODEL, { runtimes: [runtime] });
    await loadModel(MODEL, { runtimes: [runtime] });
    expect(runtime.probeCalls).toBe(1);
    expect(runtime.loads).toHaveLength(3);
  });

  it('rejects an empty chain and an aborted signal', async () => {
    expect((await rejection(loadModel(MODEL, { runtimes: [] }))).code).toBe('INVALID_ARGUMENT');
    const ctrl = new AbortController();
    ctrl.abort();
    const runtime = createFakeRuntime({ signature });
    expect((await rejection(loadModel(MODEL, { runtimes: [runtime], signal: ctrl.signal }))).code).toBe('ABORTED');
    expect(runtime.loads).toHaveLength(0);
  });

  it('passes an ABORTED load error through instead of trying the next runtime', async () => {
    const aborted = createFakeRuntime({ name: 'a', signature, loadError: new ServableError('ABORTED', 'load was aborted') });
    const next = createFakeRuntime({ name: 'b', signature });
    expect((await rejection(loadModel(MODEL, { runtimes: [aborted, next] }))).code).toBe('ABORTED');
    expect(next.loads).toHaveLength(0);
  });
});

describe('Model', () => {
  it('validates feeds before the runtime sees them', async () => {
    const runtime = createFakeRuntime({ signature });
    const model = await loadModel(MODEL, { runtimes: [runtime] });
    expect((await rejection(model.run({}))).code).toBe('MISSING_INPUT');
    expect((await rejection(model.run({ ...feeds(), z: feeds().x! }))).code).toBe('UNKNOWN_INPUT');
    expect((await rejection(model.run(feeds(), { outputs: ['nope'] }))).code).toBe('INVALID_ARGUMENT');
    expect(runtime.runs).toHaveLength(0);
    const out = await model.run(feeds(2));
    expect(out.y!.shape).toEqual([2, 3]);
  });

  it('wraps engine errors as INFERENCE_FAILED and keeps ServableErrors', async () => {
    let error: unknown = new Error('kernel crashed');
    const model = await loadModel(MODEL, { runtimes: [createFakeRuntime({ signature, compute: () => { throw error; } })] });
    const e = await rejection(model.run(feeds()));
    expect(e.code).toBe('INFERENCE_FAILED');
    expect(e.message).toContain('kernel crashed');
    expect(e.cause).toBe(error);
    error = new ServableError('DEADLINE_EXCEEDED', 'engine timed out');
    expect((await rejection(model.run(feeds()))).code).toBe('DEADLINE_EXCEEDED');
  });

  it('dispose waits for in-flight runs, disposes the engine once, then refuses runs', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const runtime = createFakeRuntime({
      signature,
      compute: async (f) => {
        await gate;
        return { y: f.x! };
      },
    });
    const model = await loadModel(MODEL, { runtimes: [runtime] });
    const running = model.run(feeds());
    const disposing = model.dispose();
    expect(model.disposed).toBe(true);
    await new Promise((r) => setTimeout(r, 10));
    expect(runtime.live).toBe(1);
    release();
    expect((await running).y!.shape).toEqual([1, 3]);
    await disposing;
    expect(runtime.live).toBe(0);
    await model[Symbol.asyncDispose]();
    expect((await rejection(model.run(feeds()))).code).toBe('DISPOSED');
  });

  it('works with await using', async () => {
    const runtime = createFakeRuntime({ signature });
    {
      await using model = await loadModel(MODEL, { runtimes: [runtime] });
      expect(runtime.live).toBe(1);
      expect(model.disposed).toBe(false);
    }
    expect(runtime.live).toBe(0);
  });
});

describe('manifest signature agreement', () => {
  const declared = (over: Partial<ModelSignature> = {}): ModelManifest => manifestFor(undefined, { signature: { ...signature, ...over } });

  it('accepts a runtime signature that agrees, symbolic names matching any size', async () => {
    const runtime = createFakeRuntime({ signature: { inputs: [{ name: 'x', dtype: 'float32', shape: ['N', 3] }], outputs: signature.outputs } });
    const model = await loadModel(MODEL, { runtimes: [runtime], manifest: declared() });
    expect(model.report.runtime).toBe('fake');
  });

  it('fails the attempt, disposing what was loaded, when names, dtypes, ranks or fixed sizes differ', async () => {
    const cases: [ModelSignature, string][] = [
      [{ inputs: [{ name: 'pixels', dtype: 'float32', shape: ['batch', 3] }], outputs: signature.outputs }, 'input "x" is declared'],
      [{ inputs: [{ name: 'x', dtype: 'float64', shape: ['batch', 3] }], outputs: signature.outputs }, 'input "x" is [batch, 3] (float32) in servable.json but [batch, 3] (float64)'],
      [{ inputs: [{ name: 'x', dtype: 'float32', shape: ['batch', 4] }], outputs: signature.outputs }, '[batch, 4] (float32) in the model'],
      [{ inputs: [{ name: 'x', dtype: 'float32', shape: ['batch'] }], outputs: signature.outputs }, 'input "x"'],
      [{ inputs: signature.inputs, outputs: [...signature.outputs, { name: 'extra', dtype: 'float32', shape: [1] }] }, 'output "extra" of the model is missing'],
    ];
    for (const [actual, mention] of cases) {
      const runtime = createFakeRuntime({ signature: actual });
      const e = await rejection(loadModel(MODEL, { runtimes: [runtime], manifest: declared() }));
      expect(e.code).toBe('MODEL_LOAD_FAILED');
      expect(e.message).toContain(mention);
      expect(runtime.loads).toHaveLength(1);
      expect(runtime.live).toBe(0);
    }
  });
});

describe('memory budget', () => {
  it('refuses a folder whose files exceed maxBytes before any runtime loads it', async () => {
    const runtime = createFakeRuntime({ signature });
    const total = MODEL.length + WEIGHTS.length;
    const error = await rejection(loadModel(join(dir, 'with-manifest'), { runtimes: [runtime], maxBytes: total - 1 }));
    expect(error.code).toBe('MODEL_TOO_LARGE');
    expect(error.message).toContain('model "demo@3": expected at most');
    expect(error.message).toContain(`got ${total} B`);
    expect(runtime.loads).toHaveLength(0);
    const model = await loadModel(join(dir, 'with-manifest'), { runtimes: [runtime], maxBytes: total });
    await model.dispose();
  });

  it('refuses bytes over maxBytes, and an ONNX file over the 2 GiB protobuf limit, naming the fix', async () => {
    const runtime = createFakeRuntime({ signature });
    expect((await rejection(loadModel(MODEL, { runtimes: [runtime], maxBytes: 8 }))).code).toBe('MODEL_TOO_LARGE');
    const huge = new Uint8Array(16);
    Object.defineProperty(huge, 'length', { value: 2 ** 31 });
    const error = await rejection(loadModel(huge, { runtimes: [runtime] }));
    expect(error.code).toBe('MODEL_TOO_LARGE');
    expect(error.message).toContain('external data');
    expect((await rejection(loadModel(MODEL, { runtimes: [runtime], maxBytes: -1 }))).code).toBe('INVALID_ARGUMENT');
    expect(runtime.loads).toHaveLength(0);
  });
});
