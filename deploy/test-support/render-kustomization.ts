import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';

/** A Kubernetes object as parsed from YAML. */
export type KubernetesObject = Record<string, any>;

/** A rendered object and the file it came from (relative to the folder rendered). */
export interface RenderedObject {
  readonly file: string;
  readonly object: KubernetesObject;
}

interface Operation {
  readonly op: 'add' | 'replace' | 'remove';
  readonly path: string;
  readonly value?: unknown;
}

const FIELDS = new Set(['apiVersion', 'kind', 'resources', 'components', 'images', 'patches']);

/** Parses every YAML document of a file; a syntax error names the file. */
export function readYamlDocuments(file: string): KubernetesObject[] {
  const docs = parseAllDocuments(readFileSync(file, 'utf8'));
  const out: KubernetesObject[] = [];
  for (const d of docs) {
    if (d.errors.length > 0) throw new Error(`${file}: ${d.errors.map((e) => e.message).join('; ')}`);
    const value = d.toJS() as KubernetesObject | null;
    if (value !== null) out.push(value);
  }
  return out;
}

function pointer(path: string): string[] {
  if (!path.startsWith('/')) throw new Error(`JSON patch path "${path}": expected it to start with /`);
  return path.slice(1).split('/').map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function applyOperation(target: KubernetesObject, op: Operation, where: string): void {
  const parts = pointer(op.path);
  const last = parts.pop()!;
  let parent: any = target;
  for (const p of parts) {
    parent = Array.isArray(parent) ? parent[Number(p)] : parent?.[p];
    if (parent === undefined || parent === null) throw new Error(`${where}: path ${op.path} does not exist`);
  }
  const value = structuredClone(op.value);
  if (Array.isArray(parent)) {
    const i = last === '-' ? parent.length : Number(last);
    if (op.op === 'add') parent.splice(i, 0, value);
    else if (i >= parent.length) throw new Error(`${where}: path ${op.path} does not exist`);
    else if (op.op === 'replace') parent[i] = value;
    else parent.splice(i, 1);
    return;
  }
  if (op.op !== 'add' && !(last in parent)) throw new Error(`${where}: path ${op.path} does not exist`);
  if (op.op === 'remove') delete parent[last];
  else parent[last] = value;
}

function splitImage(image: string): { name: string; tag?: string; digest?: string } {
  const at = image.indexOf('@');
  const base = at >= 0 ? image.slice(0, at) : image;
  const digest = at >= 0 ? image.slice(at + 1) : undefined;
  const colon = base.lastIndexOf(':');
  if (colon > base.lastIndexOf('/')) return { name: base.slice(0, colon), tag: base.slice(colon + 1), ...(digest ? { digest } : {}) };
  return { name: base, ...(digest ? { digest } : {}) };
}

type ImageRule = { name: string; newName?: string; newTag?: string; digest?: string };

function setImages(node: unknown, rules: readonly ImageRule[]): void {
  if (Array.isArray(node)) return node.forEach((n) => setImages(n, rules));
  if (node === null || typeof node !== 'object') return;
  for (const [k, v] of Object.entries(node as Record<string, unknown>)) {
    if ((k === 'containers' || k === 'initContainers') && Array.isArray(v)) {
      for (const c of v as { image?: string }[]) {
        if (typeof c?.image !== 'string') continue;
        const image = splitImage(c.image);
        const rule = rules.find((r) => r.name === image.name);
        if (!rule) continue;
        const name = rule.newName ?? image.name;
        c.image = rule.digest ? `${name}@${rule.digest}` : `${name}${rule.newTag ? `:${rule.newTag}` : image.tag ? `:${image.tag}` : ''}${image.digest && !rule.newTag ? `@${image.digest}` : ''}`;
      }
    }
    setImages(v, rules);
  }
}

function render(dir: string, root: string, isComponent: boolean, base: RenderedObject[]): RenderedObject[] {
  const file = join(dir, 'kustomization.yaml');
  const [k] = readYamlDocuments(file);
  if (!k) throw new Error(`${file}: empty`);
  const where = relative(root, file) || file;
  const expected = isComponent ? 'Component' : 'Kustomization';
  if (k.kind !== expected) throw new Error(`${where}: expected kind ${expected}, got ${k.kind}`);
  for (const key of Object.keys(k)) if (!FIELDS.has(key)) throw new Error(`${where}: field "${key}" is not one this renderer supports (${[...FIELDS].join(', ')})`);
  const out = [...base];
  for (const r of (k.resources ?? []) as string[]) {
    const path = join(dir, r);
    if (!existsSync(path)) throw new Error(`${where}: resource ${r} does not exist`);
    if (statSync(path).isDirectory()) out.push(...render(path, root, false, []));
    else for (const object of readYamlDocuments(path)) out.push({ file: relative(root, path), object });
  }
  let result = out;
  for (const c of (k.components ?? []) as string[]) result = render(join(dir, c), root, true, result);
  for (const p of (k.patches ?? []) as { path?: string; patch?: string; target?: { kind?: string; name?: string } }[]) {
    const text = p.path ? readFileSync(join(dir, p.path), 'utf8') : p.patch;
    if (typeof text !== 'string') throw new Error(`${where}: a patch needs path or patch`);
    const [ops] = parseAllDocuments(text).map((d) => d.toJS() as unknown);
    if (!Array.isArray(ops)) throw new Error(`${where}: only JSON 6902 patches (a list of operations) are supported here`);
    const targets = result.filter((r) => (!p.target?.kind || r.object.kind === p.target.kind) && (!p.target?.name || r.object.metadata?.name === p.target.name));
    if (targets.length === 0) throw new Error(`${where}: patch target ${JSON.stringify(p.target)} matches no object`);
    for (const t of targets) for (const op of ops as Operation[]) applyOperation(t.object, op, `${where} patch on ${t.object.kind} ${t.object.metadata?.name}`);
  }
  if (k.images) for (const r of result) setImages(r.object, k.images as ImageRule[]);
  return result;
}

/**
 * Renders a kustomization folder as `kubectl kustomize` would, for the features these manifests
 * use: `resources` (files and folders), `components`, `images`, and JSON 6902 `patches` with a
 * `target` by kind and name. Any other field is refused, so a manifest cannot use a feature that
 * the checks would silently skip. Objects are copies; the files are not changed.
 */
export function renderKustomization(dir: string): RenderedObject[] {
  return render(dir, dir, false, []).map((r) => ({ file: r.file, object: structuredClone(r.object) }));
}
