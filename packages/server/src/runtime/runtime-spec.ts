import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ServableError, type Runtime } from '@servable/core';

/**
 * A runtime named in configuration, imported dynamically where the model runs (the server never
 * imports a runtime statically):
 * - a string `name[:device]`: `onnx-node`, `onnx-node:cuda`, `onnx-node:webgpu`, `tfjs`, `tfjs:wasm`;
 * - `{ module, factory, options }`: `import(module)[factory](options)` — `module` is a package
 *   name, or a path (relative paths resolve against the repository folder).
 */
export type RuntimeSpec = string | RuntimeModuleSpec;

/** A runtime given as a module and the factory it exports. */
export interface RuntimeModuleSpec {
  /** Package name or path of the module. */
  readonly module: string;
  /** Name of the exported factory (default `default`). */
  readonly factory?: string;
  /** Options passed to the factory (must be structured-cloneable: it crosses to worker threads). */
  readonly options?: Record<string, unknown>;
}

/** The runtime chain used when the configuration names none. */
export const DEFAULT_RUNTIMES: readonly RuntimeSpec[] = ['onnx-node'];

const KNOWN: Record<string, { module: string; factory: string }> = {
  'onnx-node': { module: '@servable/runtime-node', factory: 'onnxNode' },
  tfjs: { module: '@servable/runtime-tfjs', factory: 'tfjs' },
};

/**
 * Turns a {@link RuntimeSpec} into a module spec with an importable specifier.
 * @param spec - the configured runtime
 * @param baseDir - folder that relative module paths resolve against
 * @throws ServableError `INVALID_ARGUMENT` for an unknown name or a malformed object
 */
export function resolveRuntimeSpec(spec: RuntimeSpec, baseDir: string): RuntimeModuleSpec {
  if (typeof spec === 'string') {
    const [name = '', device] = spec.split(':');
    const known = KNOWN[name];
    if (!known) {
      throw new ServableError('INVALID_ARGUMENT', `runtime "${spec}": expected one of ${Object.keys(KNOWN).map((k) => `"${k}[:device]"`).join(', ')} or { module, factory, options }, got an unknown name`);
    }
    return { module: known.module, factory: known.factory, options: device ? { device } : {} };
  }
  if (typeof spec !== 'object' || spec === null || typeof spec.module !== 'string' || spec.module.length === 0) {
    throw new ServableError('INVALID_ARGUMENT', `runtime: expected a name such as "onnx-node" or { module, factory, options }, got ${JSON.stringify(spec)}`);
  }
  let specifier = spec.module;
  if (specifier.startsWith('.') || isAbsolute(specifier)) specifier = pathToFileURL(resolve(baseDir, specifier)).href;
  return { module: specifier, factory: spec.factory ?? 'default', options: spec.options ?? {} };
}

/**
 * Imports the module of each spec and calls its factory, giving the runtimes for `loadModel`.
 * @throws ServableError `RUNTIME_UNAVAILABLE` when a module cannot be imported or has no such factory
 */
export async function instantiateRuntimes(specs: readonly RuntimeModuleSpec[]): Promise<Runtime[]> {
  const runtimes: Runtime[] = [];
  const reasons: string[] = [];
  for (const spec of specs) {
    let mod: Record<string, unknown>;
    try {
      mod = (await import(spec.module)) as Record<string, unknown>;
    } catch (cause) {
      reasons.push(`${spec.module}: ${(cause as Error)?.message ?? String(cause)}`);
      continue;
    }
    const factory = mod[spec.factory ?? 'default'];
    if (typeof factory !== 'function') {
      reasons.push(`${spec.module}: expected an exported function "${spec.factory ?? 'default'}", got ${typeof factory}`);
      continue;
    }
    runtimes.push((factory as (options: unknown) => Runtime)(spec.options ?? {}));
  }
  if (runtimes.length === 0) {
    throw new ServableError('RUNTIME_UNAVAILABLE', `runtimes: expected at least one importable runtime, got none — ${reasons.join('; ')} — install the runtime package (for example @servable/runtime-node)`);
  }
  return runtimes;
}
