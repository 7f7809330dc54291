import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, ROOT, runCli } from './helpers/built-cli.js';

const COMMANDS = ['serve', 'predict', 'train', 'inspect', 'keygen', 'encrypt', 'bench', 'doctor'];

beforeAll(() => ensureBuilt(), 180_000);

describe('servable (the built bin)', () => {
  it('lists every command and the exit codes in --help', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    for (const c of COMMANDS) expect(r.stdout).toMatch(new RegExp(`^  ${c} `, 'm'));
    expect(r.stdout).toMatch(/Exit codes:\n  0  success\n  1  runtime failure.*\n  2  usage error.*\n  3  model or integrity error/);
  });

  it('gives every command its own --help with usage, flags and exit codes', async () => {
    for (const c of COMMANDS) {
      const r = await runCli([c, '--help']);
      expect(r.code, c).toBe(0);
      expect(r.stdout, c).toContain(`Usage: servable ${c}`);
      expect(r.stdout, c).toContain('-h, --help');
      expect(r.stdout, c).toContain('Exit codes:');
    }
    const serve = await runCli(['help', 'serve']);
    expect(serve.stdout).toContain('--grpc-port PORT');
    expect(serve.stdout).toContain('(default: 8000)');
  });

  it('prints the package version', async () => {
    const version = (JSON.parse(readFileSync(join(ROOT, 'packages/cli/package.json'), 'utf8')) as { version: string }).version;
    const r = await runCli(['--version']);
    expect(r.stdout.trim()).toBe(version);
  });

  it('exits 2 on usage errors and names what was wrong', async () => {
    const unknown = await runCli(['serv']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('command "serv": expected one of serve, predict');
    const flag = await runCli(['inspect', 'x.onnx', '--jsn']);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(/flag --jsn: expected one of --json, --runtime, --batch, --seconds, --shape, got an unknown flag/);
    const missing = await runCli(['predict', 'model.onnx']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('expected <model> <input>, got no <input>');
    const none = await runCli([]);
    expect(none.code).toBe(2);
    expect(none.stdout).toContain('Usage: servable <command>');
  });
});
