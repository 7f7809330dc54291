import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { byteTokenizer, checkModelSize, createGenerator, loadModel, modelFolderBytes } from '@servable/core';
import { onnxNode } from '@servable/runtime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DECODER_DIR, readGolden } from './fixtures.js';

const PYTHON = '/usr/bin/python3';
const hasExporter = spawnSync(PYTHON, ['-c', 'import torch, onnx'], { stdio: 'ignore' }).status === 0;
const golden = readGolden();

// The exporter needs the Debian python3 with torch and onnx (see fixtures/README.md); nothing big is committed.
describe.skipIf(!hasExporter)('a decoder whose weights live in an external data file (exported at test time; needs /usr/bin/python3 with torch and onnx)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'servable-external-'));
    const run = spawnSync(PYTHON, [`${DECODER_DIR}export_decoder.py`, '--external-data', '--no-golden', '--out', dir], { encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`export_decoder.py failed: ${run.stderr}`);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps the weights out of the .onnx file', () => {
    const main = readFileSync(join(dir, 'decoder.onnx')).length;
    const data = readFileSync(join(dir, 'decoder.onnx.data')).length;
    expect(data).toBeGreaterThan(4 * main);
  });

  it('loads by path with its external data and decodes the same tokens as the single-file model', async () => {
    await using model = await loadModel(join(dir, 'decoder.onnx'), { runtimes: [onnxNode()] });
    const result = await createGenerator(model, { tokenizer: byteTokenizer({ eosTokenId: null }) }).generateText(golden.prompt, { maxTokens: golden.greedyTokens.length });
    expect(result.tokens).toEqual(golden.greedyTokens);
  });

  it('measures the folder with its external data and refuses it over a memory budget', async () => {
    const bytes = await modelFolderBytes(dir);
    expect(bytes).toBeGreaterThan(readFileSync(join(dir, 'decoder.onnx.data')).length);
    expect(() => checkModelSize(bytes, { maxBytes: bytes })).not.toThrow();
    expect(() => checkModelSize(bytes, { maxBytes: 64 * 1024, subject: 'model decoder' })).toThrow(expect.objectContaining({ code: 'MODEL_TOO_LARGE' }));
  });

  it('fails with a typed load error, not a crash, when only the bytes of the .onnx file are given', async () => {
    const bytes = readFileSync(join(dir, 'decoder.onnx'));
    await expect(loadModel(new Uint8Array(bytes), { runtimes: [onnxNode()] })).rejects.toMatchObject({ code: 'MODEL_LOAD_FAILED' });
  });
});
