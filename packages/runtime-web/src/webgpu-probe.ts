import { isNode } from './environment.js';

/** The few members of a WebGPU adapter the runtime reads. */
export interface GpuAdapterLike {
  readonly features: { has(name: string): boolean };
  readonly info?: { readonly vendor?: string; readonly architecture?: string; readonly device?: string; readonly description?: string };
}

interface GpuLike {
  requestAdapter(options?: { powerPreference?: 'high-performance' | 'low-power' }): Promise<GpuAdapterLike | null>;
}

/** What {@link probeWebGpu} found: an adapter, or the reason there is none. */
export type WebGpuProbe = { readonly ok: true; readonly adapter: GpuAdapterLike; readonly description: string } | { readonly ok: false; readonly reason: string };

/** `vendor architecture (description)` of an adapter, as far as the browser tells. */
export function describeAdapter(adapter: GpuAdapterLike): string {
  const info = adapter.info;
  const parts = [info?.vendor, info?.architecture, info?.device].filter((s): s is string => Boolean(s));
  const text = parts.join(' ') || 'unnamed adapter';
  return info?.description ? `${text} (${info.description})` : text;
}

/** Asks the platform for a WebGPU adapter without loading onnxruntime-web. */
export async function probeWebGpu(): Promise<WebGpuProbe> {
  if (isNode()) {
    return { ok: false, reason: 'WebGPU: expected a browser, got Node — onnxruntime-web runs WebAssembly only in Node; use @servable/runtime-node for GPU inference there' };
  }
  const gpu = (globalThis as { navigator?: { gpu?: GpuLike } }).navigator?.gpu;
  if (!gpu) {
    const secure = (globalThis as { isSecureContext?: boolean }).isSecureContext;
    return {
      ok: false,
      reason: `WebGPU: expected navigator.gpu, got none — ${secure === false ? 'the page is not a secure context (serve it over https or from localhost)' : 'this browser has WebGPU off or does not support it'}`,
    };
  }
  let adapter: GpuAdapterLike | null;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (cause) {
    return { ok: false, reason: `WebGPU: expected an adapter, got an error from requestAdapter(): ${(cause as Error)?.message ?? String(cause)}` };
  }
  if (!adapter) {
    return { ok: false, reason: 'WebGPU: expected an adapter, got none from navigator.gpu.requestAdapter() — no usable GPU (or GPU blocklisted / disabled in this browser)' };
  }
  return { ok: true, adapter, description: describeAdapter(adapter) };
}
