import type { Runtime } from '@servable/core';

/** The runtimes the page can switch between. */
export type RuntimeChoice = 'onnx-web' | 'tfjs';

/** What a choice loads: the model folder and the runtime chain, in order of preference. */
export interface RuntimePlan {
  readonly modelFolder: string;
  readonly runtimes: Runtime[];
}

/** Chosen with `?device=`: `webgpu` or `wasm` alone, or WebGPU with WebAssembly fallback (default). */
export type DevicePreference = 'auto' | 'webgpu' | 'wasm';

/**
 * Imports the chosen runtime package (each is a separate chunk, loaded only when chosen) and
 * builds its chain.
 * @throws Error when the package cannot be loaded here, with the reason
 */
export async function planFor(choice: RuntimeChoice, device: DevicePreference): Promise<RuntimePlan> {
  if (choice === 'onnx-web') {
    const { onnxWeb } = await import('@servable/runtime-web');
    const runtimes =
      device === 'auto' ? [onnxWeb({ device: 'webgpu' }), onnxWeb({ device: 'wasm' })] : [onnxWeb({ device })];
    return { modelFolder: 'models/mnist/1/', runtimes };
  }
  const mod = (await import('@servable/runtime-tfjs')) as Partial<typeof import('@servable/runtime-tfjs')> & { unavailableReason?: string };
  if (mod.unavailableReason || typeof mod.tfjs !== 'function') {
    throw new Error(mod.unavailableReason ?? '@servable/runtime-tfjs: expected it to export tfjs(), got a package without it');
  }
  const runtimes = device === 'wasm' ? [mod.tfjs({ backend: 'cpu' })] : [mod.tfjs({ backend: 'webgl' }), mod.tfjs({ backend: 'cpu' })];
  return { modelFolder: 'models/mnist-tfjs/1/', runtimes };
}
