import { describe, expect, it, afterAll, beforeAll } from 'vitest';
import { ServableError } from '@servable/core';
import { AUDIENCE, createTestKeys, HS_SECRET, ISSUER, signToken, type TestKeys } from './auth-test-keys.test-helper.js';
import { createJwtVerifier } from './jwt-verifier.js';

let keys: TestKeys;
beforeAll(async () => {
  keys = await createTestKeys();
});
afterAll(() => keys.remove());

function configError(config: unknown): string {
  try {
    createJwtVerifier(config as never);
  } catch (e) {
    expect(ServableError.isInstance(e) && e.code).toBe('INVALID_ARGUMENT');
    return (e as Error).message;
  }
  throw new Error('expected a configuration error');
}

describe('createJwtVerifier', () => {
  it('verifies RS256 with a PEM public key file and reads scope and scopes claims', async () => {
    const verify = createJwtVerifier({ algorithms: ['RS256'], publicKeyFile: keys.rsaPublicPemFile, audience: AUDIENCE, issuer: ISSUER });
    expect(await verify(await signToken({ alg: 'RS256', key: keys.rsa, scope: 'infer:a  metadata:*' }))).toEqual({ subject: 'alice', scopes: ['infer:a', 'metadata:*'] });
    expect(await verify(await signToken({ alg: 'RS256', key: keys.rsa, claims: { scopes: ['admin', 7] } }))).toEqual({ subject: 'alice', scopes: ['admin'] });
    expect(await verify(await signToken({ alg: 'RS256', key: keys.rsa }))).toEqual({ subject: 'alice', scopes: [] });
  });

  it('refuses a token without sub or with nbf in the future, within the clock tolerance only', async () => {
    const verify = createJwtVerifier({ algorithms: ['HS256'], secret: HS_SECRET, audience: AUDIENCE, issuer: ISSUER, clockToleranceSec: 0 });
    const secret = new TextEncoder().encode(HS_SECRET);
    await expect(verify(await signToken({ alg: 'HS256', key: secret, claims: { nbf: Math.floor(Date.now() / 1000) + 120 } }))).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    await expect(verify(await signToken({ alg: 'HS256', key: secret, expiresAt: Math.floor(Date.now() / 1000) - 2 }))).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    const lenient = createJwtVerifier({ algorithms: ['HS256'], secret: HS_SECRET, audience: AUDIENCE, issuer: ISSUER, clockToleranceSec: 60 });
    await expect(lenient(await signToken({ alg: 'HS256', key: secret, expiresAt: Math.floor(Date.now() / 1000) - 2 }))).resolves.toMatchObject({ subject: 'alice' });
    await expect(verify('not-a-jwt')).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
  });

  it('refuses configurations that would verify nothing or everything', () => {
    expect(configError({ algorithms: ['none'], secret: HS_SECRET, audience: AUDIENCE, issuer: ISSUER })).toContain('"none"');
    expect(configError({ algorithms: [], secret: HS_SECRET, audience: AUDIENCE, issuer: ISSUER })).toContain('algorithms');
    expect(configError({ algorithms: ['HS256'], secret: 'short', audience: AUDIENCE, issuer: ISSUER })).toContain('at least 32 bytes');
    expect(configError({ algorithms: ['RS256'], audience: AUDIENCE, issuer: ISSUER })).toContain('jwksFile or publicKeyFile');
    expect(configError({ algorithms: ['RS256'], jwksFile: keys.jwksFile, issuer: ISSUER })).toContain('audience');
    expect(configError({ algorithms: ['RS256'], jwksFile: keys.jwksFile, audience: AUDIENCE, issuer: '' })).toContain('issuer');
    expect(configError({ algorithms: ['RS256'], jwksFile: `${keys.folder}/missing.json`, audience: AUDIENCE, issuer: ISSUER })).toContain('ENOENT');
    expect(configError({ algorithms: ['RS256'], publicKeyFile: keys.jwksFile, audience: AUDIENCE, issuer: ISSUER })).toContain('PEM');
    const message = configError({ algorithms: ['RS256'], jwksFile: `${keys.folder}/missing.json`, audience: AUDIENCE, issuer: ISSUER });
    expect(message).not.toContain(keys.folder);
  });
});
