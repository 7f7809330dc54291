#!/usr/bin/env node
// Bundles generate-bench.ts (TypeScript sources of core, runtime-node and the server's generate
// routes, by alias) with esbuild, exports the 20M-parameter decoder if it is missing, and runs it.
//   node bench/generate/run.mjs     env: BENCH_TOKENS (64), BENCH_THREADS (2), BENCH_MODELS=tiny,20M
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = fileURLToPath(new URL('../../', import.meta.url));
const models = `${root}bench/models/decoder-20m`;
if (!existsSync(`${models}/decoder.onnx`)) {
  console.error('exporting the 20M-parameter decoder into bench/models/decoder-20m …');
  const run = spawnSync('/usr/bin/python3', [`${root}fixtures/decoder/export_decoder.py`, '--size', '20m', '--no-golden', '--out', models], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (run.status !== 0) console.error('export failed (needs /usr/bin/python3 with torch and onnx); the 20M rows will be skipped');
}
const outdir = `${root}bench/.bench-cache`;
mkdirSync(outdir, { recursive: true });
await build({
  entryPoints: [`${here}generate-bench.ts`],
  outfile: `${outdir}/generate-bench.mjs`,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['onnxruntime-node'],
  alias: {
    '@servable/core': `${root}packages/core/src/index.ts`,
    '@servable/runtime-node': `${root}packages/runtime-node/src/index.ts`,
  },
  logLevel: 'warning',
});
const result = spawnSync(process.execPath, [`${outdir}/generate-bench.mjs`], { stdio: 'inherit', cwd: root });
process.exit(result.status ?? 1);
