import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const dist = fileURLToPath(new URL('../dist/', import.meta.url));
const mlp = fileURLToPath(new URL('../../../fixtures/models/mlp.onnx', import.meta.url));
const built = existsSync(`${dist}index.js`) && existsSync(`${dist}index.cjs`);

type Built = typeof import('../src/index.js');

async function loadAndRun(pkg: Built): Promise<number> {
  const runtime = pkg.onnxNode();
  expect(await runtime.probe()).toMatchObject({ available: true });
  const model = await runtime.doLoad({ format: 'onnx', path: mlp, readSibling: () => Promise.reject(new Error('none')) }, {});
  try {
    const out = await model.doRun({ pixels: { dtype: 'float32', shape: [1, 28, 28], data: new Float32Array(784).fill(0.5) } }, {});
    return Array.from(out.probabilities!.data as Float32Array).reduce((a, b) => a + b, 0);
  } finally {
    await model.dispose();
  }
}

// The built files exist after `pnpm run build` (the workspace's test script builds first).
describe.runIf(built)('built @servable/runtime-node', () => {
  it('loads and runs a model from the ESM build', async () => {
    const esm = (await import(/* @vite-ignore */ `${dist}index.js`)) as Built;
    expect(await loadAndRun(esm)).toBeCloseTo(1, 5);
  });

  it('loads and runs a model from the CJS build, which finds the provider folder without import.meta', async () => {
    const cjs = createRequire(import.meta.url)(`${dist}index.cjs`) as Built;
    expect(await loadAndRun(cjs)).toBeCloseTo(1, 5);
    const cuda = await cjs.onnxNode({ device: 'cuda' }).probe();
    if (!cuda.available && process.platform === 'linux' && process.arch === 'x64') expect(cuda.reason).toContain('libonnxruntime_providers_cuda');
  });
});
