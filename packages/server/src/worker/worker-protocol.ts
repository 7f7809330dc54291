import type { ModelManifest, ModelReport, ModelSignature, TensorMap } from '@servable/core';

/** A model key source that can cross into a worker thread (a function cannot). */
export type TransferableKeySource = { readonly env: string } | { readonly file: string } | { readonly key: Uint8Array | string };
import type { RuntimeModuleSpec } from '../runtime/runtime-spec.js';

/** What the main thread asks a model worker. */
export type WorkerRequest =
  | { readonly type: 'load'; readonly source: string; readonly runtimes: readonly RuntimeModuleSpec[]; readonly warmUp: boolean; readonly decrypt?: TransferableKeySource }
  | { readonly type: 'run'; readonly id: number; readonly feeds: TensorMap; readonly outputs?: readonly string[] }
  | { readonly type: 'close' };

/** An error as it crosses the thread boundary. */
export interface WireServableError {
  readonly code?: string;
  readonly message: string;
  readonly details?: Record<string, unknown>;
}

/** What a model worker answers. */
export type WorkerResponse =
  | { readonly type: 'loaded'; readonly signature: ModelSignature; readonly manifest: ModelManifest | undefined; readonly report: ModelReport }
  | { readonly type: 'load-failed'; readonly error: WireServableError }
  | { readonly type: 'result'; readonly id: number; readonly outputs: TensorMap }
  | { readonly type: 'run-failed'; readonly id: number; readonly error: WireServableError }
  | { readonly type: 'closed' };

/**
 * Buffers of the tensors that can be moved instead of copied: only typed arrays that own their
 * whole, non-shared buffer (a view into a pooled or larger buffer is copied).
 */
export function transferables(tensors: TensorMap): ArrayBuffer[] {
  const list: ArrayBuffer[] = [];
  const seen = new Set<ArrayBufferLike>();
  for (const t of Object.values(tensors)) {
    const data = t.data as unknown;
    if (!ArrayBuffer.isView(data)) continue;
    const buffer = data.buffer;
    if (!(buffer instanceof ArrayBuffer) || seen.has(buffer)) continue;
    if (data.byteOffset !== 0 || data.byteLength !== buffer.byteLength) continue;
    seen.add(buffer);
    list.push(buffer);
  }
  return list;
}

/** Copies views that do not own their buffer so that every buffer can then be transferred. */
export function detachableCopy(tensors: TensorMap): TensorMap {
  const out: TensorMap = {};
  for (const [name, t] of Object.entries(tensors)) {
    const data = t.data as unknown;
    if (ArrayBuffer.isView(data) && (data.byteOffset !== 0 || data.byteLength !== data.buffer.byteLength || !(data.buffer instanceof ArrayBuffer))) {
      out[name] = { ...t, data: (t.data as unknown as { slice(): unknown }).slice() } as TensorMap[string];
    } else out[name] = t;
  }
  return out;
}
