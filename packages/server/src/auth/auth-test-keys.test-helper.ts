import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type CryptoKey, type JWTPayload } from 'jose';

/** Issuer and audience the test configurations pin. */
export const ISSUER = 'https://issuer.test';
export const AUDIENCE = 'servable-test';
/** An HS256 shared secret of 48 bytes. */
export const HS_SECRET = 'test-secret-0123456789-abcdefghijklmnopqrstuvwxyz';

/** Keys made fresh for one test file: RS256 and ES256 pairs, written as a JWKS and a PEM file. */
export interface TestKeys {
  readonly folder: string;
  readonly jwksFile: string;
  readonly rsaPublicPemFile: string;
  readonly rsaPublicPem: string;
  readonly rsa: CryptoKey;
  readonly ec: CryptoKey;
  readonly otherRsa: CryptoKey;
  remove(): void;
}

/** Generates the test key pairs and files. */
export async function createTestKeys(): Promise<TestKeys> {
  const folder = mkdtempSync(join(tmpdir(), 'servable-auth-'));
  const rsa = await generateKeyPair('RS256', { extractable: true });
  const ec = await generateKeyPair('ES256', { extractable: true });
  const other = await generateKeyPair('RS256');
  const jwks = {
    keys: [
      { ...(await exportJWK(rsa.publicKey)), kid: 'rsa-1', alg: 'RS256', use: 'sig' },
      { ...(await exportJWK(ec.publicKey)), kid: 'ec-1', alg: 'ES256', use: 'sig' },
    ],
  };
  const jwksFile = join(folder, 'jwks.json');
  writeFileSync(jwksFile, JSON.stringify(jwks));
  const rsaPublicPem = await exportSPKI(rsa.publicKey);
  const rsaPublicPemFile = join(folder, 'rsa.pem');
  writeFileSync(rsaPublicPemFile, rsaPublicPem);
  return {
    folder,
    jwksFile,
    rsaPublicPemFile,
    rsaPublicPem,
    rsa: rsa.privateKey,
    ec: ec.privateKey,
    otherRsa: other.privateKey,
    remove: () => rmSync(folder, { recursive: true, force: true }),
  };
}

/** Options of {@link signToken}. */
export interface SignOptions {
  readonly alg: 'RS256' | 'ES256' | 'HS256';
  readonly key: CryptoKey | Uint8Array;
  readonly kid?: string;
  readonly scope?: string;
  readonly audience?: string;
  readonly issuer?: string;
  readonly subject?: string;
  readonly expiresAt?: number;
  readonly claims?: JWTPayload;
}

/** Signs a token with the pinned issuer and audience unless told otherwise. */
export function signToken(options: SignOptions): Promise<string> {
  const jwt = new SignJWT({ ...(options.scope !== undefined ? { scope: options.scope } : {}), ...options.claims })
    .setProtectedHeader({ alg: options.alg, ...(options.kid ? { kid: options.kid } : {}) })
    .setIssuedAt()
    .setIssuer(options.issuer ?? ISSUER)
    .setAudience(options.audience ?? AUDIENCE)
    .setSubject(options.subject ?? 'alice')
    .setExpirationTime(options.expiresAt ?? Math.floor(Date.now() / 1000) + 600);
  return jwt.sign(options.key);
}

/** An unsigned token (`alg: none`) with valid-looking claims. */
export function unsignedToken(scope: string): string {
  const enc = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  return `${enc({ alg: 'none', typ: 'JWT' })}.${enc({ sub: 'mallory', scope, iss: ISSUER, aud: AUDIENCE, exp: now + 600 })}.`;
}
