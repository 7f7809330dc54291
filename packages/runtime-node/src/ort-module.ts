import type * as Ort from 'onnxruntime-node';

/** The onnxruntime-node module. */
export type OrtModule = typeof Ort;

let loading: Promise<OrtModule> | undefined;

/**
 * Imports onnxruntime-node on first use, so that importing this package loads no native code
 * and a platform without the binding fails in `probe()` with a reason instead of at import.
 */
export function loadOrt(): Promise<OrtModule> {
  loading ??= import('onnxruntime-node').then((m) => {
    const mod = m as OrtModule & { default?: OrtModule };
    return typeof mod.InferenceSession === 'function' ? mod : (mod.default as OrtModule);
  });
  return loading;
}
