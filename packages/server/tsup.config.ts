import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', 'inference-worker': 'src/worker/inference-worker.ts' },
  format: ['esm', 'cjs'],
  dts: { entry: { index: 'src/index.ts' } },
  clean: true,
  sourcemap: true,
  shims: true,
  target: 'node20',
  treeshake: true,
  external: ['esbuild'],
});
