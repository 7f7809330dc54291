import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ServableError, type ErrorCode } from '@servable/core';
import type { RuntimeChoice } from '../engines/runtime-chain.js';
import type { RunRuntimesOptions, RuntimeRun } from '../inspect/runtime-trial.js';

/** The job a child process runs: one runtime, loaded and measured as `runOne` does. */
export interface IsolatedJob {
  readonly path: string;
  readonly cwd: string;
  readonly choice: RuntimeChoice;
  readonly options: Pick<RunRuntimesOptions, 'seconds' | 'batches' | 'defaultBatches' | 'shapes'>;
}

/** What the child prints as its last stdout line. */
export type IsolatedAnswer = { readonly run: RuntimeRun } | { readonly error: { readonly code: string; readonly message: string } };

/**
 * Runtimes whose engine prints from native code straight to file descriptor 2: onnx-node's
 * WebGPU provider (Dawn, the Vulkan loader and Mesa write "Couldn't load Vulkan",
 * "XDG_RUNTIME_DIR is invalid" and adapter warnings). JavaScript cannot intercept those writes,
 * so `inspect`, `bench` and `doctor` run these runtimes in a child process and keep what they print.
 */
export function needsIsolation(choice: RuntimeChoice): boolean {
  return choice.name === 'onnx-node' && choice.device === 'webgpu';
}

/** Distinct lines of native output, without ANSI colours, stack frames or absolute paths. */
export function summarizeEngineOutput(text: string): string[] {
  const seen = new Set<string>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw
      .replace(/\u001b\[[0-9;]*m/g, '')
      .replace(/(^|[\s"'(=:[,])\/[^\s"'()[\],]*\/([^\s"'()[\],/]+)/g, '$1$2')
      .replace(/^\s*-\s*/, '')
      .trim();
    if (!line || /^at \w+/.test(line)) continue;
    seen.add(line);
  }
  return [...seen];
}

/** Where the built child entry lies: beside this module in `dist/`. */
export function isolatedChildEntry(): string | undefined {
  const file = fileURLToPath(new URL('./isolated-child.js', import.meta.url));
  return existsSync(file) ? file : undefined;
}

/** Longest a child may run: load time plus the measurement budget. */
function timeoutMs(job: IsolatedJob): number {
  const batches = job.options.batches?.length ?? job.options.defaultBatches.length;
  return 120_000 + job.options.seconds * 1000 * Math.max(1, batches);
}

/**
 * Runs one runtime's trial and measurement in a child Node process, with its stderr collected
 * instead of inherited. Resolves with the run; the trial carries `isolated: true` and what the
 * engine printed. A usage error found in the child (a `--shape` that does not fit) is thrown here
 * with its code.
 */
export async function runIsolated(job: IsolatedJob, entry: string): Promise<RuntimeRun> {
  const { spawn } = await import('node:child_process');
  const started = performance.now();
  return new Promise<RuntimeRun>((resolve, reject) => {
    const child = spawn(process.execPath, [entry], { stdio: ['pipe', 'pipe', 'pipe'], windowsHide: true });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs(job));
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new ServableError('RUNTIME_UNAVAILABLE', `${job.choice.name}:${job.choice.device}: expected a child process to run it in, got ${e.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const engineOutput = summarizeEngineOutput(stderr);
      let answer: IsolatedAnswer | undefined;
      try {
        answer = JSON.parse(stdout.trim().split('\n').pop() ?? '') as IsolatedAnswer;
      } catch {
        answer = undefined;
      }
      if (answer && 'error' in answer) {
        reject(new ServableError(answer.error.code as ErrorCode, answer.error.message));
        return;
      }
      if (!answer) {
        const why = timedOut ? `did not finish within ${Math.round(timeoutMs(job) / 1000)} s` : `ended without an answer (${signal ? `signal ${signal}` : `exit code ${code}`})`;
        const tail = engineOutput.slice(-3).join(' | ');
        resolve({
          trial: {
            runtime: job.choice.name,
            device: job.choice.device,
            status: 'failed',
            reason: `the child process that ran it ${why}${tail ? `; it printed: ${tail}` : ''}`,
            ms: performance.now() - started,
            isolated: true,
            engineOutput,
          },
        });
        return;
      }
      resolve({ ...answer.run, trial: { ...answer.run.trial, isolated: true, ...(engineOutput.length ? { engineOutput } : {}) } });
    });
    child.stdin.end(JSON.stringify(job));
  });
}
