import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
/** The built bin that every CLI test runs. */
export const BIN = join(ROOT, 'packages/cli/dist/bin.js');
/** The fixture models. */
export const MODELS = join(ROOT, 'fixtures/models');

const DEPENDENCIES = ['core', 'runtime-node', 'runtime-tfjs', 'server'];

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (!entry.name.endsWith('.test.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

function withLock(name: string, fn: () => void): void {
  const lock = join(tmpdir(), `servable-cli-build-lock-${name}`);
  const started = Date.now();
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (Date.now() - started > 120_000) rmSync(lock, { recursive: true, force: true });
      execFileSync(process.execPath, ['-e', 'setTimeout(() => {}, 250)']);
    }
  }
  try {
    fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function tsup(pkg: string): void {
  execFileSync(join(ROOT, 'node_modules/.bin/tsup'), [], { cwd: join(ROOT, 'packages', pkg), stdio: 'pipe' });
}

/**
 * Builds the packages the bin imports when their dist is missing, and the CLI when its dist is
 * missing or older than its sources (the root `pnpm test` builds everything first anyway).
 */
export function ensureBuilt(): void {
  for (const dep of DEPENDENCIES) {
    if (!existsSync(join(ROOT, 'packages', dep, 'dist/index.js'))) withLock(dep, () => existsSync(join(ROOT, 'packages', dep, 'dist/index.js')) || tsup(dep));
  }
  const stale = () => !existsSync(BIN) || statSync(BIN).mtimeMs < newestSource(join(ROOT, 'packages/cli/src'));
  if (stale()) withLock('cli', () => stale() && tsup('cli'));
}

/** What one run of the bin printed and how it ended. */
export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `node dist/bin.js ...args` and collects its output. */
export function runCli(args: readonly string[], options: { cwd?: string; env?: Record<string, string>; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd ?? ROOT,
      env: { ...process.env, CI: '1', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 50_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}
