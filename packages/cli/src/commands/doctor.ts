import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { availableParallelism, cpus, homedir, tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { loadModel, type Runtime } from '@servable/core';
import type { CommandSpec } from '../cli/command.js';
import { EXIT_OK } from '../cli/exit-codes.js';
import { booleanOption } from '../cli/parse-command-line.js';
import { createRuntimes, RUNTIME_CATALOG, type RuntimeChoice } from '../engines/runtime-chain.js';
import { isolatedChildEntry, needsIsolation, runIsolated } from '../isolated/isolated-run.js';

/** `y = x + 1` over `[batch, n]` float32: the smallest model that proves a runtime works. */
const TINY_MODEL_BASE64 =
  'CAgSEXNlcnZhYmxlLWZpeHR1cmVzOmkKGQoBeAoDb25lEgF5GgdhZGRfb25lIgNBZGQSB2FkZF9vbmUqDRABQgNvbmVKBAAAgD9aGQoBeBIUChIIARIOCgcSBWJhdGNoCgMSAW5iGQoBeRIUChIIARIOCgcSBWJhdGNoCgMSAW5CBAoAEA0=';

/** One line of the doctor's report. */
export interface DoctorCheck {
  /** What was checked. */
  readonly check: string;
  /** `ok`, `missing` (absent, optional), or `failed`. */
  readonly status: 'ok' | 'missing' | 'failed';
  /** What was found, or why not, and how to get it. */
  readonly detail: string;
}

function findPackageDir(from: string, packageName: string): string | undefined {
  try {
    return dirname(createRequire(from).resolve(`${packageName}/package.json`));
  } catch {
    return undefined;
  }
}

function onnxRuntimeChecks(): DoctorCheck[] {
  const base = import.meta.url;
  const adapter = findPackageDir(base, '@servable/runtime-node');
  const ort = adapter ? findPackageDir(join(adapter, 'package.json'), 'onnxruntime-node') : undefined;
  if (!ort) {
    return [{ check: 'onnxruntime-node', status: 'missing', detail: 'not installed — pnpm add @servable/runtime-node (it brings onnxruntime-node)' }];
  }
  const version = (JSON.parse(readFileSync(join(ort, 'package.json'), 'utf8')) as { version: string }).version;
  const bin = join(ort, 'bin', 'napi-v6', process.platform, process.arch);
  const libs = existsSync(bin) ? readdirSync(bin) : [];
  const cudaLib = libs.find((f) => /onnxruntime_providers_cuda/.test(f));
  const driver = existsSync('/proc/driver/nvidia/version') ? readFileSync('/proc/driver/nvidia/version', 'utf8').split('\n')[0]!.trim() : undefined;
  return [
    { check: 'onnxruntime-node', status: 'ok', detail: `${version} (${bin})` },
    cudaLib
      ? { check: 'CUDA provider libraries', status: 'ok', detail: `${cudaLib} present` }
      : {
          check: 'CUDA provider libraries',
          status: 'missing',
          detail: 'not downloaded — reinstall with ONNXRUNTIME_NODE_INSTALL=cuda12 (or --onnxruntime-node-install=cuda12) and allow onnxruntime-node\'s install script to run',
        },
    driver ? { check: 'NVIDIA driver', status: 'ok', detail: driver } : { check: 'NVIDIA driver', status: 'missing', detail: 'no /proc/driver/nvidia/version: no NVIDIA GPU visible to this process' },
  ];
}

/**
 * Runs the test model on a runtime whose engine prints from native code (WebGPU: Dawn, Vulkan,
 * Mesa) in a child process, so that output lands in the detail instead of on the terminal.
 */
async function isolatedCheck(choice: RuntimeChoice, entry: string, label: string): Promise<DoctorCheck> {
  const dir = await mkdtemp(join(tmpdir(), 'servable-doctor-'));
  try {
    const path = join(dir, 'add-one.onnx');
    await writeFile(path, Buffer.from(TINY_MODEL_BASE64, 'base64'));
    const run = await runIsolated({ path, cwd: dir, choice, options: { seconds: 0.01, batches: [1], defaultBatches: [1], shapes: [] } }, entry);
    const printed = run.trial.engineOutput?.length ? `; its GPU stack printed (kept off stderr): ${run.trial.engineOutput.join(' | ')}` : '';
    if (run.trial.status !== 'loads') return { check: label, status: 'failed', detail: `${choice.name}[${choice.device}] ${run.trial.status}: ${run.trial.reason ?? ''}` };
    if (run.measurementError) return { check: label, status: 'failed', detail: `loaded a test model but its run failed: ${run.measurementError.message}${printed}` };
    return { check: label, status: 'ok', detail: `ran a test model on ${run.trial.servedDevice} (in a child process)${printed}` };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function runtimeCheck(runtime: Runtime, label: string): Promise<DoctorCheck> {
  if (runtime.formats.includes('onnx')) {
    try {
      const bytes = Uint8Array.from(Buffer.from(TINY_MODEL_BASE64, 'base64'));
      const model = await loadModel(bytes, { runtimes: [runtime] });
      try {
        const out = await model.run({ x: { dtype: 'float32', shape: [1, 2], data: new Float32Array([1, 2]) } });
        const y = out.y?.data as Float32Array | undefined;
        const ok = y?.[0] === 2 && y?.[1] === 3;
        return { check: label, status: ok ? 'ok' : 'failed', detail: ok ? `ran a test model on ${model.report.device}` : 'ran a test model but got wrong numbers' };
      } finally {
        await model.dispose();
      }
    } catch (e) {
      return { check: label, status: 'failed', detail: (e as Error).message.replace(/^model [^:]+: expected one of 1 runtime\(s\) to load it, got none — /, '') };
    }
  }
  const a = await runtime.probe();
  return a.available ? { check: label, status: 'ok', detail: a.detail ?? 'available' } : { check: label, status: 'failed', detail: a.reason };
}

function chromiumCheck(env: Readonly<Record<string, string | undefined>>): DoctorCheck {
  const roots = [env.PLAYWRIGHT_BROWSERS_PATH, join(homedir(), '.cache', 'ms-playwright')].filter((p): p is string => Boolean(p));
  for (const root of roots) {
    if (existsSync(root)) {
      const found = readdirSync(root).find((d) => d.startsWith('chromium'));
      if (found) return { check: 'Chromium (browser tests)', status: 'ok', detail: join(root, found) };
    }
  }
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    for (const name of ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable']) {
      if (dir && existsSync(join(dir, name))) return { check: 'Chromium (browser tests)', status: 'ok', detail: join(dir, name) };
    }
  }
  return { check: 'Chromium (browser tests)', status: 'missing', detail: 'not found — npx playwright install chromium, or apt-get install chromium' };
}

/** Runs every check of `servable doctor`. */
export async function runDoctorChecks(env: Readonly<Record<string, string | undefined>>): Promise<DoctorCheck[]> {
  const checks: DoctorCheck[] = [
    { check: 'Node.js', status: Number(process.versions.node.split('.')[0]) >= 20 ? 'ok' : 'failed', detail: `${process.version} on ${process.platform}-${process.arch} (Servable needs >= 20.19)` },
    { check: 'CPU threads', status: 'ok', detail: `${availableParallelism()} (${cpus()[0]?.model ?? 'unknown CPU'})` },
    ...onnxRuntimeChecks(),
  ];
  const child = isolatedChildEntry();
  for (const [name, entry] of Object.entries(RUNTIME_CATALOG)) {
    for (const device of entry.devices) {
      const label = name === 'onnx-node' ? `onnx-node ${device}${device === 'webgpu' ? ' (WebGPU adapter in Node)' : ''}` : `tfjs backend ${device}`;
      if (child && needsIsolation({ name, device })) {
        checks.push(await isolatedCheck({ name, device }, child, label));
        continue;
      }
      const [runtime] = await createRuntimes([{ name, device }], { quiet: true });
      checks.push(await runtimeCheck(runtime!, label));
    }
  }
  checks.push(chromiumCheck(env));
  return checks;
}

/** `servable doctor`: what this machine offers. */
export const doctorCommand: CommandSpec = {
  name: 'doctor',
  summary: 'Report what this machine offers: Node, CPU threads, onnxruntime-node, CUDA, WebGPU, tfjs backends, Chromium',
  description:
    'Checks the Node version and CPU threads, the installed onnxruntime-node and whether its CUDA provider libraries were\n' +
    'downloaded (and how to get them), then runs a tiny test model on each onnx-node device (cpu, cuda, webgpu) and probes\n' +
    'each tfjs backend, and looks for a Chromium for browser tests. Missing pieces are reported, not errors: exit code 0.',
  positionals: [],
  options: { json: { type: 'boolean', description: 'print JSON' } },
  examples: ['servable doctor', 'servable doctor --json'],
  async run(args, io) {
    const checks = await runDoctorChecks(io.env);
    if (booleanOption(args, 'json')) io.stdout.write(JSON.stringify({ checks }, null, 2) + '\n');
    else io.stdout.write(checks.map((c) => `${`[${c.status}]`.padEnd(10)}${c.check}: ${c.detail}`).join('\n') + '\n');
    return EXIT_OK;
  },
};
