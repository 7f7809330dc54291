import { createHash } from 'node:crypto';
import { ServableError } from '@servable/core';
import { parseApiKeyHash, verifyApiKey, type StoredApiKeyHash } from './api-key-hash.js';
import type { AuthAction, AuthConfig, Credentials, Principal } from './auth-config.js';
import { createJwtVerifier, type JwtVerifier } from './jwt-verifier.js';
import { authorize, validateScope } from './scopes.js';

/** Authenticates requests and checks their scopes, per an {@link AuthConfig}. */
export interface Authenticator {
  /** The configuration, validated. */
  readonly config: AuthConfig;
  /**
   * Finds who sent the credentials.
   * @throws ServableError `UNAUTHORIZED` for missing, unknown, expired or otherwise invalid credentials
   */
  authenticate(credentials: Credentials): Promise<Principal>;
  /**
   * Checks a principal's scopes.
   * @throws ServableError `FORBIDDEN` when no scope grants the action on the model
   */
  authorize(principal: Principal, action: AuthAction, model?: string): void;
}

interface KeyEntry {
  readonly id: string;
  readonly scopes: readonly string[];
  readonly stored: StoredApiKeyHash;
}

const CACHE_LIMIT = 1024;

function unauthorized(message: string, subject: string): ServableError {
  return new ServableError('UNAUTHORIZED', message, { details: { subject } });
}

function validateKeys(config: AuthConfig): KeyEntry[] {
  const list = config.apiKeys ?? [];
  if (!Array.isArray(list)) throw new ServableError('INVALID_ARGUMENT', `auth.apiKeys: expected a list of { id, hash, scopes }, got ${typeof list}`);
  const ids = new Set<string>();
  return list.map((entry, i) => {
    const subject = `auth.apiKeys[${i}]`;
    if (typeof entry !== 'object' || entry === null || typeof entry.id !== 'string' || entry.id.length === 0) {
      throw new ServableError('INVALID_ARGUMENT', `${subject}.id: expected a non-empty string naming the key's holder, got ${JSON.stringify((entry as { id?: unknown } | null)?.id)}`);
    }
    if (ids.has(entry.id)) throw new ServableError('INVALID_ARGUMENT', `${subject}.id: expected ids to be unique, got "${entry.id}" twice — rename one`);
    ids.add(entry.id);
    if (!Array.isArray(entry.scopes)) throw new ServableError('INVALID_ARGUMENT', `${subject}.scopes: expected a list such as ["infer:mnist"], got ${JSON.stringify(entry.scopes)}`);
    const scopes = (entry.scopes as readonly unknown[]).map((s: unknown, j: number) => validateScope(s, `${subject}.scopes[${j}]`));
    return { id: entry.id, scopes, stored: parseApiKeyHash(entry.hash, `${subject}.hash`) };
  });
}

function validateRateLimit(config: AuthConfig): void {
  const r = config.rateLimit;
  if (r === undefined) return;
  for (const key of ['max', 'timeWindowMs'] as const) {
    const v = r?.[key];
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) {
      throw new ServableError('INVALID_ARGUMENT', `auth.rateLimit.${key}: expected a positive integer, got ${JSON.stringify(v)} — for example { max: 100, timeWindowMs: 60000 }`);
    }
  }
}

/**
 * Creates the authenticator of a configuration: API keys (checked against their stored hashes
 * in constant time; successful and failed lookups cached by the key's SHA-256 so scrypt runs
 * once per key) and JWT bearer tokens (see {@link createJwtVerifier}).
 *
 * @example
 * ```ts
 * const auth = createAuthenticator({ apiKeys: [{ id: 'ci', hash: await hashApiKey(key), scopes: ['infer:mnist'] }] });
 * const principal = await auth.authenticate({ apiKey: request.headers['x-api-key'] });
 * auth.authorize(principal, 'infer', 'mnist');
 * ```
 * @throws ServableError `INVALID_ARGUMENT` for an invalid configuration
 */
export function createAuthenticator(config: AuthConfig): Authenticator {
  if (typeof config !== 'object' || config === null) {
    throw new ServableError('INVALID_ARGUMENT', `auth: expected { apiKeys?, jwt?, rateLimit? }, got ${config === null ? 'null' : typeof config}`);
  }
  const keys = validateKeys(config);
  validateRateLimit(config);
  const verifyJwt: JwtVerifier | undefined = config.jwt ? createJwtVerifier(config.jwt) : undefined;
  const cache = new Map<string, KeyEntry | null>();

  const remember = (fingerprint: string, entry: KeyEntry | null) => {
    if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!);
    cache.set(fingerprint, entry);
  };

  const byApiKey = async (key: string): Promise<Principal> => {
    if (keys.length === 0) throw unauthorized('x-api-key: expected no API key (this server accepts only bearer tokens), got one — send Authorization: Bearer <jwt>', 'x-api-key');
    const fingerprint = createHash('sha256').update(key, 'utf8').digest('base64');
    let entry = cache.get(fingerprint);
    if (entry === undefined) {
      entry = null;
      for (const candidate of keys) {
        if (await verifyApiKey(key, candidate.stored)) entry ??= candidate;
      }
      remember(fingerprint, entry);
    }
    if (!entry) throw unauthorized('x-api-key: expected a key listed in the server\'s auth configuration, got an unknown key — check the key or ask for a new one', 'x-api-key');
    return { id: entry.id, scopes: entry.scopes, kind: 'api-key' };
  };

  const byToken = async (token: string): Promise<Principal> => {
    if (!verifyJwt) throw unauthorized('Authorization: expected an API key (this server accepts no bearer tokens), got a bearer token — send x-api-key: <key>', 'authorization');
    const verified = await verifyJwt(token);
    return { id: verified.subject, scopes: verified.scopes, kind: 'jwt' };
  };

  return {
    config,
    async authenticate(credentials) {
      const apiKey = credentials.apiKey;
      if (typeof apiKey === 'string' && apiKey.length > 0) return byApiKey(apiKey);
      const header = credentials.authorization?.trim();
      if (header) {
        const space = header.indexOf(' ');
        const scheme = (space < 0 ? header : header.slice(0, space)).toLowerCase();
        const value = space < 0 ? '' : header.slice(space + 1).trim();
        if (scheme === 'bearer' && value) return byToken(value);
        if (scheme === 'apikey' && value) return byApiKey(value);
        throw unauthorized(`Authorization: expected "Bearer <jwt>" or "ApiKey <key>", got the scheme "${scheme.slice(0, 20)}"${value ? '' : ' without a value'}`, 'authorization');
      }
      throw unauthorized('credentials: expected an x-api-key header or Authorization: Bearer <jwt>, got none — send your key or token', 'credentials');
    },
    authorize,
  };
}
