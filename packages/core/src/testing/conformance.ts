import { ServableError } from '../errors/servable-error.js';
import { loadModel, type LoadModelOptions, type Model } from '../model/load-model.js';
import type { Runtime } from '../model/runtime.js';
import type { ModelSource } from '../model/source.js';
import type { NestedValues } from '../pipeline/predict-input.js';
import { createPredictor } from '../predictor/create-predictor.js';
import { DTYPES, type DType } from '../tensor/dtype.js';
import { float32ToFloat16 } from '../tensor/float16.js';
import { sliceBatch, type Tensor, type TensorMap } from '../tensor/tensor.js';
import { assertTensorClose, goldenToTensors, type GoldenCase } from './golden.js';

/** The part of a test framework the suite needs (vitest, jest and mocha fit). */
export interface ConformanceTestApi {
  describe(name: string, fn: () => void): void;
  it(name: string, fn: () => Promise<void>, timeoutMs?: number): void;
}

/** A model the suite loads, with its golden run when there is one. */
export interface ConformanceFixture {
  readonly source: ModelSource;
  readonly golden?: GoldenCase;
  /** Extra load options (format, manifest…). */
  readonly loadOptions?: Partial<Omit<LoadModelOptions, 'runtimes'>>;
}

/** Fixtures for each part of the suite. Parts without a fixture are not registered. */
export interface ConformanceFixtures {
  /** The MNIST MLP: one float input with a symbolic batch, one output. */
  readonly mlp: ConformanceFixture;
  /** Several inputs and outputs of different dtypes. */
  readonly multiIo?: ConformanceFixture;
  /** A model whose batch is fixed at 1. */
  readonly fixedBatch?: ConformanceFixture;
  /** Identity models, input `x` → output `y`, shape `[batch, n]`, per dtype. */
  readonly identity?: Partial<Record<DType, ConformanceFixture>>;
  /** More models with golden runs, by name (half-precision and quantized graphs, for example). */
  readonly goldens?: Readonly<Record<string, ConformanceFixture>>;
}

/** Options of {@link runConformanceSuite}. */
export interface ConformanceOptions {
  /** Shown in test names. */
  readonly name: string;
  /** Makes the runtime chain under test (called per test). */
  readonly runtimes: () => Runtime[];
  readonly fixtures: ConformanceFixtures;
  /** The test framework's `describe` and `it`. */
  readonly test: ConformanceTestApi;
  /** Per-test timeout (default 30 s). */
  readonly timeoutMs?: number;
}

function fail(message: string): never {
  throw new Error(message);
}

async function expectCode(promise: Promise<unknown>, code: string, what: string): Promise<ServableError> {
  try {
    await promise;
  } catch (e) {
    if (!ServableError.isInstance(e)) fail(`${what}: expected a ServableError ${code}, got ${String(e)}`);
    if (e.code !== code) fail(`${what}: expected code ${code}, got ${e.code} (${e.message})`);
    if (e.message.length < 20) fail(`${what}: expected a message that explains, got "${e.message}"`);
    return e;
  }
  return fail(`${what}: expected ${code}, got success`);
}

const IDENTITY_VALUES: Record<DType, () => Tensor> = {
  float32: () => ({ dtype: 'float32', shape: [2, 3], data: new Float32Array([0, -1.5, 3.25, 1e-7, -0, 65504.5]) }),
  float64: () => ({ dtype: 'float64', shape: [2, 3], data: new Float64Array([Math.PI, -1e300, 5e-324, 0, 1, -2]) }),
  float16: () => ({ dtype: 'float16', shape: [2, 3], data: float32ToFloat16([0.5, -2, 65504, 0.000061035, 1, -0.25]) }),
  int8: () => ({ dtype: 'int8', shape: [2, 3], data: new Int8Array([-128, 127, 0, 1, -1, 5]) }),
  int16: () => ({ dtype: 'int16', shape: [2, 3], data: new Int16Array([-32768, 32767, 0, 1, -1, 5]) }),
  int32: () => ({ dtype: 'int32', shape: [2, 3], data: new Int32Array([-2147483648, 2147483647, 0, 1, -1, 5]) }),
  int64: () => ({ dtype: 'int64', shape: [2, 3], data: new BigInt64Array([-(2n ** 63n), 2n ** 63n - 1n, 0n, 2n ** 53n + 1n, -1n, 5n]) }),
  uint8: () => ({ dtype: 'uint8', shape: [2, 3], data: new Uint8Array([0, 255, 1, 2, 3, 128]) }),
  uint16: () => ({ dtype: 'uint16', shape: [2, 3], data: new Uint16Array([0, 65535, 1, 2, 3, 32768]) }),
  uint32: () => ({ dtype: 'uint32', shape: [2, 3], data: new Uint32Array([0, 4294967295, 1, 2, 3, 2147483648]) }),
  uint64: () => ({ dtype: 'uint64', shape: [2, 3], data: new BigUint64Array([0n, 2n ** 64n - 1n, 1n, 2n ** 53n + 1n, 3n, 2n ** 63n]) }),
  bool: () => ({ dtype: 'bool', shape: [2, 3], data: new Uint8Array([1, 0, 1, 1, 0, 0]) }),
  string: () => ({ dtype: 'string', shape: [2, 3], data: ['', 'a', 'héllo', '数据', '🙂', 'x'.repeat(100)] }),
};

/**
 * Registers the conformance suite for a runtime: loading and the report, the signature,
 * golden outputs, symbolic batch, one example versus a batch, multi-input/multi-output,
 * every dtype round-trip, bad-input errors, abort, concurrency and dispose.
 * Every runtime package runs it against itself.
 */
export function runConformanceSuite(options: ConformanceOptions): void {
  const { test, fixtures } = options;
  const timeout = options.timeoutMs ?? 30_000;
  const load = (f: ConformanceFixture): Promise<Model> => loadModel(f.source, { ...f.loadOptions, runtimes: options.runtimes() });
  const withModel = async (f: ConformanceFixture, fn: (m: Model) => Promise<void>) => {
    const m = await load(f);
    try {
      await fn(m);
    } finally {
      await m.dispose();
    }
  };

  test.describe(`conformance: ${options.name}`, () => {
    test.it('loads a model and reports the runtime that serves it', async () => {
      await withModel(fixtures.mlp, async (m) => {
        const chain = options.runtimes();
        const selected = m.report.attempts.find((a) => a.status === 'selected');
        if (!selected) fail('report: expected a selected attempt');
        if (m.report.runtime !== selected.runtime) fail(`report.runtime ${m.report.runtime} differs from the selected attempt ${selected.runtime}`);
        if (m.report.attempts.length !== chain.length) fail(`report.attempts: expected ${chain.length}, got ${m.report.attempts.length}`);
        if (typeof m.report.device !== 'string' || !m.report.device) fail('report.device: expected a device name');
        if (!(m.report.loadMs >= 0)) fail('report.loadMs: expected a duration');
      });
    }, timeout);

    test.it('exposes a signature with a symbolic batch dimension', async () => {
      await withModel(fixtures.mlp, async (m) => {
        const input = m.signature.inputs[0];
        if (!input || m.signature.inputs.length !== 1) fail('signature: expected one input');
        if (typeof input.shape[0] !== 'string') fail(`signature: expected a symbolic first dimension, got ${String(input.shape[0])}`);
        if (m.signature.outputs.length < 1) fail('signature: expected outputs');
      });
    }, timeout);

    if (fixtures.mlp.golden) {
      const golden = fixtures.mlp.golden;
      test.it('matches golden outputs', async () => {
        await withModel(fixtures.mlp, async (m) => {
          const out = await m.run(goldenToTensors(golden.inputs));
          for (const [name, t] of Object.entries(goldenToTensors(golden.outputs))) assertTensorClose(out[name], t, golden.tolerance, name);
        });
      }, timeout);

      test.it('gives each row of a batch the answer it gets alone (symbolic batch 1, 2, 5)', async () => {
        await withModel(fixtures.mlp, async (m) => {
          const feeds = goldenToTensors(golden.inputs);
          const name = m.signature.inputs[0]!.name;
          const x = feeds[name]!;
          const rows = x.shape[0]!;
          const big: Tensor = { ...x, shape: [rows * 2 + 1, ...x.shape.slice(1)], data: new Float32Array((rows * 2 + 1) * (x.data.length / rows)) };
          for (let r = 0; r < rows * 2 + 1; r++) (big.data as Float32Array).set((x.data as Float32Array).subarray((r % rows) * (x.data.length / rows), ((r % rows) + 1) * (x.data.length / rows)), r * (x.data.length / rows));
          const all = await m.run({ [name]: big });
          for (let r = 0; r < rows * 2 + 1; r++) {
            const one = await m.run({ [name]: sliceBatch(big, r, r + 1) });
            for (const [o, t] of Object.entries(one)) assertTensorClose(sliceBatch(all[o]!, r, r + 1), t, 1e-5, `${o} row ${r}`);
          }
        });
      }, timeout);

      test.it('predictor takes one example and returns it without the batch axis', async () => {
        await withModel(fixtures.mlp, async (m) => {
          const predictor = createPredictor(m);
          const feeds = goldenToTensors(golden.inputs);
          const name = m.signature.inputs[0]!.name;
          const first = sliceBatch(feeds[name]!, 0, 1);
          const nested = toNested(first.data as Float32Array, first.shape.slice(1));
          const out = (await predictor.predict(nested, { output: 'tensors' })) as TensorMap;
          const expected = goldenToTensors(golden.outputs);
          for (const [o, t] of Object.entries(expected)) {
            const row = sliceBatch(t, 0, 1);
            assertTensorClose(out[o], { ...row, shape: row.shape.slice(1) }, golden.tolerance, o);
          }
          const flat = (await predictor.predict(Array.from(first.data as Float32Array), { output: 'tensors' })) as TensorMap;
          for (const o of Object.keys(expected)) assertTensorClose(flat[o], out[o]!, 1e-6, `${o} (flat input)`);
        });
      }, timeout);

      test.it('answers concurrent runs correctly', async () => {
        await withModel(fixtures.mlp, async (m) => {
          const feeds = goldenToTensors(golden.inputs);
          const expected = goldenToTensors(golden.outputs);
          const results = await Promise.all(Array.from({ length: 8 }, () => m.run(feeds)));
          for (const out of results) for (const [o, t] of Object.entries(expected)) assertTensorClose(out[o], t, golden.tolerance, o);
        });
      }, timeout);
    }

    test.it('raises typed errors for bad input', async () => {
      await withModel(fixtures.mlp, async (m) => {
        const spec = m.signature.inputs[0]!;
        const dims = spec.shape.map((d) => (typeof d === 'number' ? d : 1));
        const size = dims.reduce((a, b) => a * b, 1);
        await expectCode(m.run({ [spec.name]: { dtype: 'int32', shape: dims, data: new Int32Array(size) } }), 'DTYPE_MISMATCH', 'wrong dtype');
        await expectCode(m.run({ [spec.name]: { dtype: 'float32', shape: [1, 3], data: new Float32Array(3) } }), 'SHAPE_MISMATCH', 'wrong shape');
        await expectCode(m.run({}), 'MISSING_INPUT', 'missing input');
        await expectCode(m.run({ [spec.name]: { dtype: 'float32', shape: dims, data: new Float32Array(size) }, nope: { dtype: 'float32', shape: [1], data: new Float32Array(1) } }), 'UNKNOWN_INPUT', 'unknown input');
        const predictor = createPredictor(m);
        const nan = new Array(size).fill(0);
        nan[3] = Number.NaN;
        await expectCode(predictor.predict(nan), 'INVALID_INPUT', 'NaN value');
        await expectCode(predictor.predict([1, 2, 3]), 'SHAPE_MISMATCH', 'too few values');
        await expectCode(predictor.predict(new Array(size).fill('x')), 'INVALID_INPUT', 'strings into a float input');
      });
    }, timeout);

    test.it('honours an aborted signal', async () => {
      await withModel(fixtures.mlp, async (m) => {
        const spec = m.signature.inputs[0]!;
        const dims = spec.shape.map((d) => (typeof d === 'number' ? d : 1));
        const ctrl = new AbortController();
        ctrl.abort(new Error('stop'));
        await expectCode(m.run({ [spec.name]: { dtype: 'float32', shape: dims, data: new Float32Array(dims.reduce((a, b) => a * b, 1)) } }, { signal: ctrl.signal }), 'ABORTED', 'aborted run');
      });
    }, timeout);

    test.it('disposes once and then refuses to run', async () => {
      const m = await load(fixtures.mlp);
      const spec = m.signature.inputs[0]!;
      const dims = spec.shape.map((d) => (typeof d === 'number' ? d : 1));
      await m[Symbol.asyncDispose]();
      await m.dispose();
      if (!m.disposed) fail('disposed: expected true');
      await expectCode(m.run({ [spec.name]: { dtype: 'float32', shape: dims, data: new Float32Array(dims.reduce((a, b) => a * b, 1)) } }), 'DISPOSED', 'run after dispose');
    }, timeout);

    if (fixtures.multiIo) {
      const f = fixtures.multiIo;
      test.it('runs several inputs and outputs of different dtypes', async () => {
        await withModel(f, async (m) => {
          if (m.signature.inputs.length < 2 || m.signature.outputs.length < 2) fail('signature: expected several inputs and outputs');
          if (!f.golden) return;
          const out = await m.run(goldenToTensors(f.golden.inputs));
          for (const [name, t] of Object.entries(goldenToTensors(f.golden.outputs))) assertTensorClose(out[name], t, f.golden.tolerance, name);
          const sel = await m.run(goldenToTensors(f.golden.inputs), { outputs: [m.signature.outputs[1]!.name] });
          if (Object.keys(sel).length !== 1) fail(`outputs selection: expected 1 output, got ${Object.keys(sel).length}`);
        });
      }, timeout);
    }

    if (fixtures.fixedBatch) {
      const f = fixtures.fixedBatch;
      test.it('serves a model with a fixed batch of 1 and refuses a batch of 2', async () => {
        await withModel(f, async (m) => {
          const spec = m.signature.inputs[0]!;
          if (spec.shape[0] !== 1) fail(`signature: expected a fixed first dimension 1, got ${String(spec.shape[0])}`);
          if (f.golden) {
            const out = await m.run(goldenToTensors(f.golden.inputs));
            for (const [name, t] of Object.entries(goldenToTensors(f.golden.outputs))) assertTensorClose(out[name], t, f.golden.tolerance, name);
          }
          const width = spec.shape.slice(1).reduce<number>((a, d) => a * (typeof d === 'number' ? d : 1), 1);
          await expectCode(m.run({ [spec.name]: { dtype: spec.dtype, shape: [2, width], data: new Float32Array(2 * width) } as Tensor }), 'SHAPE_MISMATCH', 'batch of 2');
          const single = (await createPredictor(m).predict(new Array(width).fill(1), { output: 'tensors' })) as TensorMap;
          const first = Object.values(single)[0]!;
          if (first.shape.length !== spec.shape.length - 1) fail(`predict one example: expected the batch axis removed, got shape [${first.shape.join(', ')}]`);
        });
      }, timeout);
    }

    for (const [name, f] of Object.entries(fixtures.goldens ?? {})) {
      const golden = f.golden;
      if (!golden) continue;
      test.it(`runs ${name} and matches its golden outputs`, async () => {
        await withModel(f, async (m) => {
          const out = await m.run(goldenToTensors(golden.inputs));
          for (const [output, t] of Object.entries(goldenToTensors(golden.outputs))) assertTensorClose(out[output], t, golden.tolerance, `${name} ${output}`);
        });
      }, timeout);
    }

    for (const dtype of DTYPES) {
      const f = fixtures.identity?.[dtype];
      if (!f) continue;
      test.it(`round-trips ${dtype} exactly`, async () => {
        await withModel(f, async (m) => {
          const x = IDENTITY_VALUES[dtype]();
          const out = await m.run({ x });
          assertTensorClose(out.y, x, 0, `identity ${dtype}`);
        });
      }, timeout);
    }
  });
}

function toNested(data: Float32Array, shape: readonly number[]): NestedValues {
  if (shape.length <= 1) return Array.from(data);
  const per = data.length / shape[0]!;
  return Array.from({ length: shape[0]! }, (_, i) => toNested(data.subarray(i * per, (i + 1) * per), shape.slice(1)));
}
