import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { adapterAvailability } from './probe.js';
import { checkWebGpuAdapter, summarizeEngineOutput } from './webgpu-adapter-check.js';

const DAWN_OUTPUT = [
  'error: XDG_RUNTIME_DIR is invalid or not set in the environment.',
  'error: XDG_RUNTIME_DIR is invalid or not set in the environment.',
  'Warning: Vulkan shaderUniform*ArrayDynamicIndexing required.',
  ' - While initializing adapter (backend=BackendType::Vulkan)',
  '    at InitializeImpl (/build/Release/_deps/dawn-src/src/dawn/native/vulkan/PhysicalDeviceVk.cpp:253)',
  '\u001b[1;31m2026-01-01 [E:onnxruntime:, webgpu_context.cc:136] Failed to get a WebGPU adapter\u001b[m',
  '',
].join('\n');

describe('WebGPU adapter check', () => {
  it('keeps the distinct lines of what native code printed, without colours, stack frames or host paths', () => {
    expect(summarizeEngineOutput(DAWN_OUTPUT)).toEqual([
      'error: XDG_RUNTIME_DIR is invalid or not set in the environment.',
      'Warning: Vulkan shaderUniform*ArrayDynamicIndexing required.',
      'While initializing adapter (backend=BackendType::Vulkan)',
      '2026-01-01 [E:onnxruntime:, webgpu_context.cc:136] Failed to get a WebGPU adapter',
    ]);
  });

  it('puts the engine error and what the GPU stack printed in the reason', () => {
    const none = adapterAvailability({ ok: false, error: 'webgpu_context.cc:136 Failed to get a WebGPU adapter: No supported adapters', engineOutput: ["Couldn't load Vulkan"], ms: 120 });
    expect(none.available).toBe(false);
    expect((none as { reason: string }).reason).toMatch(/^expected a WebGPU adapter, got none: ".*No supported adapters" \(the GPU stack printed: Couldn't load Vulkan\) — WebGPU in Node needs/);
    const found = adapterAvailability({ ok: true, engineOutput: [], ms: 80 });
    expect(found).toEqual({ available: true, detail: 'WebGPU adapter opened by onnxruntime-node in 80 ms' });
  });

  it('opens the adapter in a child process and answers whether a session could be created', async () => {
    const result = await checkWebGpuAdapter(createRequire(import.meta.url).resolve('onnxruntime-node'));
    if (!result.ok) expect(result.error).toMatch(/adapter|webgpu|device/i);
    expect(result.ms).toBeGreaterThan(0);
  }, 40_000);

  it('reports a child that cannot load the engine instead of hanging', async () => {
    const result = await checkWebGpuAdapter('/nonexistent/onnxruntime-node.js');
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(/ended without an answer \(exit code 1\)/);
    expect(result.engineOutput.join('\n')).toContain('Cannot find module');
  });
});
