import { resolve } from 'node:path';
import { loadModel, ServableError, type ModelFormat, type ModelSignature, type RuntimeAttempt } from '@servable/core';
import { createRuntimes, RUNTIME_CATALOG, type RuntimeChoice } from '../engines/runtime-chain.js';
import { measureModel, type BatchMeasurement } from '../measure/measure-model.js';
import { planSyntheticInputs, type ShapeOverride, type SyntheticInputPlan } from '../measure/synthetic-shapes.js';

/** What happened when one runtime tried to load the model on this machine. */
export interface RuntimeTrial {
  readonly runtime: string;
  /** Device asked for. */
  readonly device: string;
  /** `loads`: it loaded the model; `unavailable`: it cannot start here; `failed`: it started but refused the model; `skipped`: wrong format. */
  readonly status: 'loads' | 'unavailable' | 'failed' | 'skipped';
  /** Why it did not load, in the runtime's words. */
  readonly reason?: string;
  /** Device that serves the model, as the runtime reports it. */
  readonly servedDevice?: string;
  /** Milliseconds the attempt took. */
  readonly ms: number;
  /** Whether it ran in a child process, whose stderr (native engine output) was kept off this terminal. */
  readonly isolated?: boolean;
  /** What native code printed while it ran in a child process: distinct lines. */
  readonly engineOutput?: readonly string[];
}

/** Why measuring a runtime that loaded the model failed. */
export interface MeasurementFailure {
  readonly code: string;
  readonly message: string;
  /** The synthetic input shapes of the run that failed. */
  readonly shapes: Readonly<Record<string, readonly number[]>>;
}

/** One runtime's trial, and its measurements when it loaded the model and measuring was asked for. */
export interface RuntimeRun {
  readonly trial: RuntimeTrial;
  /** The signature the engine reports (when it loaded the model). */
  readonly signature?: ModelSignature;
  readonly measurements?: readonly BatchMeasurement[];
  /** The shapes the first measured batch size ran with. */
  readonly shapes?: Readonly<Record<string, readonly number[]>>;
  /** How the synthetic inputs were sized: the batch dimensions and the size of every other symbolic one. */
  readonly inputPlan?: Pick<SyntheticInputPlan, 'batchDims' | 'dims' | 'batches'>;
  readonly measurementError?: MeasurementFailure;
}

/** What {@link runRuntimes} measures. */
export interface RunRuntimesOptions {
  /** Seconds per batch size; 0 loads the model only. */
  readonly seconds: number;
  /** `--batch`, or `undefined` when not given. */
  readonly batches: readonly number[] | undefined;
  /** Batch sizes measured when `--batch` was not given. */
  readonly defaultBatches: readonly number[];
  readonly shapes: readonly ShapeOverride[];
  /** Runs a choice in a child process instead of here (see `runIsolated`); `undefined` runs everything here. */
  readonly isolate?: (choice: RuntimeChoice) => Promise<RuntimeRun> | undefined;
  /** Called before each runtime starts and after each batch size it measures. */
  readonly onProgress?: (choiceIndex: number, done: number, total: number, last?: BatchMeasurement) => void;
}

function fromAttempt(choice: RuntimeChoice, attempt: RuntimeAttempt | undefined, fallback: string): RuntimeTrial {
  const status = attempt?.status === 'unavailable' ? 'unavailable' : attempt?.status === 'skipped' ? 'skipped' : 'failed';
  return { runtime: choice.name, device: choice.device, status, reason: attempt?.reason ?? fallback, ms: attempt?.ms ?? 0 };
}

/**
 * Tries each runtime on its own (not as a fallback chain), so every reason is seen, and measures
 * each one that loads the model before the next is tried, disposing it afterwards. A runtime whose
 * formats do not include the model's is skipped without importing it. onnxruntime's own log lines
 * are turned off (`logLevel: 'fatal'`): its failures arrive as errors and are reported here.
 * A measurement that fails is kept with its reason; the other runtimes are still measured.
 */
export async function runRuntimes(path: string, format: ModelFormat, choices: readonly RuntimeChoice[], cwd: string, options: RunRuntimesOptions): Promise<RuntimeRun[]> {
  const out: RuntimeRun[] = [];
  for (const [index, choice] of choices.entries()) {
    const formats = RUNTIME_CATALOG[choice.name]!.formats;
    if (!formats.includes(format)) {
      out.push({ trial: { runtime: choice.name, device: choice.device, status: 'skipped', reason: `does not load ${format} models (loads ${formats.join(', ')})`, ms: 0 } });
      continue;
    }
    options.onProgress?.(index, 0, 1);
    const isolated = options.isolate?.(choice);
    if (isolated) {
      out.push(await isolated);
      continue;
    }
    out.push(await runOne(path, choice, cwd, options, (done, total, last) => options.onProgress?.(index, done, total, last)));
  }
  return out;
}

/** Loads the model on one runtime here, measures it, and disposes it. */
export async function runOne(path: string, choice: RuntimeChoice, cwd: string, options: RunRuntimesOptions, onProgress?: (done: number, total: number, last: BatchMeasurement) => void): Promise<RuntimeRun> {
  const started = performance.now();
  let model;
  try {
    model = await loadModel(resolve(cwd, path), { runtimes: await createRuntimes([choice], { quiet: true }) });
  } catch (e) {
    if (!ServableError.isInstance(e)) throw e;
    if (e.code !== 'RUNTIME_UNAVAILABLE' && e.code !== 'MODEL_LOAD_FAILED') throw e;
    const attempts = e.details.attempts as RuntimeAttempt[] | undefined;
    return { trial: fromAttempt(choice, attempts?.[0], e.message) };
  }
  const trial: RuntimeTrial = { runtime: choice.name, device: choice.device, status: 'loads', servedDevice: model.report.device, ms: performance.now() - started };
  try {
    const signature = model.signature;
    if (options.seconds <= 0) return { trial, signature };
    // A --shape that does not fit the engine's signature is a usage error: it propagates.
    const plan = planSyntheticInputs(signature, options.shapes, options.batches, options.defaultBatches);
    let shapes = plan.shapesFor(plan.batches[0]!);
    const inputPlan = { batchDims: plan.batchDims, dims: plan.dims, batches: plan.batches };
    try {
      const measurements = await measureModel(model, {
        plan,
        seconds: options.seconds,
        onProgress: (done, total, last) => {
          shapes = plan.shapesFor(plan.batches[Math.min(done, plan.batches.length - 1)]!);
          onProgress?.(done, total, last);
        },
      });
      return { trial, signature, measurements, shapes: plan.shapesFor(plan.batches[0]!), inputPlan };
    } catch (e) {
      const code = ServableError.isInstance(e) ? e.code : 'INFERENCE_FAILED';
      return { trial, signature, inputPlan, measurementError: { code, message: (e as Error)?.message ?? String(e), shapes } };
    }
  } finally {
    await model.dispose();
  }
}
