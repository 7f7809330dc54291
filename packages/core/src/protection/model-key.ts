import { ServableError } from '../errors/servable-error.js';
import { base64ToBytes, bytesToBase64, bytesToHex, concatBytes, hexToBytes } from './byte-encoding.js';
import { randomBytes, subtleCrypto } from './web-crypto.js';

/** Bytes in an AES-256 model key. */
export const MODEL_KEY_BYTES = 32;

/** A model key as text, for an environment variable, a secret store or a file. */
export interface ExportedModelKey {
  /** The key id to record in manifests (given, or derived from the key by {@link modelKeyId}). */
  readonly keyId: string;
  /** `base64` (44 characters) or `hex` (64 characters). */
  readonly encoding: 'base64' | 'hex';
  /** The key itself, encoded. Secret: keep it out of logs and manifests. */
  readonly text: string;
}

/**
 * Makes a new AES-256 model key: 32 random bytes from WebCrypto.
 * @example
 * ```ts
 * const key = generateModelKey();
 * const { keyId, text } = await exportModelKey(key); // store `text` in a secret, `keyId` goes in servable.json
 * ```
 */
export function generateModelKey(): Uint8Array {
  return randomBytes(MODEL_KEY_BYTES);
}

/**
 * A key id derived from the key: `k-` and 16 hex digits of sha256 over a fixed label and the
 * key. It names the key without revealing it, so the same key always gets the same id.
 */
export async function modelKeyId(key: Uint8Array): Promise<string> {
  checkKeyLength(key, 'model key');
  const label = new TextEncoder().encode('servable-model-key-id/1:');
  const digest = new Uint8Array(await subtleCrypto().digest('SHA-256', concatBytes(label, key) as Uint8Array<ArrayBuffer>));
  return `k-${bytesToHex(digest.subarray(0, 8))}`;
}

/**
 * Encodes a key as text with its key id.
 * @param key - 32 key bytes
 * @param options - `encoding` (default `base64`) and a `keyId` (default {@link modelKeyId})
 */
export async function exportModelKey(key: Uint8Array, options: { readonly encoding?: 'base64' | 'hex'; readonly keyId?: string } = {}): Promise<ExportedModelKey> {
  checkKeyLength(key, 'model key');
  const encoding = options.encoding ?? 'base64';
  if (encoding !== 'base64' && encoding !== 'hex') {
    throw new ServableError('INVALID_ARGUMENT', `exportModelKey encoding: expected "base64" or "hex", got ${JSON.stringify(encoding)}`);
  }
  const keyId = options.keyId ?? (await modelKeyId(key));
  return { keyId, encoding, text: encoding === 'hex' ? bytesToHex(key) : bytesToBase64(key) };
}

/**
 * Reads a model key given as bytes, 64 hex digits, or base64/base64url text (surrounding
 * whitespace ignored). Messages give lengths, never the key.
 * @param key - the key
 * @param subject - where it came from, for messages (such as `environment variable "MODEL_KEY"`)
 * @throws ServableError `INVALID_ARGUMENT` when it is not a 32-byte key
 */
export function parseModelKey(key: Uint8Array | string, subject = 'model key'): Uint8Array {
  if (key instanceof Uint8Array) {
    checkKeyLength(key, subject);
    return key;
  }
  if (typeof key !== 'string') {
    throw new ServableError('INVALID_ARGUMENT', `${subject}: expected 32 bytes or their base64/hex text, got ${key === null ? 'null' : typeof key}`);
  }
  const text = key.trim();
  const bytes = /^[0-9a-fA-F]{64}$/.test(text) ? hexToBytes(text, subject) : base64ToBytes(text, subject);
  checkKeyLength(bytes, subject);
  return bytes;
}

function checkKeyLength(key: Uint8Array, subject: string): void {
  if (!(key instanceof Uint8Array) || key.length !== MODEL_KEY_BYTES) {
    const got = key instanceof Uint8Array ? `${key.length} bytes` : typeof key;
    throw new ServableError('INVALID_ARGUMENT', `${subject}: expected ${MODEL_KEY_BYTES} bytes (AES-256), got ${got} — make one with generateModelKey()`);
  }
}
