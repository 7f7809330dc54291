import { ServableError, type Preprocessing } from '@servable/core';
import type { DatasetSource } from './training-dataset.js';

/**
 * What `servable train` reads: the model as runtime-tfjs's `createTrainer` takes it, where the
 * data comes from, how to fit, and what to write in the saved manifest.
 *
 * @example
 * ```json
 * { "model": { "inputShape": [28, 28], "layers": [{ "type": "flatten" }, { "type": "dense", "units": 10, "activation": "softmax" }] },
 *   "data": "mnist", "fit": { "epochs": 3, "batchSize": 64, "validationSplit": 0.1 },
 *   "save": { "name": "mnist", "version": "1", "onnx": true } }
 * ```
 */
export interface TrainingSpec {
  /** The model spec of `createTrainer` (`inputShape`, `layers`, `optimizer`, `loss`, `metrics`). */
  readonly model: { readonly inputShape: readonly number[]; readonly [key: string]: unknown };
  /** `mnist`, `idx:<dir>`, `csv:<file>`, `images:<dir>` (paths relative to the spec file), `{ csv, label }`, `{ images }` or `{ x, y }` arrays; `--data` wins. */
  readonly data?: DatasetSource;
  readonly fit?: {
    readonly epochs?: number;
    readonly batchSize?: number;
    readonly validationSplit?: number;
    /** Use at most this many training examples. */
    readonly limit?: number;
    readonly seed?: number;
  };
  /** tfjs backend to train on (`wasm` default, `cpu`). */
  readonly backend?: 'wasm' | 'cpu';
  readonly save?: {
    readonly name?: string;
    readonly version?: string;
    /** Also write an ONNX copy (subfolder `onnx/`). Default true. */
    readonly onnx?: boolean;
    readonly labels?: readonly string[];
    readonly preprocessing?: Preprocessing;
    readonly description?: string;
  };
}

function bad(field: string, expected: string, received: unknown): ServableError {
  const got = received === undefined ? 'nothing' : JSON.stringify(received)?.slice(0, 80);
  return new ServableError('INVALID_INPUT', `training spec "${field}": expected ${expected}, got ${got} — see servable train --help`, {
    details: { subject: field, expected, received: String(got) },
  });
}

/**
 * Validates a parsed training spec (the fields the CLI reads; the model itself is checked by
 * `createTrainer`).
 * @throws ServableError `INVALID_INPUT` naming the first bad field
 */
export function validateTrainingSpec(value: unknown): TrainingSpec {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw bad('(root)', 'an object with "model"', value);
  const spec = value as Record<string, unknown>;
  const model = spec.model as Record<string, unknown> | undefined;
  if (typeof model !== 'object' || model === null) throw bad('model', 'an object with inputShape and layers', model);
  if (!Array.isArray(model.inputShape) || !model.inputShape.every((d) => Number.isInteger(d) && d > 0)) throw bad('model.inputShape', 'positive integers such as [28, 28]', model.inputShape);
  if (!Array.isArray(model.layers) || model.layers.length === 0) throw bad('model.layers', 'a non-empty array of layers', model.layers);
  const data = spec.data;
  const isObject = typeof data === 'object' && data !== null && !Array.isArray(data);
  const validObject =
    isObject &&
    (('x' in data && 'y' in data) ||
      (typeof (data as { csv?: unknown }).csv === 'string' && ['string', 'undefined'].includes(typeof (data as { label?: unknown }).label)) ||
      typeof (data as { images?: unknown }).images === 'string');
  if (data !== undefined && typeof data !== 'string' && !validObject) {
    throw bad('data', '"mnist", "idx:<dir>", "csv:<file>", "images:<dir>", { "csv": "<file>", "label": "<column>" }, { "images": "<dir>" } or { "x": [...], "y": [...] }', data);
  }
  const fit = (spec.fit ?? {}) as Record<string, unknown>;
  for (const k of ['epochs', 'batchSize', 'limit'] as const) {
    if (fit[k] !== undefined && !(Number.isInteger(fit[k]) && (fit[k] as number) > 0)) throw bad(`fit.${k}`, 'a positive integer', fit[k]);
  }
  if (fit.validationSplit !== undefined && !(typeof fit.validationSplit === 'number' && fit.validationSplit >= 0 && fit.validationSplit < 1)) {
    throw bad('fit.validationSplit', 'a number in [0, 1)', fit.validationSplit);
  }
  if (spec.backend !== undefined && spec.backend !== 'wasm' && spec.backend !== 'cpu') throw bad('backend', '"wasm" or "cpu"', spec.backend);
  const save = (spec.save ?? {}) as Record<string, unknown>;
  if (save.name !== undefined && (typeof save.name !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(save.name))) throw bad('save.name', 'letters, digits, ".", "_" or "-"', save.name);
  if (save.version !== undefined && (typeof save.version !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(save.version))) throw bad('save.version', 'a version label such as "1"', save.version);
  return value as TrainingSpec;
}
