import { ServableError } from '../errors/servable-error.js';

/** Base64 (standard alphabet, padded) of bytes; works in Node and browsers. */
export function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

/**
 * Bytes of base64 or base64url text (padding optional).
 * @param text - the encoded text
 * @param subject - what the text is, for the message (its content is never repeated)
 * @throws ServableError `INVALID_ARGUMENT` when the text is not base64
 */
export function base64ToBytes(text: string, subject: string): Uint8Array {
  const normalized = text.trim().replace(/-/g, '+').replace(/_/g, '/').replace(/=+$/, '');
  if (!/^[A-Za-z0-9+/]*$/.test(normalized) || normalized.length % 4 === 1) {
    throw new ServableError('INVALID_ARGUMENT', `${subject}: expected base64 text, got ${text.length} characters that are not base64 — check the encoding`);
  }
  const binary = atob(normalized + '='.repeat((4 - (normalized.length % 4)) % 4));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

/** Lowercase hex of bytes. */
export function bytesToHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Bytes of hex text (either case).
 * @throws ServableError `INVALID_ARGUMENT` when the text is not an even number of hex digits
 */
export function hexToBytes(text: string, subject: string): Uint8Array {
  const t = text.trim();
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(t)) {
    throw new ServableError('INVALID_ARGUMENT', `${subject}: expected hex digits in pairs, got ${t.length} characters that are not — check the encoding`);
  }
  const out = new Uint8Array(t.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(t.slice(i * 2, i * 2 + 2), 16);
  return out;
}

/** Joins byte arrays into one. */
export function concatBytes(...parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}
