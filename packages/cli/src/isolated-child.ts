/**
 * The child process of `runIsolated`: reads one job (JSON) from stdin, loads and measures the
 * model on that runtime as the parent would, and prints the outcome as one JSON line on stdout.
 * Whatever native code prints goes to this process's stderr, which the parent collects.
 */
import { ServableError } from '@servable/core';
import { runOne } from './inspect/runtime-trial.js';
import type { IsolatedAnswer, IsolatedJob } from './isolated/isolated-run.js';

async function readStdin(): Promise<string> {
  let text = '';
  for await (const chunk of process.stdin) text += String(chunk);
  return text;
}

async function answer(): Promise<IsolatedAnswer> {
  try {
    const job = JSON.parse(await readStdin()) as IsolatedJob;
    return { run: await runOne(job.path, job.choice, job.cwd, job.options) };
  } catch (e) {
    return { error: { code: ServableError.isInstance(e) ? e.code : 'INFERENCE_FAILED', message: (e as Error)?.message ?? String(e) } };
  }
}

process.stdout.write(`${JSON.stringify(await answer())}\n`);
