import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, realpathSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let sourceBundle: Promise<string> | undefined;

async function bundleFromSources(source: string): Promise<string> {
  const cacheDir = fileURLToPath(new URL('../../node_modules/.cache/servable-server/', import.meta.url));
  const esbuild = (await import('esbuild')) as typeof import('esbuild');
  // Core is bundled from its sources too, so the worker never depends on core's build output.
  const corePackage = realpathSync(createRequire(import.meta.url).resolve('@servable/core/package.json'));
  const coreSource = join(dirname(corePackage), 'src', 'index.ts');
  const alias = existsSync(coreSource) ? { '@servable/core': coreSource } : undefined;
  const result = await esbuild.build({ entryPoints: [source], bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', alias, write: false, logLevel: 'silent' });
  const code = result.outputFiles[0]!.contents;
  const file = join(cacheDir, `inference-worker-${createHash('sha256').update(code).digest('hex').slice(0, 16)}.mjs`);
  if (!existsSync(file)) {
    mkdirSync(cacheDir, { recursive: true });
    const partial = `${file}.${process.pid}.tmp`;
    writeFileSync(partial, code);
    renameSync(partial, file);
  }
  return file;
}

/**
 * Finds the worker entry file: `inference-worker.js` beside the built package (dist). When the
 * package runs from its TypeScript sources (the workspace's tests), worker threads cannot load
 * TypeScript, so the entry is bundled with esbuild into `node_modules/.cache`, named by content.
 */
export async function locateWorkerEntry(): Promise<string> {
  for (const candidate of ['./inference-worker.js', './worker/inference-worker.js']) {
    const file = fileURLToPath(new URL(candidate, import.meta.url));
    if (existsSync(file)) return file;
  }
  const source = fileURLToPath(new URL('./inference-worker.ts', import.meta.url));
  if (existsSync(source)) return (sourceBundle ??= bundleFromSources(source));
  throw new Error(`inference worker: expected inference-worker.js beside ${fileURLToPath(import.meta.url)}, got none — rebuild @servable/server`);
}
