import { resolve } from 'node:path';
import { loadModel, ServableError, type Model, type ModelFormat, type RuntimeAttempt } from '@servable/core';
import { createRuntimes, RUNTIME_CATALOG, type RuntimeChoice } from '../engines/runtime-chain.js';

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
}

/** A trial and, when it loaded, the model (the caller disposes it). */
export interface RuntimeTrialResult {
  readonly trial: RuntimeTrial;
  readonly model?: Model;
}

function fromAttempt(choice: RuntimeChoice, attempt: RuntimeAttempt | undefined, fallback: string): RuntimeTrial {
  const status = attempt?.status === 'unavailable' ? 'unavailable' : attempt?.status === 'skipped' ? 'skipped' : 'failed';
  return { runtime: choice.name, device: choice.device, status, reason: attempt?.reason ?? fallback, ms: attempt?.ms ?? 0 };
}

/**
 * Tries each runtime on its own (not as a fallback chain), so every reason is seen: a runtime
 * whose formats do not include the model's is skipped without importing it.
 */
export async function tryRuntimes(path: string, format: ModelFormat, choices: readonly RuntimeChoice[], cwd: string): Promise<RuntimeTrialResult[]> {
  const out: RuntimeTrialResult[] = [];
  for (const choice of choices) {
    const formats = RUNTIME_CATALOG[choice.name]!.formats;
    if (!formats.includes(format)) {
      out.push({ trial: { runtime: choice.name, device: choice.device, status: 'skipped', reason: `does not load ${format} models (loads ${formats.join(', ')})`, ms: 0 } });
      continue;
    }
    const started = performance.now();
    try {
      const model = await loadModel(resolve(cwd, path), { runtimes: await createRuntimes([choice]) });
      out.push({ trial: { runtime: choice.name, device: choice.device, status: 'loads', servedDevice: model.report.device, ms: performance.now() - started }, model });
    } catch (e) {
      if (!ServableError.isInstance(e)) throw e;
      if (e.code !== 'RUNTIME_UNAVAILABLE' && e.code !== 'MODEL_LOAD_FAILED') throw e;
      const attempts = e.details.attempts as RuntimeAttempt[] | undefined;
      out.push({ trial: fromAttempt(choice, attempts?.[0], e.message) });
    }
  }
  return out;
}
