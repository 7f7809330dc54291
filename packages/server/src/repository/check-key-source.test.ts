import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportModelKey, generateModelKey } from '@servable/core';
import { afterAll, describe, expect, it } from 'vitest';
import { createServer } from '../create-server.js';
import { checkKeySource } from './check-key-source.js';

const dir = mkdtempSync(join(tmpdir(), 'servable-key-source-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('checkKeySource', () => {
  it('refuses a placeholder in a key file when the server starts, without printing it', async () => {
    const file = join(dir, 'placeholder.key');
    writeFileSync(file, 'replace-with-the-output-of-servable-keygen\n');
    const failure = createServer({ repository: dir, inProcess: true, decrypt: { file } });
    await expect(failure).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(failure).rejects.toThrow(`createServer decrypt key file "${file}": expected a 32-byte model key as base64 (44 characters) or hex (64), got 42 characters that are not one — put the output of servable keygen there`);
    await expect(failure).rejects.not.toThrow(/replace-with/);
  });

  it('refuses a missing key file, an unset variable and a per-model placeholder', async () => {
    await expect(checkKeySource({ file: join(dir, 'absent.key') }, 'createServer decrypt')).rejects.toThrow(/expected a readable file holding a model key, got ENOENT/);
    await expect(checkKeySource({ env: 'SERVABLE_KEY_SOURCE_UNSET' }, 'createServer decrypt')).rejects.toThrow(/environment variable "SERVABLE_KEY_SOURCE_UNSET": expected a model key as base64 or hex, got nothing/);
    await expect(createServer({ repository: dir, inProcess: true, models: { mnist: { decrypt: { key: 'short' } } } })).rejects.toThrow(/^models\.mnist\.decrypt key: expected a 32-byte model key/);
  });

  it('accepts a real key as base64 or hex, and leaves function sources to load time', async () => {
    const key = generateModelKey();
    for (const encoding of ['base64', 'hex'] as const) {
      const file = join(dir, `${encoding}.key`);
      writeFileSync(file, `${(await exportModelKey(key, { encoding })).text}\n`);
      await expect(checkKeySource({ file }, 'createServer decrypt')).resolves.toBeUndefined();
    }
    await expect(checkKeySource(() => key, 'createServer decrypt')).resolves.toBeUndefined();
    await expect(checkKeySource(undefined, 'createServer decrypt')).resolves.toBeUndefined();
  });
});
