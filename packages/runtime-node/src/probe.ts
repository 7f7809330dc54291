import type { Availability } from '@servable/core';
import { sanitizeEngineMessage } from './engine-message.js';
import { CUDA_INSTALL_HINT, WEBGPU_HINT } from './install-hints.js';
import type { OnnxNodeDevice } from './onnx-node-options.js';
import { loadOrt, type OrtModule } from './ort-module.js';
import { checkWebGpuAdapter, type AdapterCheckResult } from './webgpu-adapter-check.js';

/** Where onnxruntime-node keeps its native binding and provider libraries on this platform. */
export async function onnxruntimeBinFolder(): Promise<string> {
  const { createRequire } = await import('node:module');
  const path = await import('node:path');
  const require = createRequire(import.meta.url);
  const root = path.dirname(require.resolve('onnxruntime-node/package.json'));
  return path.join(root, 'bin', 'napi-v6', process.platform, process.arch);
}

/** File name of the CUDA provider library on this platform (undefined where onnxruntime ships none). */
export function cudaProviderLibraryName(platform: string = process.platform, arch: string = process.arch): string | undefined {
  if (arch !== 'x64') return undefined;
  if (platform === 'linux') return 'libonnxruntime_providers_cuda.so';
  if (platform === 'win32') return 'onnxruntime_providers_cuda.dll';
  return undefined;
}

/**
 * Checks that the CUDA provider library sits next to the binding in `binFolder`.
 * Says nothing about the CUDA toolkit itself: a missing libcudart or cuDNN shows at load time.
 */
export async function probeCudaProviders(binFolder: string, platform: string = process.platform, arch: string = process.arch): Promise<Availability> {
  const library = cudaProviderLibraryName(platform, arch);
  if (!library) {
    return { available: false, reason: `onnxruntime-node ships CUDA providers for linux/x64 and win32/x64 only, this is ${platform}/${arch} — use onnxNode() or onnxNode({ device: 'webgpu' })` };
  }
  const fs = await import('node:fs/promises');
  const path = await import('node:path');
  try {
    await fs.access(path.join(binFolder, library));
    return { available: true, detail: `${library} found beside onnxruntime_binding.node` };
  } catch {
    return {
      available: false,
      reason: `CUDA provider libraries are missing: expected ${library} beside onnxruntime_binding.node in onnxruntime-node, got none (installs skip the CUDA download by default) — ${CUDA_INSTALL_HINT}`,
    };
  }
}

async function onnxruntimeEntry(): Promise<string> {
  const { createRequire } = await import('node:module');
  return createRequire(import.meta.url).resolve('onnxruntime-node');
}

/** The availability an adapter check gives: the engine's error and what Dawn printed go in the reason. */
export function adapterAvailability(check: AdapterCheckResult): Availability {
  const said = check.engineOutput.length ? ` (the GPU stack printed: ${check.engineOutput.join(' | ')})` : '';
  if (check.ok) return { available: true, detail: `WebGPU adapter opened by onnxruntime-node in ${check.ms.toFixed(0)} ms${said}` };
  const full = sanitizeEngineMessage(check.error ?? 'unknown error');
  // onnxruntime prefixes the reason with the failed C++ assertion; the reason is what a user needs.
  const engine = /Failed to get a WebGPU adapter.*/.exec(full)?.[0] ?? full;
  const reason = /No supported adapters|Failed to get a WebGPU adapter/i.test(engine)
    ? `expected a WebGPU adapter, got none: "${engine}"${said} — ${WEBGPU_HINT}; use onnxNode() for the CPU`
    : `expected onnxruntime-node to open a WebGPU device, got "${engine}"${said} — ${WEBGPU_HINT}; use onnxNode() for the CPU`;
  return { available: false, reason };
}

async function probeWebGpu(ort: OrtModule): Promise<Availability> {
  const backends = typeof ort.listSupportedBackends === 'function' ? ort.listSupportedBackends() : [];
  if (!backends.some((b) => b.name === 'webgpu')) {
    const names = backends.map((b) => b.name).join(', ') || 'none';
    return { available: false, reason: `onnxruntime-node on ${process.platform}/${process.arch}: expected the webgpu provider among its backends, got ${names} — ${WEBGPU_HINT}; use onnxNode() for the CPU` };
  }
  return adapterAvailability(await checkWebGpuAdapter(await onnxruntimeEntry()));
}

/**
 * Probes one device: loads onnxruntime-node, then checks what the device needs (`cuda`: the
 * provider library on disk; `webgpu`: the bundled provider and an adapter opened in a child process).
 */
export async function probeDevice(device: OnnxNodeDevice): Promise<Availability> {
  let ort: OrtModule;
  try {
    ort = await loadOrt();
  } catch (e) {
    return {
      available: false,
      reason: `onnxruntime-node could not be loaded on ${process.platform}/${process.arch} (${sanitizeEngineMessage(String((e as Error)?.message ?? e).split('\n')[0] ?? '')}) — reinstall it for this platform`,
    };
  }
  const version = (ort.env?.versions as { node?: string } | undefined)?.node;
  if (device === 'cuda') return probeCudaProviders(await onnxruntimeBinFolder());
  if (device === 'webgpu') return await probeWebGpu(ort);
  return { available: true, detail: `onnxruntime-node${version ? ` ${version}` : ''} on ${process.platform}/${process.arch}` };
}
