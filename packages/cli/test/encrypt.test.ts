import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDecryptor, loadModel, sha256Hex } from '@servable/core';
import { onnxNode } from '@servable/runtime-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, MODELS, runCli } from './helpers/built-cli.js';

let dir: string;

beforeAll(async () => {
  ensureBuilt();
  dir = mkdtempSync(join(tmpdir(), 'servable-encrypt-'));
  const folder = join(dir, 'add_one', '1');
  mkdirSync(folder, { recursive: true });
  copyFileSync(join(MODELS, 'add_one.onnx'), join(folder, 'model.onnx'));
  const sha256 = await sha256Hex(new Uint8Array(readFileSync(join(folder, 'model.onnx'))));
  writeFileSync(join(folder, 'servable.json'), JSON.stringify({ schemaVersion: 1, name: 'add_one', version: '1', format: 'onnx', file: 'model.onnx', sha256 }));
}, 180_000);

describe('servable keygen and encrypt', () => {
  it('writes a 0600 key file, encrypts a folder with it, and the result loads only with that key', async () => {
    const key = await runCli(['keygen', '--out', 'key.txt'], { cwd: dir });
    expect(key.code, key.stderr).toBe(0);
    const keyId = /key id: (k-[0-9a-f]{16})/.exec(key.stdout)![1]!;
    expect(statSync(join(dir, 'key.txt')).mode & 0o777).toBe(0o600);
    expect(Buffer.from(readFileSync(join(dir, 'key.txt'), 'utf8').trim(), 'base64')).toHaveLength(32);

    const again = await runCli(['keygen', '--out', 'key.txt'], { cwd: dir });
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('pass --force');

    const enc = await runCli(['encrypt', 'add_one/1', '--key-file', 'key.txt', '--out', 'sealed/add_one/1'], { cwd: dir });
    expect(enc.code, enc.stderr).toBe(0);
    expect(enc.stdout).toContain(`encrypted add_one@1 with key ${keyId}`);
    const manifest = JSON.parse(readFileSync(join(dir, 'sealed/add_one/1/servable.json'), 'utf8'));
    expect(manifest).toMatchObject({ file: 'model.onnx.enc', encryption: { algorithm: 'AES-256-GCM', keyId } });
    expect(readFileSync(join(dir, 'sealed/add_one/1/model.onnx.enc')).includes(readFileSync(join(MODELS, 'add_one.onnx')).subarray(20, 60))).toBe(false);

    const model = await loadModel(join(dir, 'sealed/add_one/1'), { runtimes: [onnxNode()], decrypt: createDecryptor({ file: join(dir, 'key.txt') }) });
    const out = await model.run({ x: { dtype: 'float32', shape: [1, 2], data: new Float32Array([1, 2]) } });
    expect(Array.from(out.y!.data as Float32Array)).toEqual([2, 3]);
    await model.dispose();

    writeFileSync(join(dir, 'x.json'), JSON.stringify([[1, 2]]));
    const sealed = await runCli(['predict', 'sealed/add_one/1', 'x.json', '--key-file', 'key.txt', '--json'], { cwd: dir });
    expect(sealed.code, sealed.stderr).toBe(0);
    expect(JSON.parse(sealed.stdout).outputs.y.data).toEqual([2, 3]);
    const noKey = await runCli(['predict', 'sealed/add_one/1', 'x.json'], { cwd: dir });
    expect(noKey.code).toBe(3);
    expect(noKey.stderr).toContain(`error MODEL_INTEGRITY: model "add_one": expected a decryption key for key id "${keyId}"`);
  });

  it('prints a key to stdout in hex when asked', async () => {
    const r = await runCli(['keygen', '--encoding', 'hex']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toMatch(/^[0-9a-f]{64}$/);
    expect(r.stderr).toMatch(/^key id: k-[0-9a-f]{16}$/m);
  });

  it('exits 2 without a usable key and 3 for a folder without a manifest', async () => {
    const none = await runCli(['encrypt', 'add_one/1'], { cwd: dir });
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('flag --key-file: expected a file holding the key');
    writeFileSync(join(dir, 'short.txt'), 'c2hvcnQ=');
    const short = await runCli(['encrypt', 'add_one/1', '--key-file', 'short.txt'], { cwd: dir });
    expect(short.code).toBe(2);
    expect(short.stderr).toContain('key file "short.txt"');
    mkdirSync(join(dir, 'bare'), { recursive: true });
    const bare = await runCli(['encrypt', 'bare', '--key-file', 'key.txt'], { cwd: dir });
    expect(bare.code).toBe(3);
    expect(bare.stderr).toContain('MODEL_NOT_FOUND');
  });
});
