import type { Ort } from './load-ort.js';

/** A 75-byte ONNX model (opset 13): `y = Identity(x)`, float32 [1]. Starts the engine without a user model. */
const IDENTITY_MODEL = new Uint8Array([
  8, 7, 18, 8, 115, 101, 114, 118, 97, 98, 108, 101, 58, 55, 10, 16, 10, 1, 120, 18, 1, 121, 34, 8, 73, 100, 101, 110, 116, 105, 116, 121, 18, 1, 112, 90, 15,
  10, 1, 120, 18, 10, 10, 8, 8, 1, 18, 4, 10, 2, 8, 1, 98, 15, 10, 1, 121, 18, 10, 10, 8, 8, 1, 18, 4, 10, 2, 8, 1, 66, 4, 10, 0, 16, 13,
]);

const started = new WeakMap<Ort, Map<string, Promise<void>>>();

/**
 * Starts onnxruntime-web's engine for a device, once per build and device: fetches and compiles
 * the WebAssembly, creates the execution provider, and runs a one-node model on it. Rejects with
 * the engine's own error when any step fails (missing files, no WebGPU device, …).
 */
export function startEngine(ort: Ort, device: 'webgpu' | 'wasm'): Promise<void> {
  let byDevice = started.get(ort);
  if (!byDevice) started.set(ort, (byDevice = new Map()));
  let p = byDevice.get(device);
  if (!p) {
    p = (async () => {
      const session = await ort.InferenceSession.create(IDENTITY_MODEL, { executionProviders: [device] });
      try {
        await session.run({ x: new ort.Tensor('float32', new Float32Array([1]), [1]) });
      } finally {
        await session.release();
      }
    })();
    p.catch(() => byDevice.delete(device));
    byDevice.set(device, p);
  }
  return p;
}
