import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDIENCE, createTestKeys, ISSUER, signToken, type TestKeys } from '../../src/auth/auth-test-keys.test-helper.js';
import { createServer, type Server } from '../../src/index.js';
import { createTestRepository, type TestRepository } from '../support/test-repository.js';

const KEY = 'battery-key-0123456789abcdef';
const VALID = '{"inputs":[{"name":"x","datatype":"FP32","shape":[1,3],"data":[1,2,3]}]}';
const EXPLAIN = '{"inputs":[{"name":"x","datatype":"FP32","shape":[1,3],"data":[1,2,3]}],"parameters":{"method":"occlusion"}}';

/** The real server's routes, each with the scope that grants it and one that does not. */
const ROUTES = [
  { method: 'GET', url: '/v2', scope: 'metadata:add_one', wrongScope: 'infer:add_one', ok: 200 },
  { method: 'GET', url: '/v2/models/add_one', scope: 'metadata:add_one', wrongScope: 'infer:add_one', ok: 200 },
  { method: 'GET', url: '/v2/models/add_one/versions/1', scope: 'metadata:*', wrongScope: 'metadata:other', ok: 200 },
  { method: 'GET', url: '/v2/models/add_one/ready', scope: 'metadata:add_one', wrongScope: 'admin', ok: 200 },
  { method: 'POST', url: '/v2/models/add_one/infer', scope: 'infer:add_one', wrongScope: 'metadata:add_one', ok: 200, body: VALID },
  { method: 'POST', url: '/v2/models/add_one/versions/1/infer', scope: 'infer:*', wrongScope: 'infer:other', ok: 200, body: VALID },
  { method: 'POST', url: '/v1/models/add_one:predict', scope: 'infer:add_one', wrongScope: 'explain:add_one', ok: 200, body: '{"instances":[[1,2,3]]}' },
  { method: 'POST', url: '/predict', scope: 'infer:add_one', wrongScope: 'infer:other', ok: 200, body: '{"instances":[[1,2,3]]}' },
  { method: 'POST', url: '/v2/repository/index', scope: 'admin', wrongScope: 'metadata:*', ok: 200 },
  { method: 'POST', url: '/v2/repository/models/add_one/load', scope: 'admin:add_one', wrongScope: 'admin:other', ok: 200 },
  { method: 'POST', url: '/v2/models/add_one/explain', scope: 'explain:add_one', wrongScope: 'infer:add_one', ok: 200, body: EXPLAIN },
] as const;

let repo: TestRepository;
let server: Server;
let keys: TestKeys;

beforeAll(async () => {
  keys = await createTestKeys();
  repo = createTestRepository();
  repo.addVersion('add_one', '1', 'add_one.onnx');
  server = await createServer({
    repository: repo.root,
    inProcess: true,
    admin: true,
    auth: {
      apiKeys: [{ id: 'battery', hash: `sha256:${createHash('sha256').update(KEY).digest('hex')}`, scopes: ['admin', 'infer:*', 'metadata:*', 'explain:*'] }],
      jwt: { algorithms: ['RS256', 'ES256'], jwksFile: keys.jwksFile, audience: AUDIENCE, issuer: ISSUER },
    },
  });
}, 60_000);

afterAll(async () => {
  await server?.close();
  repo?.remove();
  keys?.remove();
});

describe.each(ROUTES)('real server $method $url', (route) => {
  const call = (headers: Record<string, string>) =>
    server.fastify.inject({ method: route.method, url: route.url, headers: { 'content-type': 'application/json', ...headers }, ...('body' in route ? { payload: route.body } : {}) });

  it('401 without credentials, with a wrong key, with an expired token; 403 without the scope; 2xx when valid', async () => {
    expect((await call({})).statusCode).toBe(401);
    expect((await call({ 'x-api-key': 'wrong-key-0123456789abcdef' })).statusCode).toBe(401);
    const expired = await signToken({ alg: 'RS256', key: keys.rsa, kid: 'rsa-1', scope: route.scope, expiresAt: Math.floor(Date.now() / 1000) - 3600 });
    expect((await call({ authorization: `Bearer ${expired}` })).statusCode).toBe(401);
    const wrong = await signToken({ alg: 'ES256', key: keys.ec, kid: 'ec-1', scope: route.wrongScope });
    expect((await call({ authorization: `Bearer ${wrong}` })).statusCode).toBe(403);
    const valid = await signToken({ alg: 'ES256', key: keys.ec, kid: 'ec-1', scope: route.scope });
    const r = await call({ authorization: `Bearer ${valid}` });
    expect(r.statusCode, r.body).toBe(route.ok);
    expect((await call({ 'x-api-key': KEY })).statusCode).toBe(route.ok);
  });
});

describe('real server open routes', () => {
  it('keeps health and metrics open', async () => {
    for (const url of ['/v2/health/live', '/v2/health/ready', '/metrics']) expect((await server.fastify.inject({ method: 'GET', url })).statusCode, url).toBe(200);
  });
});

describe('real server rate limit', () => {
  it('answers 429 with Retry-After once a key spends its budget, per key, through the server\'s error handler', async () => {
    const limited = await createServer({
      repository: repo.root,
      inProcess: true,
      auth: {
        apiKeys: [
          { id: 'a', hash: `sha256:${createHash('sha256').update(KEY).digest('hex')}`, scopes: ['infer:*'] },
          { id: 'b', hash: `sha256:${createHash('sha256').update(`${KEY}-b`).digest('hex')}`, scopes: ['infer:*'] },
        ],
        rateLimit: { max: 2, timeWindowMs: 60_000 },
      },
    });
    try {
      const infer = (key: string) => limited.fastify.inject({ method: 'POST', url: '/v2/models/add_one/infer', payload: VALID, headers: { 'content-type': 'application/json', 'x-api-key': key } });
      expect((await infer(KEY)).statusCode).toBe(200);
      expect((await infer(KEY)).statusCode).toBe(200);
      const over = await infer(KEY);
      expect(over.statusCode).toBe(429);
      expect(Number(over.headers['retry-after'])).toBeGreaterThan(0);
      expect(over.json().error).toContain('rate limit');
      expect((await infer(`${KEY}-b`)).statusCode).toBe(200);
      expect((await limited.fastify.inject({ method: 'GET', url: '/v2/health/ready' })).statusCode).toBe(200);
    } finally {
      await limited.close();
    }
  });
});
