import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkModelSize, modelFolderBytes } from './model-budget.js';

describe('checkModelSize', () => {
  it('passes a model within the budget and refuses one over it with MODEL_TOO_LARGE', () => {
    expect(() => checkModelSize(1000, { maxBytes: 1000 })).not.toThrow();
    expect(() => checkModelSize(3 * 2 ** 30, { maxBytes: 2 * 2 ** 30, subject: 'model llm@1' })).toThrow(/model llm@1: expected at most 2.00 GiB \(the memory budget\), got 3.00 GiB/);
    try {
      checkModelSize(2, { maxBytes: 1 });
    } catch (e) {
      expect(e).toMatchObject({ code: 'MODEL_TOO_LARGE' });
    }
    expect(() => checkModelSize(1, { maxBytes: 0 })).toThrow(/"maxBytes": expected a positive number/);
  });

  it('adds up a model folder with its external data, without reading the files', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'servable-budget-'));
    try {
      await writeFile(join(dir, 'model.onnx'), new Uint8Array(100));
      await mkdir(join(dir, 'data'));
      await writeFile(join(dir, 'data', 'weights.bin'), new Uint8Array(4096));
      expect(await modelFolderBytes(dir)).toBe(4196);
      await expect(modelFolderBytes(join(dir, 'missing'))).rejects.toMatchObject({ code: 'MODEL_NOT_FOUND' });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
