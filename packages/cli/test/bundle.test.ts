import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, MODELS, ROOT } from './helpers/built-cli.js';

const DIST = join(ROOT, 'packages/cli/dist');

beforeAll(() => ensureBuilt(), 180_000);

describe('the built package', () => {
  it('loads as ESM and as CommonJS with the same exports', async () => {
    const esm = (await import(pathToFileURL(join(DIST, 'index.js')).href)) as Record<string, unknown>;
    const cjs = createRequire(import.meta.url)(join(DIST, 'index.cjs')) as Record<string, unknown>;
    expect(Object.keys(cjs).sort()).toEqual(Object.keys(esm).sort());
    for (const mod of [esm, cjs]) {
      const readOnnxModel = mod.readOnnxModel as (b: Uint8Array) => { opsets: unknown };
      expect(readOnnxModel(new Uint8Array(readFileSync(join(MODELS, 'mlp.onnx')))).opsets).toEqual([{ domain: '', version: 13 }]);
      expect((mod.COMMANDS as { name: string }[]).map((c) => c.name)).toEqual(['serve', 'predict', 'train', 'inspect', 'keygen', 'encrypt', 'bench', 'doctor']);
    }
  });

  it('ships the bin as an executable ESM file with a node shebang', () => {
    const bin = readFileSync(join(DIST, 'bin.js'), 'utf8');
    expect(bin.startsWith('#!/usr/bin/env node\n')).toBe(true);
    const pkg = JSON.parse(readFileSync(join(ROOT, 'packages/cli/package.json'), 'utf8')) as { bin: Record<string, string> };
    expect(pkg.bin.servable).toBe('./dist/bin.js');
  });
});
