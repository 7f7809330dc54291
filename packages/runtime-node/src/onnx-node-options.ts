import { ServableError } from '@servable/core';
import type { InferenceSession } from 'onnxruntime-node';

/** Devices onnxruntime-node can serve a model on. */
export type OnnxNodeDevice = 'cpu' | 'cuda' | 'webgpu';

/** Severities of onnxruntime's log, least severe first (index = onnxruntime's `logSeverityLevel`). */
export const ONNX_NODE_LOG_LEVELS = ['verbose', 'info', 'warning', 'error', 'fatal'] as const;

/** One of {@link ONNX_NODE_LOG_LEVELS}. */
export type OnnxNodeLogLevel = (typeof ONNX_NODE_LOG_LEVELS)[number];

/** Every device, for validation and messages. */
export const ONNX_NODE_DEVICES: readonly OnnxNodeDevice[] = ['cpu', 'cuda', 'webgpu'];

/**
 * Options of {@link onnxNode}. Every option is optional; `onnxNode()` serves on the CPU with
 * onnxruntime's defaults. Options a device cannot honour are passed through where harmless and
 * reported in `model.report.warnings` (`{ type: 'unsupported', setting }`), never silently dropped.
 */
export interface OnnxNodeOptions {
  /**
   * Execution provider. `cpu` (default) always works. `cuda` needs the CUDA provider libraries
   * of onnxruntime-node (install with `ONNXRUNTIME_NODE_INSTALL=cuda12`) plus CUDA 12 and cuDNN 9
   * on the host. `webgpu` uses the Dawn provider bundled on Linux, Windows and macOS and needs a
   * GPU adapter (Vulkan, D3D12 or Metal). When the device cannot start, loading fails with
   * `RUNTIME_UNAVAILABLE`, so a fallback chain moves on to the next runtime.
   */
  readonly device?: OnnxNodeDevice;
  /**
   * GPU ordinal. Honoured by `cuda` (default 0). Ignored with a warning by `cpu` and by `webgpu`,
   * which picks its adapter itself.
   */
  readonly deviceId?: number;
  /**
   * Threads used inside one operator (`intraOpNumThreads`). Honoured by every device for the
   * operators that run on the CPU: all of them on `cpu`, the few that fall back to the CPU on
   * `cuda` and `webgpu`. `0` or omitted lets onnxruntime use one thread per physical core.
   */
  readonly threads?: number;
  /**
   * Threads that run independent operators at once (`interOpNumThreads`). Honoured by every
   * device, but only with `executionMode: 'parallel'`; otherwise ignored with a warning.
   */
  readonly interOpThreads?: number;
  /**
   * Graph optimization level applied when the session is created (`graphOptimizationLevel`).
   * Honoured by every device. Default `all`.
   */
  readonly graphOptimization?: 'disabled' | 'basic' | 'extended' | 'all';
  /**
   * `sequential` (default) runs operators one after another; `parallel` runs independent branches
   * at once on `interOpThreads`. Honoured by `cpu`; `cuda` and `webgpu` accept it but gain little.
   */
  readonly executionMode?: 'sequential' | 'parallel';
  /**
   * The least severe of onnxruntime's own log lines that reach stderr (the session's
   * `logSeverityLevel`): `verbose`, `info`, `warning` (onnxruntime's default), `error` or `fatal`.
   * Engine failures reach the caller as a `ServableError` with the engine's message at any level,
   * so `fatal` keeps only their `[E:onnxruntime…]` duplicates off the terminal. Honoured by every
   * device.
   */
  readonly logLevel?: OnnxNodeLogLevel;
  /**
   * Raw onnxruntime `SessionOptions`, spread last over what the options above produce, so they win
   * (including `executionProviders`). For settings this API does not name, such as
   * `logSeverityLevel`, `enableCpuMemArena` or `freeDimensionOverrides`. Honoured as onnxruntime
   * documents each field.
   */
  readonly sessionOptions?: InferenceSession.SessionOptions;
}

function invalid(option: string, expected: string, received: unknown, fix: string): ServableError {
  return new ServableError('INVALID_ARGUMENT', `onnxNode option "${option}": expected ${expected}, got ${JSON.stringify(received) ?? String(received)} — ${fix}`, {
    details: { subject: option, expected, received: String(received), fix },
  });
}

function checkCount(option: string, value: unknown): void {
  if (value !== undefined && !(Number.isSafeInteger(value) && (value as number) >= 0)) {
    throw invalid(option, 'a non-negative integer', value, 'pass a whole number such as 4, or omit it for the default');
  }
}

/**
 * Validates options before any engine is touched.
 * @throws ServableError `INVALID_ARGUMENT` naming the first bad option
 */
export function validateOnnxNodeOptions(options: OnnxNodeOptions): void {
  if (typeof options !== 'object' || options === null) {
    throw invalid('(options)', 'an object such as { device: "cpu" }', options, 'pass an object or nothing');
  }
  if (options.device !== undefined && !ONNX_NODE_DEVICES.includes(options.device)) {
    throw invalid('device', ONNX_NODE_DEVICES.map((d) => `"${d}"`).join(' | '), options.device, 'pick one of the devices onnxruntime-node ships');
  }
  checkCount('deviceId', options.deviceId);
  checkCount('threads', options.threads);
  checkCount('interOpThreads', options.interOpThreads);
  const levels = ['disabled', 'basic', 'extended', 'all'];
  if (options.graphOptimization !== undefined && !levels.includes(options.graphOptimization)) {
    throw invalid('graphOptimization', levels.map((l) => `"${l}"`).join(' | '), options.graphOptimization, 'use one of the onnxruntime optimization levels');
  }
  if (options.executionMode !== undefined && options.executionMode !== 'sequential' && options.executionMode !== 'parallel') {
    throw invalid('executionMode', '"sequential" | "parallel"', options.executionMode, 'use "parallel" only for models with independent branches');
  }
  if (options.logLevel !== undefined && !ONNX_NODE_LOG_LEVELS.includes(options.logLevel)) {
    throw invalid('logLevel', ONNX_NODE_LOG_LEVELS.map((l) => `"${l}"`).join(' | '), options.logLevel, 'use "fatal" to keep onnxruntime quiet, "warning" for its default');
  }
  if (options.sessionOptions !== undefined && (typeof options.sessionOptions !== 'object' || options.sessionOptions === null)) {
    throw invalid('sessionOptions', 'an onnxruntime SessionOptions object', options.sessionOptions, 'pass an object or omit it');
  }
}
