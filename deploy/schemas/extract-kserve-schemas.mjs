// Writes the schemas of KServe's InferenceService and ServingRuntime, as KServe's own CRDs
// declare them, to deploy/schemas/kserve/ for the offline manifest checks.
//
//   git clone --depth 1 https://github.com/kserve/kserve /tmp/kserve
//   node deploy/schemas/extract-kserve-schemas.mjs /tmp/kserve "$(git -C /tmp/kserve describe --tags)"
//
// For each CRD it keeps the storage version's openAPIV3Schema with every `description` removed
// (they are half of the bytes and no rule), and stores each subtree that occurs more than once
// (the container schema appears dozens of times) once under `$defs`, referenced by `$ref`.
// Nothing else changes: properties, types, enums, `x-kubernetes-*` markers stay as KServe wrote them.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const [checkout, revision] = process.argv.slice(2);
if (!checkout || !revision) {
  console.error('usage: node deploy/schemas/extract-kserve-schemas.mjs <kserve checkout> <its revision, such as v0.15.2>');
  process.exit(2);
}
const OUT = fileURLToPath(new URL('./kserve/', import.meta.url));
const CRDS = [
  ['serving.kserve.io_inferenceservices.yaml', 'inferenceservice.json'],
  ['serving.kserve.io_servingruntimes.yaml', 'servingruntime.json'],
];

function strip(node) {
  if (Array.isArray(node)) return node.map(strip);
  if (node === null || typeof node !== 'object') return node;
  return Object.fromEntries(Object.entries(node).filter(([k]) => k !== 'description').map(([k, v]) => [k, strip(v)]));
}

// The places of a JSON schema that hold schemas: maps of them, single ones, and lists of them.
const SCHEMA_MAPS = new Set(['properties', 'patternProperties']);
const SCHEMA_ONES = new Set(['items', 'additionalProperties', 'not']);
const SCHEMA_LISTS = new Set(['anyOf', 'allOf', 'oneOf']);

/** Calls `visit` on every schema below `schema` (not on maps of them, nor on `default` or enum values). */
function mapSchemas(schema, visit) {
  const out = {};
  for (const [k, v] of Object.entries(schema)) {
    if (SCHEMA_MAPS.has(k)) out[k] = Object.fromEntries(Object.entries(v).map(([p, s]) => [p, visit(s)]));
    else if (SCHEMA_ONES.has(k) && v !== null && typeof v === 'object') out[k] = visit(v);
    else if (SCHEMA_LISTS.has(k)) out[k] = v.map(visit);
    else out[k] = v;
  }
  return out;
}

function deduplicate(schema) {
  const seen = new Map();
  const count = (node) => {
    const text = JSON.stringify(node);
    if (text.length > 400) seen.set(text, (seen.get(text) ?? 0) + 1);
    mapSchemas(node, (s) => (count(s), s));
  };
  count(schema);
  const defs = {};
  const replace = (node, isDefinition) => {
    const text = JSON.stringify(node);
    if (!isDefinition && (seen.get(text) ?? 0) > 1) {
      const name = `s${createHash('sha256').update(text).digest('hex').slice(0, 12)}`;
      if (!(name in defs)) {
        defs[name] = null;
        defs[name] = replace(node, true);
      }
      return { $ref: `#/$defs/${name}` };
    }
    return mapSchemas(node, (s) => replace(s, false));
  };
  const out = replace(schema, true);
  return { ...out, $defs: Object.fromEntries(Object.entries(defs).sort(([a], [b]) => a.localeCompare(b))) };
}

for (const [file, target] of CRDS) {
  const crd = parse(readFileSync(join(checkout, 'config/crd/full', file), 'utf8'));
  const version = crd.spec.versions.find((v) => v.storage);
  const schema = deduplicate(strip(version.schema.openAPIV3Schema));
  const document = {
    source: `kserve/kserve ${revision} config/crd/full/${file}, spec.versions[name=${version.name}].schema.openAPIV3Schema (descriptions removed, repeated subtrees under $defs)`,
    license: 'Apache-2.0 (KServe); see LICENSE in this folder',
    group: crd.spec.group,
    kind: crd.spec.names.kind,
    version: version.name,
    schema,
  };
  writeFileSync(join(OUT, target), JSON.stringify(document) + '\n');
  console.log(`${target}: ${crd.spec.names.kind} ${crd.spec.group}/${version.name}, ${JSON.stringify(document).length} bytes`);
}
