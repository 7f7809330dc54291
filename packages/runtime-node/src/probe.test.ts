import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkWebGpuAdapter } from './webgpu-adapter-check.js';
import { cudaProviderLibraryName, onnxruntimeBinFolder, probeCudaProviders, probeDevice } from './probe.js';

describe('probe', () => {
  it('finds the CUDA provider library beside the binding, and explains how to get it when it is missing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'servable-probe-'));
    try {
      const missing = await probeCudaProviders(dir, 'linux', 'x64');
      expect(missing.available).toBe(false);
      expect((missing as { reason: string }).reason).toMatch(/CUDA provider libraries are missing.*ONNXRUNTIME_NODE_INSTALL=cuda12/);
      await writeFile(join(dir, 'libonnxruntime_providers_cuda.so'), '');
      expect((await probeCudaProviders(dir, 'linux', 'x64')).available).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('says where onnxruntime ships no CUDA providers at all', async () => {
    expect(cudaProviderLibraryName('darwin', 'arm64')).toBeUndefined();
    expect(cudaProviderLibraryName('win32', 'x64')).toBe('onnxruntime_providers_cuda.dll');
    const mac = await probeCudaProviders('/nowhere', 'darwin', 'arm64');
    expect((mac as { reason: string }).reason).toContain('darwin/arm64');
  });

  it('locates the binding folder of the installed onnxruntime-node', async () => {
    const { access } = await import('node:fs/promises');
    await expect(access(join(await onnxruntimeBinFolder(), 'onnxruntime_binding.node'))).resolves.toBeUndefined();
  });

  it('finds cpu available, and webgpu available exactly when the binding lists it and a child process opens an adapter', async () => {
    expect(await probeDevice('cpu')).toMatchObject({ available: true });
    const { listSupportedBackends } = await import('onnxruntime-node');
    const listed = listSupportedBackends().some((b) => b.name === 'webgpu');
    const opened = listed && (await checkWebGpuAdapter(createRequire(import.meta.url).resolve('onnxruntime-node'))).ok;
    const webgpu = await probeDevice('webgpu');
    expect(webgpu.available).toBe(opened);
    if (!webgpu.available) expect(webgpu.reason).toMatch(/WebGPU/);
  }, 60_000);
});
