import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import { ServableError } from '@servable/core';
import type { AuthConfig, Principal } from './auth-config.js';
import { createAuthenticator, type Authenticator } from './authenticator.js';
import { defaultRouteAccess, type RouteAccess } from './route-access.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who sent the request, set by {@link registerAuth} (undefined on public routes). */
    principal?: Principal;
  }
}

/** Options of {@link registerAuth}. */
export interface RegisterAuthOptions {
  /** The access-control configuration (or an authenticator made from one). */
  readonly config: AuthConfig | Authenticator;
  /** What each request needs (default: {@link defaultRouteAccess} over the server's routes). */
  readonly routeAccess?: (request: FastifyRequest) => RouteAccess;
  /** Deepest JSON nesting read when a route takes its model from the body (default 64). */
  readonly maxJsonDepth?: number;
}

const WWW_AUTHENTICATE = 'Bearer realm="servable"';

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function isAuthenticator(value: AuthConfig | Authenticator): value is Authenticator {
  return typeof (value as Authenticator).authenticate === 'function';
}

function refuse(reply: FastifyReply, error: ServableError): FastifyReply {
  const status = error.code === 'FORBIDDEN' ? 403 : 401;
  reply.header('www-authenticate', status === 401 ? WWW_AUTHENTICATE : `${WWW_AUTHENTICATE}, error="insufficient_scope"`);
  reply.log.info({ code: error.code, status }, 'request refused by access control');
  return reply.code(status).type('application/json').send(JSON.stringify({ error: error.message }));
}

function depthWithin(text: string, maxDepth: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      if (++depth > maxDepth) return false;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return true;
}

/** The `model` field of a JSON body (object, Buffer or text), or undefined. */
function bodyModel(body: unknown, maxDepth: number): string | undefined {
  let value = body;
  if (Buffer.isBuffer(value) || typeof value === 'string') {
    const text = Buffer.isBuffer(value) ? value.toString('utf8') : value;
    if (!depthWithin(text, maxDepth)) return undefined;
    try {
      value = JSON.parse(text);
    } catch {
      return undefined;
    }
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const model = (value as Record<string, unknown>).model;
  return typeof model === 'string' ? model : undefined;
}

/**
 * Adds access control to a Fastify instance: an `onRequest` hook authenticates every
 * non-public request (401 with `WWW-Authenticate: Bearer` for missing or bad credentials,
 * before the body is read) and checks its scope (403); routes that name their model in the body
 * are checked in `preHandler`. With `config.rateLimit`, `@fastify/rate-limit` limits each
 * principal (429 with `Retry-After`); public routes are not counted.
 *
 * Its hooks are app-wide, so it may be called before or after the routes are registered.
 *
 * @example
 * ```ts
 * const app = Fastify();
 * await registerAuth(app, { config: { apiKeys: [{ id: 'ci', hash, scopes: ['infer:*'] }], rateLimit: { max: 100, timeWindowMs: 60_000 } } });
 * app.post('/v2/models/:name/infer', handler);
 * ```
 * @returns the authenticator, for the gRPC service ({@link authorizeGrpcCall})
 * @throws ServableError `INVALID_ARGUMENT` for an invalid configuration
 */
export async function registerAuth(app: FastifyInstance, options: RegisterAuthOptions): Promise<Authenticator> {
  const authenticator = isAuthenticator(options.config) ? options.config : createAuthenticator(options.config);
  const config = authenticator.config;
  const routeAccess = options.routeAccess ?? defaultRouteAccess({ protectMetrics: config.protectMetrics });
  const maxJsonDepth = options.maxJsonDepth ?? 64;
  app.decorateRequest('principal', undefined);
  const pendingBodyCheck = new WeakSet<FastifyRequest>();

  app.addHook('onRequest', async (request, reply) => {
    const access = routeAccess(request);
    if (access === 'public') return;
    try {
      const principal = await authenticator.authenticate({
        authorization: headerValue(request.headers.authorization),
        apiKey: headerValue(request.headers['x-api-key']),
      });
      request.principal = principal;
      if (access.modelFromBody) pendingBodyCheck.add(request);
      else authenticator.authorize(principal, access.action, access.model);
    } catch (error) {
      if (ServableError.isInstance(error) && (error.code === 'UNAUTHORIZED' || error.code === 'FORBIDDEN')) return refuse(reply, error);
      throw error;
    }
  });

  app.addHook('preHandler', async (request, reply) => {
    if (!pendingBodyCheck.has(request)) return;
    pendingBodyCheck.delete(request);
    const access = routeAccess(request);
    if (access === 'public') return;
    try {
      authenticator.authorize(request.principal!, access.action, bodyModel(request.body, maxJsonDepth));
    } catch (error) {
      if (ServableError.isInstance(error) && error.code === 'FORBIDDEN') return refuse(reply, error);
      throw error;
    }
  });

  if (config.rateLimit) {
    await app.register(rateLimit, {
      global: false,
      max: config.rateLimit.max,
      timeWindow: config.rateLimit.timeWindowMs,
      allowList: (request) => request.principal === undefined,
      keyGenerator: (request) => `${request.principal?.kind ?? 'anonymous'}:${request.principal?.id ?? request.ip}`,
      errorResponseBuilder: (_request, context) =>
        Object.assign(
          new Error(`rate limit: expected at most ${context.max} requests per ${context.after}, got more — wait ${Math.ceil(context.ttl / 1000)} s (Retry-After) or ask for a higher limit`),
          { statusCode: context.statusCode, code: 'RATE_LIMITED' },
        ),
    });
    app.addHook('onRequest', app.rateLimit());
  }
  return authenticator;
}
