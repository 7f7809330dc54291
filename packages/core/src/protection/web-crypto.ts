import { ServableError } from '../errors/servable-error.js';

/** WebCrypto's `subtle`, the same in Node ≥ 20 and browsers; `UNSUPPORTED_CAPABILITY` where it is missing. */
export function subtleCrypto(): SubtleCrypto {
  const s = globalThis.crypto?.subtle;
  if (!s) {
    throw new ServableError('UNSUPPORTED_CAPABILITY', 'WebCrypto: expected globalThis.crypto.subtle, got none — use Node ≥ 20 or a secure (https or localhost) page');
  }
  return s;
}

/** `n` cryptographically random bytes from WebCrypto. */
export function randomBytes(n: number): Uint8Array {
  subtleCrypto();
  return globalThis.crypto.getRandomValues(new Uint8Array(n));
}
