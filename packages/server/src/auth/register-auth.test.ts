import { createHash } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashApiKey } from './api-key-hash.js';
import { AUDIENCE, createTestKeys, HS_SECRET, ISSUER, signToken, unsignedToken, type TestKeys } from './auth-test-keys.test-helper.js';
import type { AuthConfig } from './auth-config.js';
import { registerAuth } from './register-auth.js';

const sha = (key: string) => `sha256:${createHash('sha256').update(key).digest('hex')}`;
const GOOD_KEY = 'good-key-0123456789abcdef';
const SCRYPT_KEY = 'scrypt-key-0123456789abcdef';
const NARROW_KEY = 'narrow-key-0123456789abcdef';

/** One route per class of the server's routes, with the scope a valid caller holds for it. */
const ROUTES: { name: string; method: 'GET' | 'POST'; url: string; scope: string; wrongScope: string; body?: unknown }[] = [
  { name: 'server metadata', method: 'GET', url: '/v2', scope: 'metadata:mnist', wrongScope: 'infer:*' },
  { name: 'model metadata', method: 'GET', url: '/v2/models/mnist', scope: 'metadata:mnist', wrongScope: 'metadata:other' },
  { name: 'model readiness', method: 'GET', url: '/v2/models/mnist/versions/1/ready', scope: 'metadata:*', wrongScope: 'infer:mnist' },
  { name: 'OIP infer', method: 'POST', url: '/v2/models/mnist/infer', scope: 'infer:mnist', wrongScope: 'metadata:mnist', body: { inputs: [] } },
  { name: 'versioned infer', method: 'POST', url: '/v2/models/mnist/versions/2/infer', scope: 'infer', wrongScope: 'infer:other', body: { inputs: [] } },
  { name: 'simple predict', method: 'POST', url: '/v1/models/mnist:predict', scope: 'infer:mnist', wrongScope: 'explain:mnist', body: { instances: [] } },
  { name: 'explain', method: 'POST', url: '/v2/models/mnist/explain', scope: 'explain:mnist', wrongScope: 'infer:mnist', body: {} },
  { name: 'generate', method: 'POST', url: '/v2/models/gpt/generate', scope: 'generate:gpt', wrongScope: 'infer:gpt', body: { text_input: 'hi' } },
  { name: 'OpenAI completions (model in body)', method: 'POST', url: '/v1/completions', scope: 'generate:gpt', wrongScope: 'generate:other', body: { model: 'gpt', prompt: 'hi' } },
  { name: 'repository admin', method: 'POST', url: '/v2/repository/models/mnist/load', scope: 'admin', wrongScope: 'infer:*' },
];

let keys: TestKeys;
let app: FastifyInstance;
let hsApp: FastifyInstance;

function addRoutes(target: FastifyInstance): void {
  const ok = async (request: { principal?: { id: string; kind: string } }) => ({ ok: true, principal: request.principal?.id ?? null, kind: request.principal?.kind ?? null });
  target.get('/v2/health/live', async () => ({ live: true }));
  target.get('/v2/health/ready', async () => ({ ready: true }));
  target.get('/metrics', async () => 'metric 1');
  target.get('/v2', ok);
  target.get('/v2/models/:name', ok);
  target.get('/v2/models/:name/versions/:version/ready', ok);
  target.post('/v2/models/:name/infer', ok);
  target.post('/v2/models/:name/versions/:version/infer', ok);
  target.post('/v1/models/:target', ok);
  target.post('/v2/models/:name/explain', ok);
  target.post('/v2/models/:name/generate', ok);
  target.post('/v1/completions', ok);
  target.post('/v2/repository/models/:name/load', ok);
}

async function build(config: AuthConfig): Promise<FastifyInstance> {
  const instance = Fastify();
  await registerAuth(instance, { config });
  addRoutes(instance);
  await instance.ready();
  return instance;
}

beforeAll(async () => {
  keys = await createTestKeys();
  const config: AuthConfig = {
    apiKeys: [
      { id: 'all-access', hash: sha(GOOD_KEY), scopes: ['infer:*', 'metadata:*', 'explain:*', 'generate:*', 'admin'] },
      { id: 'scrypt-holder', hash: await hashApiKey(SCRYPT_KEY), scopes: ['infer:mnist'] },
      { id: 'narrow', hash: sha(NARROW_KEY), scopes: [] },
    ],
    jwt: { algorithms: ['RS256', 'ES256'], jwksFile: keys.jwksFile, audience: AUDIENCE, issuer: ISSUER, clockToleranceSec: 5 },
  };
  app = await build(config);
  hsApp = await build({ jwt: { algorithms: ['HS256'], secret: HS_SECRET, audience: AUDIENCE, issuer: ISSUER } });
}, 60_000);

afterAll(async () => {
  await app.close();
  await hsApp.close();
  keys.remove();
});

function call(target: FastifyInstance, route: (typeof ROUTES)[number], headers: Record<string, string> = {}) {
  return target.inject({
    method: route.method,
    url: route.url,
    headers: { ...headers, ...(route.body ? { 'content-type': 'application/json' } : {}) },
    ...(route.body ? { payload: JSON.stringify(route.body) } : {}),
  });
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const now = () => Math.floor(Date.now() / 1000);

describe('public routes', () => {
  it('leaves health and metrics open without credentials', async () => {
    for (const url of ['/v2/health/live', '/v2/health/ready', '/metrics']) {
      const r = await app.inject({ method: 'GET', url });
      expect(r.statusCode, url).toBe(200);
    }
  });

  it('protects metrics when told to', async () => {
    const protectedApp = await build({ apiKeys: [{ id: 'ops', hash: sha(GOOD_KEY), scopes: ['admin'] }], protectMetrics: true });
    expect((await protectedApp.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
    expect((await protectedApp.inject({ method: 'GET', url: '/metrics', headers: { 'x-api-key': GOOD_KEY } })).statusCode).toBe(200);
    expect((await protectedApp.inject({ method: 'GET', url: '/v2/health/live' })).statusCode).toBe(200);
    await protectedApp.close();
  });
});

describe.each(ROUTES)('$name ($method $url)', (route) => {
  it('answers 401 with WWW-Authenticate: Bearer without credentials', async () => {
    const r = await call(app, route);
    expect(r.statusCode).toBe(401);
    expect(r.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(r.json().error).toContain('expected an x-api-key header or Authorization: Bearer');
  });

  it('answers 401 for a wrong API key, in either header', async () => {
    expect((await call(app, route, { 'x-api-key': 'wrong-key-0123456789abcdef' })).statusCode).toBe(401);
    expect((await call(app, route, { authorization: 'ApiKey wrong-key-0123456789abcdef' })).statusCode).toBe(401);
    expect((await call(app, route, { authorization: 'Basic dXNlcjpwYXNz' })).statusCode).toBe(401);
  });

  it('answers 401 for an expired token', async () => {
    const token = await signToken({ alg: 'RS256', key: keys.rsa, kid: 'rsa-1', scope: route.scope, expiresAt: now() - 60 });
    const r = await call(app, route, bearer(token));
    expect(r.statusCode).toBe(401);
    expect(r.json().error).toContain('the token has expired');
  });

  it('answers 401 for a wrong audience, a wrong issuer, a foreign key, alg none and an HS256 token against RS256', async () => {
    const tokens = [
      await signToken({ alg: 'RS256', key: keys.rsa, kid: 'rsa-1', scope: route.scope, audience: 'someone-else' }),
      await signToken({ alg: 'ES256', key: keys.ec, kid: 'ec-1', scope: route.scope, issuer: 'https://evil.test' }),
      await signToken({ alg: 'RS256', key: keys.otherRsa, kid: 'rsa-1', scope: route.scope }),
      unsignedToken(route.scope),
      await signToken({ alg: 'HS256', key: new TextEncoder().encode(keys.rsaPublicPem), kid: 'rsa-1', scope: route.scope }),
    ];
    for (const token of tokens) {
      const r = await call(app, route, bearer(token));
      expect(r.statusCode).toBe(401);
      expect(r.body).not.toContain(token);
    }
  });

  it('answers 403 for a valid credential without the scope', async () => {
    const token = await signToken({ alg: 'RS256', key: keys.rsa, kid: 'rsa-1', scope: route.wrongScope });
    const r = await call(app, route, bearer(token));
    expect(r.statusCode).toBe(403);
    expect(r.headers['www-authenticate']).toContain('insufficient_scope');
    expect(r.json().error).toContain('token subject "alice": expected scope');
    expect((await call(app, route, { 'x-api-key': NARROW_KEY })).statusCode).toBe(403);
  });

  it('answers 2xx for a valid API key and valid RS256 and ES256 tokens with the scope', async () => {
    const byKey = await call(app, route, { 'x-api-key': GOOD_KEY });
    expect(byKey.statusCode).toBe(200);
    expect(byKey.json()).toEqual({ ok: true, principal: 'all-access', kind: 'api-key' });
    for (const token of [
      await signToken({ alg: 'RS256', key: keys.rsa, kid: 'rsa-1', scope: `${route.scope} other:thing` }),
      await signToken({ alg: 'ES256', key: keys.ec, kid: 'ec-1', claims: { scopes: [route.scope] } }),
    ]) {
      const r = await call(app, route, bearer(token));
      expect(r.statusCode).toBe(200);
      expect(r.json()).toEqual({ ok: true, principal: 'alice', kind: 'jwt' });
    }
  });

  it('checks HS256 tokens against the shared secret only', async () => {
    const good = await signToken({ alg: 'HS256', key: new TextEncoder().encode(HS_SECRET), scope: route.scope });
    expect((await call(hsApp, route, bearer(good))).statusCode).toBe(200);
    const forged = await signToken({ alg: 'HS256', key: new TextEncoder().encode(`${HS_SECRET}x`), scope: route.scope });
    expect((await call(hsApp, route, bearer(forged))).statusCode).toBe(401);
    const rsa = await signToken({ alg: 'RS256', key: keys.rsa, kid: 'rsa-1', scope: route.scope });
    expect((await call(hsApp, route, bearer(rsa))).statusCode).toBe(401);
    expect((await call(hsApp, route, { 'x-api-key': GOOD_KEY })).statusCode).toBe(401);
  });
});

describe('API keys', () => {
  it('accepts a scrypt-hashed key and limits it to its scopes', async () => {
    const infer = ROUTES.find((r) => r.name === 'OIP infer')!;
    const r = await call(app, infer, { 'x-api-key': SCRYPT_KEY });
    expect(r.statusCode).toBe(200);
    expect(r.json().principal).toBe('scrypt-holder');
    const other = await app.inject({ method: 'POST', url: '/v2/models/other/infer', headers: { 'x-api-key': SCRYPT_KEY, 'content-type': 'application/json' }, payload: '{}' });
    expect(other.statusCode).toBe(403);
  });

  it('decodes percent-encoded model names before matching scopes', async () => {
    const r = await app.inject({ method: 'GET', url: '/v2/models/..%2Fmnist', headers: bearer(await signToken({ alg: 'RS256', key: keys.rsa, kid: 'rsa-1', scope: 'metadata:mnist' })) });
    expect(r.statusCode).toBe(403);
  });

  it('refuses the OpenAI routes when the body names another model or is not JSON', async () => {
    const token = await signToken({ alg: 'RS256', key: keys.rsa, kid: 'rsa-1', scope: 'generate:gpt' });
    const headers = { ...bearer(token), 'content-type': 'application/json' };
    expect((await app.inject({ method: 'POST', url: '/v1/completions', headers, payload: '{"model":"secret-model","prompt":"x"}' })).statusCode).toBe(403);
    expect((await app.inject({ method: 'POST', url: '/v1/completions', headers, payload: '{"model":"gpt","prompt":"x"}' })).statusCode).toBe(200);
  });
});

describe('rate limit', () => {
  it('answers 429 with Retry-After once a key spends its budget, per key, leaving health open', async () => {
    const limited = await build({
      apiKeys: [
        { id: 'a', hash: sha(GOOD_KEY), scopes: ['metadata:*'] },
        { id: 'b', hash: sha(NARROW_KEY), scopes: ['metadata:*'] },
      ],
      rateLimit: { max: 3, timeWindowMs: 60_000 },
    });
    const get = (key: string) => limited.inject({ method: 'GET', url: '/v2/models/mnist', headers: { 'x-api-key': key } });
    for (let i = 0; i < 3; i++) expect((await get(GOOD_KEY)).statusCode).toBe(200);
    const over = await get(GOOD_KEY);
    expect(over.statusCode).toBe(429);
    expect(Number(over.headers['retry-after'])).toBeGreaterThan(0);
    expect(over.json().message ?? over.json().error).toContain('rate limit');
    expect((await get(NARROW_KEY)).statusCode).toBe(200);
    for (let i = 0; i < 5; i++) expect((await limited.inject({ method: 'GET', url: '/v2/health/live' })).statusCode).toBe(200);
    expect((await limited.inject({ method: 'GET', url: '/v2/models/mnist' })).statusCode).toBe(401);
    await limited.close();
  });
});
