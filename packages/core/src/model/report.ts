import type { ModelFormat } from './manifest.js';
import type { RuntimeWarning } from './runtime.js';

/** What happened to one runtime of the chain. */
export interface RuntimeAttempt {
  /** Runtime name. */
  readonly runtime: string;
  /** Device asked for. */
  readonly device: string;
  /**
   * `selected` serves the model; `unavailable` failed its probe or its engine could not start;
   * `failed` could not load this model; `skipped` does not load this format or contract version;
   * `not-tried` came after the selected one.
   */
  readonly status: 'selected' | 'unavailable' | 'failed' | 'skipped' | 'not-tried';
  /** Why it was not selected. */
  readonly reason?: string;
  /** Error code, where the failure had one. */
  readonly code?: string;
  /** Milliseconds spent on it. */
  readonly ms: number;
}

/** How a model was loaded: which runtime serves it and why the earlier ones do not. */
export interface ModelReport {
  /** The model, as a name or URL (never a host path). */
  readonly source: string;
  /** Format loaded. */
  readonly format: ModelFormat;
  /** Runtime that serves the model. */
  readonly runtime: string;
  /** Device that serves it, as the runtime reports it. */
  readonly device: string;
  /** Every runtime of the chain, in order. */
  readonly attempts: readonly RuntimeAttempt[];
  /**
   * Options or features the serving runtime could not honour, and, added once each as they are
   * noticed, inputs that `predict` took but that look mistaken (an 8-bit image into a float
   * input without scaling).
   */
  readonly warnings: readonly RuntimeWarning[];
  /** Whether the manifest's sha256 was checked. */
  readonly integrityChecked: boolean;
  /** Whether the model was decrypted in memory. */
  readonly decrypted: boolean;
  /** Memory the model holds, where the runtime knows it. */
  readonly memoryBytes?: number;
  /** Total load time. */
  readonly loadMs: number;
}

/**
 * Adds a warning noticed after loading (by the pipeline at predict time) to the report's
 * `warnings`, once: a warning with the same setting and message is not added again.
 */
export function addReportWarning(report: ModelReport, warning: RuntimeWarning): void {
  const list = report.warnings as RuntimeWarning[];
  if (!Array.isArray(list) || !Object.isExtensible(list)) return;
  if (list.some((w) => w.setting === warning.setting && w.message === warning.message)) return;
  list.push(warning);
}

/** A few lines for people: `onnx-node (cpu) — onnx-node[cuda] unavailable: …`. */
export function formatReport(report: ModelReport): string {
  const lines = [`${report.source}: served by ${report.runtime} on ${report.device} (${report.loadMs.toFixed(0)} ms)`];
  for (const a of report.attempts) {
    if (a.status === 'selected') continue;
    lines.push(`  ${a.runtime}[${a.device}] ${a.status}${a.reason ? `: ${a.reason}` : ''}`);
  }
  for (const w of report.warnings) lines.push(`  warning${w.setting ? ` (${w.setting})` : ''}: ${w.message}`);
  return lines.join('\n');
}
