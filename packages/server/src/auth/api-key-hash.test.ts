import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ServableError } from '@servable/core';
import { generateApiKey, hashApiKey, parseApiKeyHash, verifyApiKey } from './api-key-hash.js';
import { createAuthenticator } from './authenticator.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return ServableError.isInstance(e) ? e.code : 'not a ServableError';
  }
  return undefined;
}

describe('hashApiKey', () => {
  it('writes scrypt with a fresh salt per call, never the key, and verifies only the same key', async () => {
    const key = generateApiKey();
    expect(key).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const [a, b] = await Promise.all([hashApiKey(key), hashApiKey(key)]);
    expect(a).toMatch(/^scrypt\$16384\$8\$1\$/);
    expect(a).not.toBe(b);
    expect(a).not.toContain(key);
    expect(await verifyApiKey(key, parseApiKeyHash(a, 'a'))).toBe(true);
    expect(await verifyApiKey(key, parseApiKeyHash(b, 'b'))).toBe(true);
    expect(await verifyApiKey(`${key}x`, parseApiKeyHash(a, 'a'))).toBe(false);
    expect(await verifyApiKey(key.slice(1), parseApiKeyHash(a, 'a'))).toBe(false);
  });

  it('accepts sha256:<hex> hashes', async () => {
    const key = 'a-long-enough-api-key';
    const stored = parseApiKeyHash(`sha256:${createHash('sha256').update(key).digest('hex')}`, 'k');
    expect(await verifyApiKey(key, stored)).toBe(true);
    expect(await verifyApiKey('another-long-api-key', stored)).toBe(false);
  });

  it('refuses short keys and malformed hashes without echoing them', async () => {
    await expect(hashApiKey('short')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    for (const bad of ['plain-text-key-stored-by-mistake', 'sha256:abc', 'scrypt$3$8$1$AAAA$BBBB', 'md5:0123', 42, null]) {
      try {
        parseApiKeyHash(bad, 'auth.apiKeys[0].hash');
        expect.unreachable();
      } catch (e) {
        expect((e as ServableError).code).toBe('INVALID_ARGUMENT');
        expect((e as Error).message).toContain('auth.apiKeys[0].hash');
        if (typeof bad === 'string') expect((e as Error).message).not.toContain(bad);
      }
    }
  });
});

describe('createAuthenticator configuration', () => {
  const hash = `sha256:${'0'.repeat(64)}`;
  it('refuses duplicate ids, unknown actions and bad rate limits', () => {
    expect(codeOf(() => createAuthenticator({ apiKeys: [{ id: 'a', hash, scopes: [] }, { id: 'a', hash, scopes: [] }] }))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => createAuthenticator({ apiKeys: [{ id: 'a', hash, scopes: ['delete:everything'] }] }))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => createAuthenticator({ apiKeys: [{ id: 'a', hash, scopes: ['infer:'] }] }))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => createAuthenticator({ rateLimit: { max: 0, timeWindowMs: 1000 } }))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => createAuthenticator(null as never))).toBe('INVALID_ARGUMENT');
    expect(codeOf(() => createAuthenticator({ apiKeys: [{ id: 'a', hash, scopes: ['infer:mnist', 'admin', 'metadata:*'] }] }))).toBeUndefined();
  });

  it('authorizes per action and model', async () => {
    const key = 'a-long-enough-api-key';
    const auth = createAuthenticator({ apiKeys: [{ id: 'ci', hash: `sha256:${createHash('sha256').update(key).digest('hex')}`, scopes: ['infer:mnist', 'metadata:*'] }] });
    const principal = await auth.authenticate({ apiKey: key });
    expect(principal).toEqual({ id: 'ci', scopes: ['infer:mnist', 'metadata:*'], kind: 'api-key' });
    expect(codeOf(() => auth.authorize(principal, 'infer', 'mnist'))).toBeUndefined();
    expect(codeOf(() => auth.authorize(principal, 'infer', 'cnn'))).toBe('FORBIDDEN');
    expect(codeOf(() => auth.authorize(principal, 'metadata', 'cnn'))).toBeUndefined();
    expect(codeOf(() => auth.authorize(principal, 'admin'))).toBe('FORBIDDEN');
    expect(codeOf(() => auth.authorize(principal, 'explain', 'mnist'))).toBe('FORBIDDEN');
    await expect(auth.authenticate({})).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    await expect(auth.authenticate({ authorization: 'Bearer x.y.z' })).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    await expect(auth.authenticate({ authorization: `ApiKey ${key}` })).resolves.toMatchObject({ id: 'ci' });
  });
});
