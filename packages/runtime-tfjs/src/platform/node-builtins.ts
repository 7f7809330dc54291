import { ServableError } from '@servable/core';

/** The Node built-ins this package uses: files, paths, and module resolution. */
export interface NodeBuiltins {
  readonly fs: typeof import('node:fs/promises');
  readonly path: typeof import('node:path');
  readonly createRequire: typeof import('node:module').createRequire;
}

let loading: Promise<NodeBuiltins> | undefined;

/** True in Node.js. */
export function isNode(): boolean {
  return typeof process !== 'undefined' && typeof process.versions?.node === 'string';
}

/**
 * Imports `node:fs/promises`, `node:path` and `node:module` on first use. This is the only
 * module of the package that names Node built-ins; the browser build (the `browser` export
 * condition) replaces it with `node-builtins.browser.ts`, so bundlers never see them.
 * @param unsupported - the message of the `UNSUPPORTED_CAPABILITY` error outside Node
 */
export function nodeBuiltins(unsupported: string): Promise<NodeBuiltins> {
  if (!isNode()) return Promise.reject(new ServableError('UNSUPPORTED_CAPABILITY', unsupported));
  loading ??= Promise.all([import('node:fs/promises'), import('node:path'), import('node:module')]).then(([fs, path, module]) => ({
    fs,
    path,
    createRequire: module.createRequire,
  }));
  return loading;
}
