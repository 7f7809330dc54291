import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RuntimeModuleSpec } from '../../src/runtime/runtime-spec.js';

/** The workspace's fixture models. */
export const FIXTURES = fileURLToPath(new URL('../../../../fixtures/models/', import.meta.url));

let runtimeBundle: Promise<RuntimeModuleSpec> | undefined;

/**
 * The ONNX runtime as worker threads load it: worker threads do not see vitest's aliases and
 * cannot load TypeScript, so the runtime package's sources are bundled once with esbuild
 * (`@servable/core` and `onnxruntime-node` stay external, resolved from this package).
 */
export function workerRuntime(): Promise<RuntimeModuleSpec> {
  runtimeBundle ??= (async () => {
    const esbuild = await import('esbuild');
    const result = await esbuild.build({
      entryPoints: [fileURLToPath(new URL('../../../runtime-node/src/index.ts', import.meta.url))],
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      alias: { '@servable/core': fileURLToPath(new URL('../../../core/src/index.ts', import.meta.url)) },
      write: false,
      logLevel: 'silent',
    });
    const code = result.outputFiles[0]!.contents;
    const cacheDir = fileURLToPath(new URL('../../node_modules/.cache/servable-server/', import.meta.url));
    const file = join(cacheDir, `runtime-node-${createHash('sha256').update(code).digest('hex').slice(0, 16)}.mjs`);
    if (!existsSync(file)) {
      mkdirSync(cacheDir, { recursive: true });
      const partial = `${file}.${process.pid}.tmp`;
      writeFileSync(partial, code);
      renameSync(partial, file);
    }
    return { module: file, factory: 'onnxNode' };
  })();
  return runtimeBundle;
}

/** A temporary model repository. */
export interface TestRepository {
  readonly root: string;
  /** Adds `<model>/<version>/model.onnx` copied from a fixture, with an optional manifest. */
  addVersion(model: string, version: string, fixture: string, manifest?: Record<string, unknown>): string;
  /** Writes `<model>/config.json`. */
  writeConfig(model: string, config: Record<string, unknown>): void;
  remove(): void;
}

/** Creates an empty temporary repository. */
export function createTestRepository(): TestRepository {
  const root = mkdtempSync(join(tmpdir(), 'servable-repo-'));
  return {
    root,
    addVersion(model, version, fixture, manifest) {
      const staging = mkdtempSync(join(root, '.staging-'));
      cpSync(join(FIXTURES, fixture), join(staging, 'model.onnx'));
      if (manifest) writeFileSync(join(staging, 'servable.json'), JSON.stringify({ schemaVersion: 1, name: model, version, format: 'onnx', file: 'model.onnx', ...manifest }));
      mkdirSync(join(root, model), { recursive: true });
      const target = join(root, model, version);
      cpSync(staging, target, { recursive: true });
      rmSync(staging, { recursive: true, force: true });
      return target;
    },
    writeConfig(model, config) {
      mkdirSync(join(root, model), { recursive: true });
      writeFileSync(join(root, model, 'config.json'), JSON.stringify(config));
    },
    remove() {
      rmSync(root, { recursive: true, force: true });
    },
  };
}
