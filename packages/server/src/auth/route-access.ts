import type { FastifyRequest } from 'fastify';
import type { AuthAction } from './auth-config.js';

/**
 * What a route needs: `'public'` (no credentials), or an action on a model. With
 * `modelFromBody`, the model is the JSON body's `model` field (OpenAI-compatible routes), so
 * the scope is checked once the body has arrived.
 */
export type RouteAccess =
  | 'public'
  | {
      /** The action a scope must grant. */
      readonly action: AuthAction;
      /** The model the action is on; `'*'` needs a scope for every model; omitted, a scope for the action on any model suffices. */
      readonly model?: string;
      /** Take the model from the JSON body's `model` field once the body has arrived. */
      readonly modelFromBody?: boolean;
    };

/** Options of {@link defaultRouteAccess}. */
export interface DefaultRouteAccessOptions {
  /** The model that `POST /predict` serves (a function when it is only known later). */
  readonly defaultModel?: string | (() => string | undefined);
  /** Require the `admin` action for `GET /metrics` (default false). */
  readonly protectMetrics?: boolean;
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/**
 * Classifies the server's routes: `/v2/health/*` public, `/metrics` public unless protected,
 * `GET /v2[/]` and model metadata/readiness → `metadata`, `…/infer`, `/v1/models/<m>:predict`
 * and `/predict` → `infer`, `…/explain` and `:explain` → `explain`, `…/generate[_stream]` and
 * `/v1/completions`, `/v1/chat/completions` → `generate`, `/v2/repository/*` → `admin`.
 * Without `defaultModel`, `/predict` needs `infer` on every model (`infer` or `infer:*`).
 * Any other path needs `admin` (nothing unknown is open).
 */
export function defaultRouteAccess(options: DefaultRouteAccessOptions = {}): (request: FastifyRequest) => RouteAccess {
  return (request) => {
    const path = request.url.split('?')[0]!;
    const method = request.method;
    if (path.startsWith('/v2/health/')) return 'public';
    if (path === '/metrics') return options.protectMetrics ? { action: 'admin' } : 'public';
    if (path === '/v2' || path === '/v2/') return { action: 'metadata' };
    if (path === '/v1/completions' || path === '/v1/chat/completions') return { action: 'generate', modelFromBody: true };
    if (path === '/predict') {
      const model = typeof options.defaultModel === 'function' ? options.defaultModel() : options.defaultModel;
      return { action: 'infer', model: model ?? '*' };
    }
    if (path.startsWith('/v2/repository/')) {
      const m = /^\/v2\/repository\/models\/([^/]+)\//.exec(path);
      return { action: 'admin', model: m ? decode(m[1]!) : undefined };
    }
    const v2 = /^\/v2\/models\/([^/]+)(?:\/versions\/[^/]+)?(\/.*)?$/.exec(path);
    if (v2) {
      const model = decode(v2[1]!);
      const rest = v2[2] ?? '';
      if (method === 'GET' && (rest === '' || rest === '/ready')) return { action: 'metadata', model };
      if (rest === '/infer') return { action: 'infer', model };
      if (rest === '/explain') return { action: 'explain', model };
      if (rest === '/generate' || rest === '/generate_stream') return { action: 'generate', model };
      return { action: 'admin', model };
    }
    const v1 = /^\/v1\/models\/([^/]+?)(?::(predict|explain))?$/.exec(path);
    if (v1) {
      const model = decode(v1[1]!);
      if (v1[2] === 'explain') return { action: 'explain', model };
      if (v1[2] === 'predict') return { action: 'infer', model };
      return { action: 'metadata', model };
    }
    return { action: 'admin' };
  };
}
