import { createHash } from 'node:crypto';
import { Metadata } from '@grpc/grpc-js';
import { describe, expect, it } from 'vitest';
import { GRPC_STATUS } from '../errors/status-mapping.js';
import { createAuthenticator } from './authenticator.js';
import { authorizeGrpcCall } from './grpc-auth.js';
import { HS_SECRET, AUDIENCE, ISSUER, signToken } from './auth-test-keys.test-helper.js';

const KEY = 'grpc-key-0123456789abcdef';
const auth = createAuthenticator({
  apiKeys: [{ id: 'grpc-client', hash: `sha256:${createHash('sha256').update(KEY).digest('hex')}`, scopes: ['infer:add_one'] }],
  jwt: { algorithms: ['HS256'], secret: HS_SECRET, audience: AUDIENCE, issuer: ISSUER },
});

function metadata(entries: Record<string, string>): Metadata {
  const m = new Metadata();
  for (const [k, v] of Object.entries(entries)) m.set(k, v);
  return m;
}

describe('authorizeGrpcCall', () => {
  it('maps missing and bad credentials to UNAUTHENTICATED', async () => {
    for (const m of [metadata({}), metadata({ 'x-api-key': 'nope-nope-nope-nope' }), metadata({ authorization: 'Bearer a.b.c' })]) {
      const r = await authorizeGrpcCall(auth, m, 'infer', 'add_one');
      expect(r.ok).toBe(false);
      expect(!r.ok && r.code).toBe(GRPC_STATUS.UNAUTHENTICATED);
    }
  });

  it('maps a missing scope to PERMISSION_DENIED and a granted one to the principal', async () => {
    const denied = await authorizeGrpcCall(auth, metadata({ 'x-api-key': KEY }), 'infer', 'mnist');
    expect(denied).toMatchObject({ ok: false, code: GRPC_STATUS.PERMISSION_DENIED });
    expect(!denied.ok && denied.details).toContain('infer:mnist');
    expect(await authorizeGrpcCall(auth, metadata({ 'x-api-key': KEY }), 'infer', 'add_one')).toEqual({ ok: true, principal: { id: 'grpc-client', scopes: ['infer:add_one'], kind: 'api-key' } });
    const token = await signToken({ alg: 'HS256', key: new TextEncoder().encode(HS_SECRET), scope: 'metadata:*' });
    expect(await authorizeGrpcCall(auth, metadata({ authorization: `Bearer ${token}` }), 'metadata', 'add_one')).toMatchObject({ ok: true, principal: { id: 'alice', kind: 'jwt' } });
    expect(await authorizeGrpcCall(auth, metadata({ authorization: `Bearer ${token}` }), 'infer', 'add_one')).toMatchObject({ ok: false, code: GRPC_STATUS.PERMISSION_DENIED });
  });
});
