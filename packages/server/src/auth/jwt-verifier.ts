import { createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { createLocalJWKSet, errors as joseErrors, jwtVerify, type JSONWebKeySet, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { ServableError } from '@servable/core';
import type { JwtAlgorithm, JwtConfig } from './auth-config.js';

const ALGORITHMS: readonly JwtAlgorithm[] = ['HS256', 'RS256', 'ES256'];

/** The verified claims of a token that matter to the server. */
export interface VerifiedToken {
  /** `sub`. */
  readonly subject: string;
  /** Scopes from `scope` (space-separated) or `scopes` (array or space-separated). */
  readonly scopes: readonly string[];
}

/** Verifies a compact JWS; resolves with its subject and scopes. */
export type JwtVerifier = (token: string) => Promise<VerifiedToken>;

function invalid(message: string): never {
  throw new ServableError('INVALID_ARGUMENT', `auth.jwt ${message}`);
}

function readConfigFile(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (cause) {
    throw new ServableError('INVALID_ARGUMENT', `auth.jwt.${what}: expected a readable file, got ${(cause as NodeJS.ErrnoException).code ?? 'an error'} for "${basename(path)}" — check the path and its permissions`, { cause });
  }
}

function scopesOf(payload: JWTPayload): string[] {
  const raw = payload.scope ?? payload.scopes;
  if (typeof raw === 'string') return raw.split(/\s+/).filter((s) => s.length > 0);
  if (Array.isArray(raw)) return raw.filter((s): s is string => typeof s === 'string');
  return [];
}

function reason(error: unknown): string {
  if (error instanceof joseErrors.JWTClaimValidationFailed) return `claim "${error.claim}" check failed (${error.reason})`;
  if (error instanceof joseErrors.JWTExpired) return 'the token has expired';
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return 'its algorithm is not allowed';
  if (error instanceof joseErrors.JWSSignatureVerificationFailed) return 'its signature does not verify';
  if (error instanceof joseErrors.JWKSNoMatchingKey) return 'no key in the key set matches it';
  if (error instanceof joseErrors.JOSEError) return error.code;
  return 'it is malformed';
}

/**
 * Builds the verifier for a {@link JwtConfig}: algorithms, audience, issuer and expiry are
 * pinned; `exp` and `sub` are required. Key files are read once, here.
 * @throws ServableError `INVALID_ARGUMENT` for a configuration that cannot verify anything
 */
export function createJwtVerifier(config: JwtConfig): JwtVerifier {
  if (typeof config !== 'object' || config === null) invalid(`: expected an object with algorithms, a key, audience and issuer, got ${String(config)}`);
  const algorithms = config.algorithms;
  if (!Array.isArray(algorithms) || algorithms.length === 0 || algorithms.some((a) => !ALGORITHMS.includes(a))) {
    invalid(`.algorithms: expected a non-empty list of ${ALGORITHMS.join(', ')}, got ${JSON.stringify(algorithms)} — "none" and other algorithms are never accepted`);
  }
  const hmac = algorithms.includes('HS256');
  const asymmetric = algorithms.some((a) => a !== 'HS256');
  let secret: Uint8Array | undefined;
  if (hmac) {
    if (typeof config.secret !== 'string' || Buffer.byteLength(config.secret) < 32) {
      invalid(`.secret: expected a shared secret of at least 32 bytes for HS256, got ${typeof config.secret === 'string' ? `${Buffer.byteLength(config.secret)} bytes` : 'none'} — generate one with openssl rand -base64 48`);
    }
    secret = new TextEncoder().encode(config.secret);
  }
  let jwks: JWTVerifyGetKey | undefined;
  let publicKey: KeyObject | undefined;
  if (asymmetric) {
    if (config.jwksFile) {
      let set: JSONWebKeySet;
      try {
        set = JSON.parse(readConfigFile(config.jwksFile, 'jwksFile')) as JSONWebKeySet;
      } catch (cause) {
        if (ServableError.isInstance(cause)) throw cause;
        invalid(`.jwksFile: expected JSON {"keys": [...]}, got text that does not parse`);
      }
      if (!set || !Array.isArray(set.keys)) invalid('.jwksFile: expected JSON {"keys": [...]}, got another shape');
      if (set.keys.some((k) => typeof k === 'object' && k !== null && 'd' in k)) {
        invalid('.jwksFile: expected public keys only, got a key with a private part ("d") — publish only the public JWKS');
      }
      jwks = createLocalJWKSet(set);
    } else if (config.publicKeyFile) {
      try {
        publicKey = createPublicKey(readConfigFile(config.publicKeyFile, 'publicKeyFile'));
      } catch (cause) {
        if (ServableError.isInstance(cause)) throw cause;
        invalid('.publicKeyFile: expected a PEM public key (-----BEGIN PUBLIC KEY-----), got another content');
      }
    } else {
      invalid(`: expected jwksFile or publicKeyFile for ${algorithms.filter((a) => a !== 'HS256').join(', ')}, got neither`);
    }
  }
  for (const claim of ['audience', 'issuer'] as const) {
    const v = config[claim];
    const ok = typeof v === 'string' ? v.length > 0 : Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string' && x.length > 0);
    if (!ok) invalid(`.${claim}: expected a non-empty string (or list), got ${JSON.stringify(v)} — tokens are only accepted for a pinned ${claim}`);
  }
  const tolerance = config.clockToleranceSec ?? 30;
  if (!Number.isFinite(tolerance) || tolerance < 0 || tolerance > 600) invalid(`.clockToleranceSec: expected 0 to 600 seconds, got ${tolerance}`);

  const getKey: JWTVerifyGetKey = async (header, token) => {
    if (header.alg === 'HS256') {
      if (!secret) throw new joseErrors.JOSEAlgNotAllowed('"alg" (Algorithm) Header Parameter value not allowed');
      return secret;
    }
    if (jwks) return jwks(header, token);
    if (publicKey) return publicKey;
    throw new joseErrors.JOSEAlgNotAllowed('"alg" (Algorithm) Header Parameter value not allowed');
  };
  const options = {
    algorithms: [...algorithms],
    audience: config.audience as string | string[],
    issuer: config.issuer as string | string[],
    clockTolerance: tolerance,
    requiredClaims: ['exp', 'sub'],
  };
  const expected = `a JWT signed with ${algorithms.join('/')} for audience ${JSON.stringify(config.audience)} and issuer ${JSON.stringify(config.issuer)}, unexpired`;
  return async (token) => {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, getKey, options));
    } catch (cause) {
      throw new ServableError('UNAUTHORIZED', `Authorization bearer token: expected ${expected}, got one that fails: ${reason(cause)} — obtain a new token from the issuer`, {
        cause,
        details: { subject: 'authorization' },
      });
    }
    return { subject: payload.sub!, scopes: scopesOf(payload) };
  };
}
