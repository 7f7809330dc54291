import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BIN, ensureBuilt, MODELS, runCli } from './helpers/built-cli.js';

/** Starts `servable serve` and resolves once it prints its URL. */
async function startServe(args: string[]) {
  const child = spawn(process.execPath, [BIN, 'serve', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "listening on" line; stdout: ${stdout} stderr: ${stderr}`)), 40_000);
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      const m = /listening on (https?:\/\/\S+)/.exec(stdout);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
  });
  return { url, stdout: () => stdout, stderr: () => stderr, stop: async () => (child.kill('SIGTERM'), exited) };
}

let repo: string;

beforeAll(() => {
  ensureBuilt();
  repo = mkdtempSync(join(tmpdir(), 'servable-serve-'));
  for (const [name, file] of [['add_one', 'add_one.onnx'], ['mlp', 'mlp.onnx']] as const) {
    mkdirSync(join(repo, name, '1'), { recursive: true });
    copyFileSync(join(MODELS, file), join(repo, name, '1', 'model.onnx'));
  }
}, 180_000);

describe('servable serve', () => {
  it('serves the repository on a random port, answers health and infer, and drains on SIGTERM with exit 0', async () => {
    const child = spawn(process.execPath, [BIN, 'serve', repo, '--port', '0', '--host', '127.0.0.1', '--grpc-port', '0', '--max-batch', '8', '--batch-delay-ms', '1'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no "listening on" line; stdout: ${stdout} stderr: ${stderr}`)), 40_000);
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        const m = /listening on (http:\/\/\S+)/.exec(stdout);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
    });
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    try {
      expect(stdout).toMatch(/^model\s+version\s+state\s+runtime\s+device\s+url$/m);
      expect(stdout).toMatch(new RegExp(`^add_one\\s+1\\s+READY\\s+onnx-node\\s+cpu\\s+${url}/v2/models/add_one/versions/1/infer$`, 'm'));
      expect(stdout).toMatch(/^mlp\s+1\s+READY/m);
      expect(stdout).toMatch(/\(gRPC on port [1-9]\d*\)/);
      const ready = await fetch(`${url}/v2/health/ready`);
      expect(ready.status).toBe(200);
      const infer = await fetch(`${url}/v2/models/add_one/infer`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ inputs: [{ name: 'x', shape: [1, 3], datatype: 'FP32', data: [1, 2, 3] }] }),
      });
      expect(infer.status).toBe(200);
      expect((await infer.json()).outputs[0]).toMatchObject({ name: 'y', shape: [1, 3], data: [2, 3, 4] });
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
    expect(stdout).toContain('drained and stopped');
  });

  it('falls back along --runtime and prints why an earlier runtime did not serve a model', async () => {
    const child = spawn(process.execPath, [BIN, 'serve', repo, '--port', '0', '--host', '127.0.0.1', '--runtime', 'onnx-node:cuda,onnx-node'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no "listening on" line; stdout: ${stdout} stderr: ${stderr}`)), 40_000);
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        if (stdout.includes('listening on')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    const device = /^add_one\s+1\s+READY\s+onnx-node\s+(\S+)/m.exec(stdout)![1];
    if (device === 'cpu') expect(stderr).toMatch(/^add_one@1: onnx-node\[cuda\] unavailable: .+/m);
    else expect(device).toMatch(/^cuda/);
  });

  it('enforces API keys made by keygen --api-key when given --auth, leaving health open', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'servable-auth-'));
    const made = await runCli(['keygen', '--api-key', '--id', 'tester', '--scope', 'infer:add_one']);
    expect(made.code, made.stderr).toBe(0);
    const entry = JSON.parse(made.stdout);
    expect(entry).toMatchObject({ id: 'tester', scopes: ['infer:add_one'] });
    expect(entry.hash).toMatch(/^scrypt\$/);
    const key = made.stderr.split('\n')[1]!.trim();
    expect(made.stdout).not.toContain(key);
    writeFileSync(join(dir, 'auth.json'), JSON.stringify({ apiKeys: [entry] }));
    const server = await startServe([repo, '--port', '0', '--host', '127.0.0.1', '--auth', join(dir, 'auth.json')]);
    try {
      expect(server.stdout()).toContain('access control on');
      expect((await fetch(`${server.url}/v2/health/ready`)).status).toBe(200);
      const body = JSON.stringify({ inputs: [{ name: 'x', shape: [1, 1], datatype: 'FP32', data: [1] }] });
      const headers = { 'content-type': 'application/json' };
      expect((await fetch(`${server.url}/v2/models/add_one/infer`, { method: 'POST', headers, body })).status).toBe(401);
      expect((await fetch(`${server.url}/v2/models/add_one/infer`, { method: 'POST', headers: { ...headers, 'x-api-key': key }, body })).status).toBe(200);
      expect((await fetch(`${server.url}/v2/models/mlp/infer`, { method: 'POST', headers: { ...headers, 'x-api-key': key }, body })).status).toBe(403);
    } finally {
      expect(await server.stop()).toBe(0);
    }
    const bad = await runCli(['keygen', '--api-key', '--id', 'x', '--scope', 'drive:all']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('flag --scope #1');
  });

  it('serves encrypted models with --key-file and reports them unavailable without it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'servable-sealed-'));
    mkdirSync(join(dir, 'plain', 'add_one', '1'), { recursive: true });
    copyFileSync(join(MODELS, 'add_one.onnx'), join(dir, 'plain', 'add_one', '1', 'model.onnx'));
    writeFileSync(join(dir, 'plain', 'add_one', '1', 'servable.json'), JSON.stringify({ schemaVersion: 1, name: 'add_one', version: '1', format: 'onnx', file: 'model.onnx' }));
    expect((await runCli(['keygen', '--out', 'k.txt'], { cwd: dir })).code).toBe(0);
    expect((await runCli(['encrypt', 'plain/add_one/1', '--key-file', 'k.txt', '--out', 'sealed/add_one/1'], { cwd: dir })).code).toBe(0);
    const withKey = await startServe([join(dir, 'sealed'), '--port', '0', '--host', '127.0.0.1', '--key-file', join(dir, 'k.txt')]);
    try {
      expect(withKey.stdout()).toMatch(/^add_one\s+1\s+READY/m);
      const reply = await fetch(`${withKey.url}/v2/models/add_one/infer`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ inputs: [{ name: 'x', shape: [1, 2], datatype: 'FP32', data: [1, 2] }] }) });
      expect((await reply.json()).outputs[0].data).toEqual([2, 3]);
    } finally {
      expect(await withKey.stop()).toBe(0);
    }
    const without = await startServe([join(dir, 'sealed'), '--port', '0', '--host', '127.0.0.1']);
    try {
      expect(without.stdout()).toMatch(/^add_one\s+1\s+UNAVAILABLE.*expected a decryption key/m);
    } finally {
      await without.stop();
    }
    const both = await runCli(['serve', join(dir, 'sealed'), '--key-file', 'a', '--key-env', 'B']);
    expect(both.code).toBe(2);
  });

  it('exits 3 for a repository that does not exist and 2 for a bad flag value', async () => {
    const missing = await runCli(['serve', join(repo, 'nope'), '--port', '0']);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain('model repository');
    const port = await runCli(['serve', repo, '--port', '99999']);
    expect(port.code).toBe(2);
    expect(port.stderr).toContain('flag --port: expected an integer from 0 to 65535, got "99999"');
    const runtime = await runCli(['serve', repo, '--runtime', 'onnx-node:tpu']);
    expect(runtime.code).toBe(2);
  });
});
