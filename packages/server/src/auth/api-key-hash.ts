import { createHash, randomBytes, scrypt as scryptCallback, timingSafeEqual } from 'node:crypto';
import { ServableError } from '@servable/core';

const SCRYPT = { N: 16384, r: 8, p: 1, keyLength: 32, saltLength: 16 } as const;
const SCRYPT_FORM = /^scrypt\$(\d+)\$(\d+)\$(\d+)\$([A-Za-z0-9_-]+)\$([A-Za-z0-9_-]+)$/;
const SHA256_FORM = /^sha256:([0-9a-f]{64})$/i;

function scrypt(key: string, salt: Buffer, N: number, r: number, p: number, length: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scryptCallback(key, salt, length, { N, r, p, maxmem: 256 * N * r }, (error, derived) => (error ? reject(error) : resolve(derived)));
  });
}

/** A parsed stored hash. */
export type StoredApiKeyHash =
  | {
      /** A plain SHA-256 digest of the key (`sha256:<hex>`). */
      readonly kind: 'sha256';
      /** The 32-byte SHA-256 digest of the key's UTF-8 bytes. */
      readonly digest: Buffer;
    }
  | {
      /** An scrypt hash (`scrypt$N$r$p$<salt>$<digest>`), as {@link hashApiKey} writes. */
      readonly kind: 'scrypt';
      /** scrypt cost parameter: a power of two, at most 2^20. */
      readonly N: number;
      /** scrypt block size, 1–32. */
      readonly r: number;
      /** scrypt parallelization, 1–16. */
      readonly p: number;
      /** The salt, at least 8 bytes. */
      readonly salt: Buffer;
      /** The derived key, at least 16 bytes; its length is the length derived when verifying. */
      readonly digest: Buffer;
    };

/**
 * Parses the `hash` of an API key entry.
 * @param hash - `sha256:<64 hex>` or `scrypt$N$r$p$<salt>$<digest>` (base64url)
 * @param subject - what the hash belongs to, for the message
 * @throws ServableError `INVALID_ARGUMENT` for any other form
 */
export function parseApiKeyHash(hash: unknown, subject: string): StoredApiKeyHash {
  if (typeof hash === 'string') {
    const sha = SHA256_FORM.exec(hash);
    if (sha) return { kind: 'sha256', digest: Buffer.from(sha[1]!, 'hex') };
    const s = SCRYPT_FORM.exec(hash);
    if (s) {
      const [N, r, p] = [Number(s[1]), Number(s[2]), Number(s[3])];
      const salt = Buffer.from(s[4]!, 'base64url');
      const digest = Buffer.from(s[5]!, 'base64url');
      const powerOfTwo = N > 1 && (N & (N - 1)) === 0;
      if (powerOfTwo && N <= 2 ** 20 && r >= 1 && r <= 32 && p >= 1 && p <= 16 && salt.length >= 8 && digest.length >= 16) {
        return { kind: 'scrypt', N, r, p, salt, digest };
      }
    }
  }
  throw new ServableError(
    'INVALID_ARGUMENT',
    `${subject}: expected "sha256:<64 hex digits>" or the "scrypt$…" form written by hashApiKey, got ${typeof hash === 'string' ? `a string of ${hash.length} characters` : typeof hash} — run hashApiKey(key) and store its result, never the key`,
  );
}

/**
 * Hashes an API key for a configuration file: scrypt (N=16384, r=8, p=1) with a fresh random
 * 16-byte salt, written as `scrypt$16384$8$1$<salt>$<digest>` (base64url). The key itself is
 * never stored.
 *
 * @example
 * ```ts
 * const key = generateApiKey();             // give this to the client
 * const hash = await hashApiKey(key);      // put this in the server's config
 * ```
 * @throws ServableError `INVALID_ARGUMENT` for a key shorter than 16 characters
 */
export async function hashApiKey(key: string): Promise<string> {
  if (typeof key !== 'string' || key.length < 16) {
    throw new ServableError('INVALID_ARGUMENT', `hashApiKey key: expected a string of at least 16 characters, got ${typeof key === 'string' ? `${key.length} characters` : typeof key} — use generateApiKey() for a random key`);
  }
  const salt = randomBytes(SCRYPT.saltLength);
  const digest = await scrypt(key, salt, SCRYPT.N, SCRYPT.r, SCRYPT.p, SCRYPT.keyLength);
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64url')}$${digest.toString('base64url')}`;
}

/** A new random API key: 32 bytes from the system's CSPRNG, base64url (43 characters). */
export function generateApiKey(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * True when `key` matches the stored hash; the comparison takes the same time wherever the
 * bytes differ.
 */
export async function verifyApiKey(key: string, stored: StoredApiKeyHash): Promise<boolean> {
  const digest =
    stored.kind === 'sha256'
      ? createHash('sha256').update(key, 'utf8').digest()
      : await scrypt(key, stored.salt, stored.N, stored.r, stored.p, stored.digest.length);
  return digest.length === stored.digest.length && timingSafeEqual(digest, stored.digest);
}
