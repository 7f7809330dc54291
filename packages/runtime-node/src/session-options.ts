import type { RuntimeWarning } from '@servable/core';
import type { InferenceSession } from 'onnxruntime-node';
import { ONNX_NODE_LOG_LEVELS, type OnnxNodeDevice, type OnnxNodeOptions } from './onnx-node-options.js';

/** Session options for onnxruntime and the options that the device cannot honour. */
export interface BuiltSessionOptions {
  readonly sessionOptions: InferenceSession.SessionOptions;
  readonly warnings: readonly RuntimeWarning[];
}

/** The execution providers for a device. */
export function executionProvidersFor(device: OnnxNodeDevice, deviceId: number | undefined): InferenceSession.ExecutionProviderConfig[] {
  if (device === 'cuda') return [{ name: 'cuda', deviceId: deviceId ?? 0 }];
  if (device === 'webgpu') return ['webgpu'];
  return ['cpu'];
}

/**
 * Maps {@link OnnxNodeOptions} to onnxruntime `SessionOptions` (raw `sessionOptions` spread last)
 * and lists what the chosen device ignores.
 */
export function buildSessionOptions(options: OnnxNodeOptions): BuiltSessionOptions {
  const device = options.device ?? 'cpu';
  const warnings: RuntimeWarning[] = [];
  const built: InferenceSession.SessionOptions = { executionProviders: executionProvidersFor(device, options.deviceId) };
  if (options.threads !== undefined) built.intraOpNumThreads = options.threads;
  if (options.interOpThreads !== undefined) {
    built.interOpNumThreads = options.interOpThreads;
    const mode = options.sessionOptions?.executionMode ?? options.executionMode ?? 'sequential';
    if (mode !== 'parallel') {
      warnings.push({ type: 'unsupported', setting: 'interOpThreads', message: `interOpThreads takes effect only with executionMode: 'parallel'; it is ignored in ${mode} mode` });
    }
  }
  if (options.graphOptimization !== undefined) built.graphOptimizationLevel = options.graphOptimization;
  if (options.executionMode !== undefined) built.executionMode = options.executionMode;
  if (options.logLevel !== undefined) built.logSeverityLevel = ONNX_NODE_LOG_LEVELS.indexOf(options.logLevel) as 0 | 1 | 2 | 3 | 4;
  if (options.deviceId !== undefined && device !== 'cuda') {
    warnings.push({
      type: 'unsupported',
      setting: 'deviceId',
      message: device === 'cpu' ? 'deviceId is ignored on the cpu device' : 'deviceId is ignored on webgpu: onnxruntime-node picks the WebGPU adapter itself',
    });
  }
  return { sessionOptions: { ...built, ...options.sessionOptions }, warnings };
}
