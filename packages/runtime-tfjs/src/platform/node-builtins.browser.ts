import { ServableError } from '@servable/core';
import type { NodeBuiltins } from './node-builtins.js';

export type { NodeBuiltins } from './node-builtins.js';

/** False: this is the browser build. */
export function isNode(): boolean {
  return false;
}

/**
 * The browser build's stand-in for Node's built-ins: always `UNSUPPORTED_CAPABILITY` with the
 * caller's message (file paths need Node; browsers load models from URLs, IndexedDB or bytes).
 */
export function nodeBuiltins(unsupported: string): Promise<NodeBuiltins> {
  return Promise.reject(new ServableError('UNSUPPORTED_CAPABILITY', unsupported));
}
