import { ServableError } from '@servable/core';
import { sanitizeEngineMessage } from './engine-message.js';
import { CUDA_INSTALL_HINT, WEBGPU_HINT } from './install-hints.js';
import { loadFailureHint } from './load-failure-hints.js';
import type { OnnxNodeDevice } from './onnx-node-options.js';

const PROVIDER_LIBRARY_FAILURE = /failed to load (shared )?library|cannot open shared object|libonnxruntime_providers_|onnxruntime_providers_\w+\.dll|LoadLibrary|CUDA driver version|no CUDA-capable device|CUDA failure|cudaError|cuDNN|libcudart|libcublas/i;
const WEBGPU_FAILURE = /WebGPU adapter|No supported adapters|RequestAdapter|webgpu_context|Dawn|wgpu::/i;

/** What an engine message is about, and which folder paths to hide. */
export interface EngineFailureContext {
  /** The model, as reports name it (a base name or `name@version`). */
  readonly subject: string;
  /** The device asked for. */
  readonly device: OnnxNodeDevice;
  /** Paths that may appear in the engine's message. */
  readonly paths: readonly string[];
}

function messageOf(error: unknown): string {
  return (error as Error)?.message ?? String(error);
}

/**
 * Turns a failure to create a session into a `ServableError`: `RUNTIME_UNAVAILABLE` when the
 * device's engine could not start (missing CUDA provider libraries, no WebGPU adapter), so that a
 * fallback chain moves on; `MODEL_LOAD_FAILED` for everything about the model itself, with a fix
 * that fits what the engine said (`loadFailureHint`).
 * The engine's message is kept without host paths; the raw error is not attached as `cause`,
 * because its message names them.
 */
export function sessionCreateError(error: unknown, context: EngineFailureContext): ServableError {
  const engine = sanitizeEngineMessage(messageOf(error), context.paths);
  if (context.device === 'cuda' && PROVIDER_LIBRARY_FAILURE.test(engine)) {
    return new ServableError(
      'RUNTIME_UNAVAILABLE',
      `onnx-node device "cuda": expected the CUDA execution provider to start, got "${engine}" — ${CUDA_INSTALL_HINT}, or use onnxNode() for the CPU`,
      { details: { subject: 'cuda', expected: 'CUDA execution provider libraries', received: engine, fix: CUDA_INSTALL_HINT } },
    );
  }
  if (context.device === 'webgpu' && WEBGPU_FAILURE.test(engine)) {
    return new ServableError(
      'RUNTIME_UNAVAILABLE',
      `onnx-node device "webgpu": expected a WebGPU adapter, got "${engine}" — ${WEBGPU_HINT}, or use onnxNode() for the CPU`,
      { details: { subject: 'webgpu', expected: 'a WebGPU adapter', received: engine, fix: WEBGPU_HINT } },
    );
  }
  const hint = loadFailureHint(engine, context.device);
  return new ServableError('MODEL_LOAD_FAILED', `model ${context.subject}: expected an ONNX model onnxruntime can load, got an engine error: ${engine} — ${hint.fix}`, {
    details: { subject: context.subject, expected: 'a loadable ONNX model', received: engine, fix: hint.fix, kind: hint.kind },
  });
}

/** Turns an engine failure during a run into `INFERENCE_FAILED`, without host paths. */
export function runError(error: unknown, context: EngineFailureContext): ServableError {
  const engine = sanitizeEngineMessage(messageOf(error), context.paths);
  return new ServableError('INFERENCE_FAILED', `model ${context.subject}: expected the ${context.device} run to succeed, got an engine error: ${engine}`, {
    details: { subject: context.subject, received: engine },
  });
}
