import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ServableError, type BatcherOptions, type ModelKeySource } from '@servable/core';
import type { RuntimeSpec } from '../runtime/runtime-spec.js';
import type { VersionPolicy } from './version-policy.js';

/**
 * How one model is served. Comes from `<repo>/<model>/config.json` and from `createServer`'s
 * `models` option (the option wins, key by key), over the server-wide defaults.
 */
export interface ModelConfig {
  /** Folder of the model (holding version folders), or of one version; default `<repository>/<name>`. */
  readonly path?: string;
  /** Runtime chain, tried in order (default `['onnx-node']`). */
  readonly runtimes?: readonly RuntimeSpec[];
  /** Dynamic batching; `false` runs each request alone. */
  readonly batching?: BatcherOptions | false;
  /** Per-request deadline in ms (queue and run); then 504. */
  readonly timeoutMs?: number;
  /** Worker threads per version (default 1). Ignored with `inProcess`. */
  readonly workers?: number;
  /** Which versions to serve (default `{ latest: 1 }`). */
  readonly versionPolicy?: VersionPolicy;
  /**
   * Key of the model's encrypted files: `{ env: "VAR" }` or `{ file: "/run/secrets/key" }` (JSON
   * configuration), `{ key }` or a function `(keyId) => key` (code). A function cannot cross into
   * worker threads, so it needs the server's `inProcess: true`.
   */
  readonly decrypt?: ModelKeySource;
}

/** Name of the optional per-model configuration file. */
export const MODEL_CONFIG_FILE = 'config.json';

const KEYS = new Set(['path', 'runtimes', 'batching', 'timeoutMs', 'workers', 'versionPolicy', 'decrypt']);

/**
 * Checks a configuration object (from JSON or code).
 * @throws ServableError `INVALID_ARGUMENT` naming the model and the key
 */
export function validateModelConfig(value: unknown, subject: string): ModelConfig {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ServableError('INVALID_ARGUMENT', `${subject}: expected an object such as {"runtimes": ["onnx-node"], "batching": {"maxBatchSize": 32}}, got ${JSON.stringify(value)}`);
  }
  const v = value as Record<string, unknown>;
  for (const key of Object.keys(v)) {
    if (!KEYS.has(key)) throw new ServableError('INVALID_ARGUMENT', `${subject}: expected keys among ${[...KEYS].join(', ')}, got "${key}" — remove it or fix the spelling`);
  }
  if (v.runtimes !== undefined && (!Array.isArray(v.runtimes) || v.runtimes.length === 0)) {
    throw new ServableError('INVALID_ARGUMENT', `${subject}.runtimes: expected a non-empty array such as ["onnx-node:cuda", "onnx-node"], got ${JSON.stringify(v.runtimes)}`);
  }
  if (v.batching !== undefined && v.batching !== false && (typeof v.batching !== 'object' || v.batching === null)) {
    throw new ServableError('INVALID_ARGUMENT', `${subject}.batching: expected false or an object of batching options, got ${JSON.stringify(v.batching)}`);
  }
  for (const key of ['timeoutMs', 'workers'] as const) {
    const n = v[key];
    if (n !== undefined && (typeof n !== 'number' || !Number.isFinite(n) || n <= 0)) {
      throw new ServableError('INVALID_ARGUMENT', `${subject}.${key}: expected a positive number, got ${JSON.stringify(n)}`);
    }
  }
  if (v.decrypt !== undefined && typeof v.decrypt !== 'function') {
    const d = v.decrypt as Record<string, unknown> | null;
    const ok =
      typeof d === 'object' &&
      d !== null &&
      !Array.isArray(d) &&
      Object.keys(d).length === 1 &&
      ((typeof d.env === 'string' && d.env.length > 0) || (typeof d.file === 'string' && d.file.length > 0) || typeof d.key === 'string' || d.key instanceof Uint8Array);
    if (!ok) {
      const shown = typeof d === 'object' && d !== null ? `an object with keys ${Object.keys(d).join(', ') || '(none)'}` : JSON.stringify(d);
      throw new ServableError('INVALID_ARGUMENT', `${subject}.decrypt: expected { "env": "VAR_NAME" }, { "file": "/path/to/key" }, { key } or a function (keyId) => key, got ${shown}`);
    }
  }
  if (v.path !== undefined && typeof v.path !== 'string') {
    throw new ServableError('INVALID_ARGUMENT', `${subject}.path: expected a folder path, got ${JSON.stringify(v.path)}`);
  }
  return v as ModelConfig;
}

/**
 * Reads `<modelDir>/config.json` when it exists.
 * @throws ServableError `INVALID_ARGUMENT` when the file is not valid JSON or has unknown keys
 */
export async function readModelConfigFile(modelDir: string, modelName: string): Promise<ModelConfig | undefined> {
  let text: string;
  try {
    text = await readFile(join(modelDir, MODEL_CONFIG_FILE), 'utf8');
  } catch {
    return undefined;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new ServableError('INVALID_ARGUMENT', `model "${modelName}" ${MODEL_CONFIG_FILE}: expected JSON, got text that does not parse (${(cause as Error).message})`, { cause });
  }
  return validateModelConfig(json, `model "${modelName}" ${MODEL_CONFIG_FILE}`);
}

/** Merges configurations, later ones winning key by key (batching objects are merged too). */
export function mergeModelConfigs(...configs: (ModelConfig | undefined)[]): ModelConfig {
  let out: ModelConfig = {};
  for (const c of configs) {
    if (!c) continue;
    const batching = c.batching === false || out.batching === false || c.batching === undefined ? (c.batching ?? out.batching) : { ...out.batching, ...c.batching };
    out = { ...out, ...c, batching };
  }
  return out;
}
