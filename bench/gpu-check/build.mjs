// Bundles check.mjs with @servable/core and @servable/runtime-node into one ESM file for a GPU
// host, leaving onnxruntime-node external (the host's bundle from shared/gpu/make-bundle.sh
// provides it), and copies the ResNet-50 export script beside it.
//
//   (cd packages/core && npx tsup) && (cd packages/runtime-node && npx tsup)
//   node bench/gpu-check/build.mjs [--outdir .gpu/final]
import { copyFile, mkdir, stat } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { parseArgs } from '../lib/args.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const repo = resolve(here, '../..');
const { outdir } = parseArgs({ outdir: join(repo, '.gpu', 'final') });
const outfile = join(outdir, 'gpu-check.mjs');

for (const pkg of ['core', 'runtime-node']) {
  try {
    await stat(join(repo, 'packages', pkg, 'dist', 'index.js'));
  } catch {
    console.error(`packages/${pkg}/dist is missing — run (cd packages/${pkg} && npx tsup) first`);
    process.exit(1);
  }
}

await mkdir(outdir, { recursive: true });
const result = await build({
  entryPoints: [join(here, 'check.mjs')],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['onnxruntime-node'],
  outfile,
  metafile: true,
  legalComments: 'none',
  logLevel: 'warning',
});
await copyFile(join(here, 'export-resnet50.py'), join(outdir, 'export-resnet50.py'));
await copyFile(join(here, '..', 'lib', 'export_torchvision.py'), join(outdir, 'export_torchvision.py'));
const bytes = Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
console.log(`wrote ${relative(process.cwd(), outfile)} (${(bytes / 1024).toFixed(0)} KiB; onnxruntime-node external) and the ResNet-50 export script beside it`);
