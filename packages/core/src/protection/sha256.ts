import { ServableError } from '../errors/servable-error.js';
import { subtleCrypto } from './web-crypto.js';

/** Hex sha256 of bytes, with WebCrypto (Node and browsers alike). */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await subtleCrypto().digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Checks bytes against an expected sha256.
 * @param bytes - file content
 * @param expected - hex digest from the manifest
 * @param subject - the file, for the message (a name, never a host path)
 * @throws ServableError `MODEL_INTEGRITY` when they differ
 */
export async function verifySha256(bytes: Uint8Array, expected: string, subject: string): Promise<void> {
  const actual = await sha256Hex(bytes);
  if (actual !== expected.toLowerCase()) {
    throw new ServableError(
      'MODEL_INTEGRITY',
      `${subject}: expected sha256 ${expected}, got ${actual} — the file changed after its manifest was written; restore it or rewrite servable.json`,
      { details: { subject, expected, received: actual } },
    );
  }
}
