import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';
import type { SchemaProblem } from './kubernetes-schema.js';

/** A custom resource schema as `deploy/schemas/extract-kserve-schemas.mjs` writes it. */
interface StoredSchema {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly schema: Record<string, unknown>;
}

/**
 * The API server prunes or, under strict field validation, refuses fields that a structural
 * schema does not declare, except below `x-kubernetes-preserve-unknown-fields: true`. JSON
 * Schema allows them unless told otherwise, so each object schema with `properties` gets
 * `additionalProperties: false`.
 */
function structural(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(structural);
  if (node === null || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) out[k] = k === 'properties' || k === '$defs' ? Object.fromEntries(Object.entries(v as object).map(([p, s]) => [p, structural(s)])) : structural(v);
  if ('properties' in out && !('additionalProperties' in out) && out['x-kubernetes-preserve-unknown-fields'] !== true) out.additionalProperties = false;
  return out;
}

/** Checks custom resources against stored CRD schemas; made by {@link createCrdChecker}. */
export interface CrdChecker {
  /** True when a schema for this apiVersion and kind was given. */
  knows(apiVersion: string, kind: string): boolean;
  /** Problems of one object (empty when it validates). */
  check(doc: Record<string, unknown>): SchemaProblem[];
}

/**
 * Makes a checker from schema files: ajv over each CRD's openAPIV3Schema, with the API server's
 * unknown-field rule. CEL rules (`x-kubernetes-validations`) and formats are not evaluated.
 */
export function createCrdChecker(files: readonly string[]): CrdChecker {
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  const validators = new Map<string, ValidateFunction>();
  for (const file of files) {
    const stored = JSON.parse(readFileSync(file, 'utf8')) as StoredSchema;
    validators.set(`${stored.group}/${stored.version}/${stored.kind}`, ajv.compile(structural(stored.schema) as object));
  }
  return {
    knows: (apiVersion, kind) => validators.has(`${apiVersion}/${kind}`),
    check(doc) {
      const validate = validators.get(`${String(doc.apiVersion)}/${String(doc.kind)}`);
      if (!validate) throw new Error(`createCrdChecker: no schema for ${String(doc.apiVersion)} ${String(doc.kind)}`);
      if (validate(doc)) return [];
      return (validate.errors ?? []).map((e) => ({
        path: e.instancePath,
        message: e.keyword === 'additionalProperties' ? `unknown field "${(e.params as { additionalProperty: string }).additionalProperty}"` : (e.message ?? e.keyword),
      }));
    },
  };
}
