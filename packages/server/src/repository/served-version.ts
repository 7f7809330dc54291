import type { Model, Predictor } from '@servable/core';

/** States of a version, with Triton's names. */
export type VersionState = 'LOADING' | 'READY' | 'UNAVAILABLE' | 'UNLOADING';

/** One version of one model as the registry holds it. */
export interface ServedVersion {
  /** Model name. */
  readonly name: string;
  /** Version label. */
  readonly version: string;
  /** Folder it was loaded from. */
  readonly path: string;
  /** Current state. */
  state: VersionState;
  /** Fingerprint of the folder when it was (last tried to be) loaded. */
  fingerprint: string;
  /** The loaded model (worker-backed or in-process), when READY. */
  model?: Model;
  /** The pipeline with its batcher, when READY. */
  predictor?: Predictor;
  /** Why the last load failed. */
  error?: string;
  /** Requests this version is serving right now (decoded and queued or running). */
  active: number;
}
