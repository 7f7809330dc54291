import { ServableError } from '../errors/servable-error.js';
import { nodeFiles } from '../io/node-files.js';
import type { ModelDecryptor } from '../model/source.js';
import { decryptModel } from './decrypt-model.js';
import { parseModelKey } from './model-key.js';

/**
 * Where a decryptor finds the model key:
 * - `{ key }` — the key itself (32 bytes, or base64/hex text);
 * - `{ env: 'VAR' }` — an environment variable holding base64/hex text (Node);
 * - `{ file: path }` — a file holding base64/hex text (Node; a mounted secret);
 * - `(keyId) => key` — your own lookup, such as a KMS call, given the manifest's key id.
 */
export type ModelKeySource =
  | {
      /** The key itself: 32 bytes, or their base64 or hex text. */
      readonly key: Uint8Array | string;
    }
  | {
      /** Name of the environment variable holding the key as base64 or hex text (Node). */
      readonly env: string;
    }
  | {
      /** Path of a file holding the key as base64 or hex text (Node; a mounted secret). */
      readonly file: string;
    }
  | ((keyId: string) => Promise<Uint8Array | string> | Uint8Array | string);

function readEnv(name: string): string | undefined {
  return (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.[name];
}

function describeSource(source: ModelKeySource): string {
  if (typeof source === 'function') return 'key function';
  if ('env' in source) return `environment variable "${source.env}"`;
  if ('file' in source) return `key file "${source.file}"`;
  return 'key';
}

async function resolveKey(source: ModelKeySource, keyId: string): Promise<Uint8Array> {
  const subject = describeSource(source);
  if (typeof source === 'function') {
    let key: Uint8Array | string;
    try {
      key = await source(keyId);
    } catch (cause) {
      if (ServableError.isInstance(cause)) throw cause;
      throw new ServableError('MODEL_INTEGRITY', `${subject}: expected the key for key id "${keyId}", got an error (${(cause as Error)?.message ?? String(cause)})`, { cause });
    }
    return parseModelKey(key, `${subject} for key id "${keyId}"`);
  }
  if ('key' in source) return parseModelKey(source.key, subject);
  if ('env' in source) {
    const text = readEnv(source.env);
    if (text === undefined || text.trim() === '') {
      throw new ServableError('INVALID_ARGUMENT', `${subject}: expected the model key for key id "${keyId}" as base64 or hex, got nothing — set ${source.env} before loading the model`);
    }
    return parseModelKey(text, subject);
  }
  if ('file' in source) {
    const files = await nodeFiles();
    let text: string;
    try {
      text = await files.readText(source.file);
    } catch (cause) {
      throw new ServableError('INVALID_ARGUMENT', `${subject}: expected a readable file holding the key for key id "${keyId}", got ${(cause as NodeJS.ErrnoException)?.code ?? 'an error'} — check the path and its permissions`, { cause });
    }
    return parseModelKey(text, subject);
  }
  throw new ServableError('INVALID_ARGUMENT', 'createDecryptor key source: expected { key }, { env }, { file } or a function (keyId) => key, got another value');
}

function checkSource(source: unknown): asserts source is ModelKeySource {
  if (typeof source === 'function') return;
  const ok =
    typeof source === 'object' &&
    source !== null &&
    (('key' in source && (source.key instanceof Uint8Array || typeof source.key === 'string')) ||
      ('env' in source && typeof source.env === 'string' && source.env.length > 0) ||
      ('file' in source && typeof source.file === 'string' && source.file.length > 0));
  if (!ok) {
    throw new ServableError('INVALID_ARGUMENT', 'createDecryptor key source: expected { key }, { env: "VAR_NAME" }, { file: path } or a function (keyId) => key, got another value');
  }
}

/**
 * Makes the decryptor that `loadModel` uses for models whose manifest has `encryption`:
 * the key is looked up when a model is loaded, the file is decrypted in memory, and the
 * runtime receives only the plaintext bytes (never a path to them).
 *
 * @example
 * ```ts
 * const model = await loadModel('models/mnist/1', { runtimes: [onnxNode()], decrypt: createDecryptor({ env: 'MNIST_KEY' }) });
 * ```
 * @throws ServableError `INVALID_ARGUMENT` for a source of another shape, or a `{ key }` that is not 32 bytes
 */
export function createDecryptor(source: ModelKeySource): ModelDecryptor {
  checkSource(source);
  const fixedKey = typeof source !== 'function' && 'key' in source ? parseModelKey(source.key, 'createDecryptor key') : undefined;
  return async (ciphertext, manifest) => {
    const header = manifest?.encryption;
    if (!header) {
      throw new ServableError('INVALID_ARGUMENT', `model "${manifest?.name}": expected a manifest with an encryption header, got none — the model is not encrypted, so load it without decrypt`);
    }
    const key = fixedKey ?? (await resolveKey(source, header.keyId));
    return decryptModel(ciphertext, header, manifest, key);
  };
}
