import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import ts from 'typescript';

/** One finding of a manifest check: where in the object, and what is wrong. */
export interface SchemaProblem {
  /** JSON pointer into the object, such as `/spec/template/spec/containers/0/port`. */
  readonly path: string;
  /** What is wrong there. */
  readonly message: string;
}

const require = createRequire(import.meta.url);
const MODELS_DIR = dirname(require.resolve('kubernetes-models/package.json'));

/** `apps/v1` + `Deployment` → `kubernetes-models/apps/v1/Deployment`; the core group is `v1`. */
function modulePath(apiVersion: string, kind: string): string {
  return `kubernetes-models/${apiVersion}/${kind}`;
}

/** True when kubernetes-models carries a model for this apiVersion and kind. */
export function isKubernetesKind(apiVersion: string, kind: string): boolean {
  try {
    require.resolve(join(MODELS_DIR, apiVersion, `${kind}.js`));
    return true;
  } catch {
    return false;
  }
}

type Model = { validate(): void };
type ModelClass = new (data: unknown) => Model;

/**
 * Validates an object against the JSON schema kubernetes-models compiled from the Kubernetes
 * OpenAPI document: types, formats, enums and required fields.
 */
async function schemaProblems(doc: Record<string, unknown>): Promise<SchemaProblem[]> {
  const mod = (await import(modulePath(String(doc.apiVersion), String(doc.kind)))) as Record<string, ModelClass>;
  const Cls = mod[String(doc.kind)]!;
  try {
    new Cls(doc).validate();
    return [];
  } catch (e) {
    const errors = (e as { errors?: { instancePath: string; message?: string }[] }).errors;
    if (!errors) throw e;
    return errors.map((x) => ({ path: x.instancePath, message: x.message ?? 'invalid' }));
  }
}

/**
 * The TypeScript declarations of kubernetes-models name every field of every object; the
 * OpenAPI schemas do not forbid unknown ones, and the API server refuses them (kubectl's strict
 * field validation). One program over all the kinds gives their types.
 */
function declaredTypes(kinds: readonly string[]): { types: Map<string, ts.Type>; typeChecker: ts.TypeChecker } {
  const virtual = join(MODELS_DIR, '..', '.servable-manifest-kinds.ts');
  const text = kinds
    .map((k, i) => {
      const kind = k.slice(k.lastIndexOf('/') + 1);
      return `import type { I${kind} as T${i} } from ${JSON.stringify(modulePath(k.slice(0, k.lastIndexOf('/')), kind))};\nexport type K${i} = T${i};`;
    })
    .join('\n');
  const options: ts.CompilerOptions = { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext, target: ts.ScriptTarget.ES2022, strict: true, noEmit: true, skipLibCheck: true, types: [] };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, language, ...rest) => (fileName === virtual ? ts.createSourceFile(fileName, text, language) : getSourceFile(fileName, language, ...rest));
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (f) => f === virtual || fileExists(f);
  const program = ts.createProgram([virtual], options, host);
  const typeChecker = program.getTypeChecker();
  const exports = typeChecker.getExportsOfModule(typeChecker.getSymbolAtLocation(program.getSourceFile(virtual)!)!);
  const types = new Map<string, ts.Type>();
  for (const [i, k] of kinds.entries()) {
    const symbol = exports.find((s) => s.name === `K${i}`);
    const type = symbol && typeChecker.getDeclaredTypeOfSymbol(symbol);
    if (!type || type.flags & ts.TypeFlags.Any) throw new Error(`kubernetes-models: no declaration I${k.slice(k.lastIndexOf('/') + 1)} for ${k}`);
    types.set(k, type);
  }
  return { types, typeChecker };
}

function unknownFields(value: unknown, type: ts.Type, tc: ts.TypeChecker, path: string, out: SchemaProblem[]): void {
  if (value === null || typeof value !== 'object') return;
  let t = tc.getNonNullableType(type);
  if (t.isUnion()) {
    const objects = t.types.filter((u) => (u.flags & ts.TypeFlags.Object) !== 0);
    if (objects.length !== 1) return;
    t = objects[0]!;
  }
  if (Array.isArray(value)) {
    const element = tc.getIndexTypeOfType(t, ts.IndexKind.Number);
    if (element) value.forEach((v, i) => unknownFields(v, element, tc, `${path}/${i}`, out));
    return;
  }
  const index = tc.getIndexTypeOfType(t, ts.IndexKind.String);
  for (const [k, v] of Object.entries(value)) {
    const property = t.getProperty(k);
    if (property) unknownFields(v, tc.getTypeOfSymbol(property), tc, `${path}/${k}`, out);
    else if (index) unknownFields(v, index, tc, `${path}/${k}`, out);
    else out.push({ path: `${path}/${k}`, message: `unknown field "${k}"` });
  }
}

/** Checks objects of built-in kinds; made by {@link createKubernetesChecker}. */
export type KubernetesChecker = (doc: Record<string, unknown>) => Promise<SchemaProblem[]>;

/**
 * Makes a checker of Kubernetes objects of the given built-in kinds (`apiVersion/kind`) against
 * the Kubernetes API's schemas as kubernetes-models carries them: the OpenAPI constraints
 * (types, formats, enums, required fields), and no field the API does not know.
 */
export function createKubernetesChecker(kinds: readonly string[]): KubernetesChecker {
  const { types, typeChecker } = declaredTypes([...new Set(kinds)]);
  return async (doc) => {
    const key = `${String(doc.apiVersion)}/${String(doc.kind)}`;
    const type = types.get(key);
    if (!type) throw new Error(`createKubernetesChecker: ${key} was not among the kinds given`);
    const problems = await schemaProblems(doc);
    unknownFields(doc, type, typeChecker, '', problems);
    return problems;
  };
}
