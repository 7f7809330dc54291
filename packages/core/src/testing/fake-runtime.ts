import { ServableError } from '../errors/servable-error.js';
import type { ModelFormat } from '../model/manifest.js';
import type { Availability, LoadedModel, ResolvedModelSource, RunOptions, Runtime, RuntimeWarning } from '../model/runtime.js';
import type { ModelSignature } from '../model/signature.js';
import type { TensorMap } from '../tensor/tensor.js';

/** Options of {@link createFakeRuntime}. */
export interface FakeRuntimeOptions {
  /** Runtime name (default `fake`). */
  readonly name?: string;
  /** Device asked for and served on (default `cpu`). */
  readonly device?: string;
  /** Formats it loads (default `['onnx']`). */
  readonly formats?: readonly ModelFormat[];
  /** The signature loaded models report, or a function of the source (for example its manifest's signature). */
  readonly signature: ModelSignature | ((source: ResolvedModelSource) => ModelSignature);
  /** Computes the outputs of one run (default: output i is a copy of input i under the output's name); `options.outputs` is applied after. */
  readonly compute?: (feeds: TensorMap, options: RunOptions) => TensorMap | Promise<TensorMap>;
  /** What `probe` answers, or an error it throws (default available). */
  readonly probe?: Availability | Error;
  /** An error `doLoad` throws, or a function deciding per source. */
  readonly loadError?: Error | ((source: ResolvedModelSource) => Error | undefined);
  /** Warnings the loaded model reports. */
  readonly warnings?: readonly RuntimeWarning[];
}

/** A {@link Runtime} that computes in plain JavaScript and counts what core asks of it. */
export interface FakeRuntime extends Runtime {
  /** Times `probe` was called. */
  readonly probeCalls: number;
  /** Sources `doLoad` was given, in order. */
  readonly loads: readonly ResolvedModelSource[];
  /** Feeds of every `doRun`, in order. */
  readonly runs: readonly TensorMap[];
  /** Models loaded and not yet disposed. */
  readonly live: number;
}

function copyByPosition(signature: ModelSignature, feeds: TensorMap): TensorMap {
  const out: TensorMap = {};
  signature.outputs.forEach((spec, i) => {
    const input = signature.inputs[i] ?? signature.inputs[0];
    const t = input ? feeds[input.name] : undefined;
    if (t) out[spec.name] = { dtype: t.dtype, shape: [...t.shape], data: t.data.slice() as typeof t.data };
  });
  return out;
}

/**
 * Makes an in-memory runtime for tests of code built on core (predictors, servers, batching)
 * without an engine: it loads any source of its formats, reports the given signature, and
 * runs `compute`. Counters show how often core probed, loaded and ran it.
 *
 * @example
 * ```ts
 * const runtime = createFakeRuntime({ signature, compute: ({ x }) => ({ y: x! }) });
 * const model = await loadModel(bytes, { runtimes: [runtime] });
 * ```
 */
export function createFakeRuntime(options: FakeRuntimeOptions): FakeRuntime {
  const device = options.device ?? 'cpu';
  const loads: ResolvedModelSource[] = [];
  const runs: TensorMap[] = [];
  let probeCalls = 0;
  let live = 0;
  const runtime: FakeRuntime = {
    specificationVersion: 'v1',
    name: options.name ?? 'fake',
    device,
    formats: options.formats ?? ['onnx'],
    get probeCalls() {
      return probeCalls;
    },
    get loads() {
      return loads;
    },
    get runs() {
      return runs;
    },
    get live() {
      return live;
    },
    async probe(): Promise<Availability> {
      probeCalls++;
      if (options.probe instanceof Error) throw options.probe;
      return options.probe ?? { available: true };
    },
    async doLoad(source: ResolvedModelSource): Promise<LoadedModel> {
      loads.push(source);
      const error = typeof options.loadError === 'function' ? options.loadError(source) : options.loadError;
      if (error) throw error;
      const signature = typeof options.signature === 'function' ? options.signature(source) : options.signature;
      live++;
      let disposed = false;
      return {
        signature,
        device,
        warnings: options.warnings,
        memoryBytes: source.bytes?.length,
        async doRun(feeds: TensorMap, runOptions: RunOptions): Promise<TensorMap> {
          if (disposed) throw new ServableError('DISPOSED', `fake runtime: expected a live model, got one that was disposed`);
          runs.push(feeds);
          const outputs = options.compute ? await options.compute(feeds, runOptions) : copyByPosition(signature, feeds);
          if (!runOptions.outputs) return outputs;
          return Object.fromEntries(runOptions.outputs.filter((name) => outputs[name]).map((name) => [name, outputs[name]!]));
        },
        dispose() {
          if (!disposed) live--;
          disposed = true;
        },
      };
    },
  };
  return runtime;
}
