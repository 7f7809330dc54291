import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import cors from '@fastify/cors';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Server as GrpcServer } from '@grpc/grpc-js';
import { ServableError, type BatcherOptions, type ModelKeySource } from '@servable/core';
import type { AuthConfig } from './auth/auth-config.js';
import { loggerOptions, registerPayloadLogging } from './auth/log-redaction.js';
import { registerAuth } from './auth/register-auth.js';
import { defaultRouteAccess } from './auth/route-access.js';
import { serverTlsAndCorsOptions, type TlsAndCorsConfig } from './auth/tls-and-cors.js';
import { startGrpcServer } from './grpc/grpc-service.js';
import { registerExplainRoutes } from './explain/explain-routes.js';
import type { GenerateRoutesOptions } from './generate/generate-routes-options.js';
import { registerGenerateRoutes } from './generate/register-generate-routes.js';
import { registryGenerators, type TokenizerFactory } from './generate/registry-generators.js';
import { registerAdminRoutes } from './http/admin-routes.js';
import { sendError } from './http/error-reply.js';
import { registerOipRoutes } from './http/oip-routes.js';
import { registerRawBodyParser } from './http/raw-body.js';
import { registerSimpleRoutes } from './http/simple-routes.js';
import { ServerMetrics } from './metrics/server-metrics.js';
import { DEFAULT_MAX_JSON_DEPTH } from './protocol/json-depth.js';
import { DEFAULT_MAX_ELEMENTS } from './protocol/tensor-codec.js';
import { checkKeySource } from './repository/check-key-source.js';
import type { ModelConfig } from './repository/model-config.js';
import { ModelRegistry } from './repository/model-registry.js';
import type { VersionPolicy } from './repository/version-policy.js';
import type { RuntimeSpec } from './runtime/runtime-spec.js';
import type { ServerContext } from './server-context.js';

/** Options of {@link createServer}. */
export interface ServerOptions {
  /** Model repository folder: `<repository>/<model>/<version>/` with `servable.json` or `model.onnx`. */
  readonly repository?: string;
  /** Per-model configuration keyed by model name (wins over `<repository>/<model>/config.json`); may name a `path` outside the repository. */
  readonly models?: Readonly<Record<string, ModelConfig>>;
  /** HTTP port (default 8000; 0 picks a free one). */
  readonly port?: number;
  /** Interface to bind (default `127.0.0.1`; `0.0.0.0` for every interface). */
  readonly host?: string;
  /** Also serve the OIP gRPC service on this port (0 picks a free one). Off when omitted. */
  readonly grpcPort?: number;
  /** Enable the model repository routes (`/v2/repository/...`). Default false. */
  readonly admin?: boolean;
  /** Default batching for every model; `false` runs each request alone. Default `{ maxBatchSize: 32, maxQueueDelayMs: 0, maxQueueSize: 4096 }` (a batch leaves as soon as a worker is free). */
  readonly batching?: BatcherOptions | false;
  /** Default worker threads per model version (default 1). */
  readonly workers?: number;
  /** Default runtime chain (default `['onnx-node']`). */
  readonly runtimes?: readonly RuntimeSpec[];
  /** Default version policy (default `{ latest: 1 }`). */
  readonly versionPolicy?: VersionPolicy;
  /** Default per-request deadline in ms; then 504. */
  readonly timeoutMs?: number;
  /** Run models on the main thread instead of worker threads (tests, embedding). Default false. */
  readonly inProcess?: boolean;
  /** Rescan the repository every so many ms (off when omitted). */
  readonly pollIntervalMs?: number;
  /** Model served by `POST /predict` (default: the only model). */
  readonly defaultModel?: string;
  /** Fastify logger: `true`/`false`, pino options, or a pino-compatible logger instance. Default false. */
  readonly logger?: boolean | Record<string, unknown> | FastifyBaseLogger;
  /** Largest request body in bytes (default 64 MiB); beyond it 413. */
  readonly bodyLimit?: number;
  /** Deepest JSON nesting accepted (default 64). */
  readonly maxJsonDepth?: number;
  /** Most elements one tensor may declare (default 2^28). */
  readonly maxElements?: number;
  /**
   * Access control: API keys and JWT bearer tokens with scopes per model and action, on REST
   * and gRPC (401 / UNAUTHENTICATED, 403 / PERMISSION_DENIED), and an optional rate limit.
   * Off when omitted: every route is open.
   */
  readonly auth?: AuthConfig;
  /** Serve HTTPS, and gRPC over TLS, with these PEM files. */
  readonly tls?: TlsAndCorsConfig['tls'];
  /** Cross-origin access for browsers (off when omitted). */
  readonly cors?: TlsAndCorsConfig['cors'];
  /** Log request and response bodies, redacted (default false: payloads are never logged). */
  readonly logPayloads?: boolean;
  /**
   * Key of encrypted models (`model.*.enc`), for every model without its own `decrypt` in
   * `models`. `{ env }`, `{ file }` and `{ key }` work with worker threads; a function source
   * (a KMS hook) needs `inProcess: true`.
   */
  readonly decrypt?: ModelKeySource;
  /**
   * On `close()`, how long in-flight requests may take before every connection is cut
   * (default 30,000 ms). Idle keep-alive connections are closed as soon as in-flight requests finish.
   */
  readonly drainTimeoutMs?: number;
  /**
   * Text generation for served decoders (models with `input_ids` → `logits`, and
   * `past_key_values.*` → `present.*` for a KV cache): OIP `…/generate` and `…/generate_stream`,
   * OpenAI-compatible `/v1/completions` and `/v1/chat/completions`. `tokenizer` makes a model's
   * tokenizer from its folder (default: its `tokenizer.json`, else the byte-level tokenizer);
   * the other fields are the routes' limits. `false` turns the routes off.
   */
  readonly generate?:
    | false
    | (Omit<GenerateRoutesOptions, 'resolveGenerator'> & {
        /** Makes a served decoder's tokenizer from its version folder (default {@link folderTokenizer}). */
        readonly tokenizer?: TokenizerFactory;
      });
}

/** A created server. */
export interface Server {
  /** The Fastify instance (routes registered; use `inject` in tests). */
  readonly fastify: FastifyInstance;
  /** The models. */
  readonly registry: ModelRegistry;
  /** Prometheus metrics (its `registry` is this server's own). */
  readonly metrics: ServerMetrics;
  /** Starts listening (HTTP, and gRPC when `grpcPort` is set); the repository was loaded by `createServer`. Resolves with the HTTP URL. */
  listen(): Promise<string>;
  /** Turns readiness off, drains in-flight requests, stops gRPC and unloads models. */
  close(): Promise<void>;
  /** The HTTP URL once listening. */
  readonly url: string | undefined;
  /** The bound gRPC port once listening. */
  readonly grpcPort: number | undefined;
}

const MiB = 1024 * 1024;

function serverVersion(): string {
  try {
    return (createRequire(import.meta.url)('../package.json') as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}

function positive(value: number | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) throw new ServableError('INVALID_ARGUMENT', `createServer ${name}: expected a positive number, got ${value}`);
  return value;
}

/**
 * Creates the prediction server: Open Inference Protocol v2 over REST (JSON and binary tensors)
 * and gRPC, the simple `/predict` routes, health, Prometheus `/metrics`, a model repository with
 * version policies and reload, dynamic batching per model, and inference in worker threads.
 *
 * @example
 * ```ts
 * const server = await createServer({ repository: './models', port: 8000, grpcPort: 8001 });
 * await server.listen();
 * handleShutdownSignals(server); // SIGTERM: readiness off, drain, unload, exit 0
 * ```
 * @throws ServableError `INVALID_ARGUMENT` for invalid options, and for a `decrypt` key file or
 *   variable that holds no model key (a placeholder fails here, not when a model loads)
 */
export async function createServer(options: ServerOptions): Promise<Server> {
  if (!options || typeof options !== 'object') {
    throw new ServableError('INVALID_ARGUMENT', `createServer: expected an options object such as { repository: "./models" }, got ${typeof options}`);
  }
  const bodyLimit = positive(options.bodyLimit, 'bodyLimit', 64 * MiB);
  const drainTimeoutMs = positive(options.drainTimeoutMs, 'drainTimeoutMs', 30_000);
  await checkKeySource(options.decrypt, 'createServer decrypt');
  for (const [name, config] of Object.entries(options.models ?? {})) await checkKeySource(config?.decrypt, `models.${name}.decrypt`);
  const metrics = new ServerMetrics();
  const { https, cors: corsOptions } = serverTlsAndCorsOptions({ tls: options.tls, cors: options.cors });
  const loggerOption = options.logger ?? false;
  const isInstance = typeof loggerOption === 'object' && loggerOption !== null && typeof (loggerOption as FastifyBaseLogger).child === 'function';
  const logger = isInstance ? undefined : loggerOption === true ? loggerOptions() : loggerOption ? { ...loggerOptions(), ...(loggerOption as Record<string, unknown>) } : false;
  const fastify = Fastify({
    ...(https ? { https } : {}),
    ...(isInstance ? { loggerInstance: loggerOption as FastifyBaseLogger } : { logger }),
    bodyLimit,
    requestIdHeader: 'x-request-id',
    return503OnClosing: true,
  });
  const registry = new ModelRegistry({
    repository: options.repository ? resolve(options.repository) : undefined,
    models: options.models,
    defaults: {
      ...(options.runtimes ? { runtimes: options.runtimes } : {}),
      ...(options.batching !== undefined ? { batching: options.batching } : {}),
      ...(options.workers ? { workers: options.workers } : {}),
      ...(options.versionPolicy ? { versionPolicy: options.versionPolicy } : {}),
      ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
      ...(options.decrypt ? { decrypt: options.decrypt } : {}),
    },
    inProcess: options.inProcess ?? false,
    logger: fastify.log,
    onBatch: (model, version, execution) => metrics.batch(model, version, execution),
    onReadiness: (model, version, ready) => metrics.readiness(model, version, ready),
  });
  metrics.observeLoad(function* () {
    for (const model of registry.modelNames()) {
      for (const v of registry.versions(model)) {
        if (v.state === 'READY') yield { model, version: v.version, inFlight: v.active, queued: v.predictor?.batcher?.stats.queued ?? 0 };
      }
    }
  });
  let draining = false;
  let inFlight = 0;
  let drained: (() => void) | undefined;
  const context: ServerContext = {
    registry,
    metrics,
    maxJsonDepth: positive(options.maxJsonDepth, 'maxJsonDepth', DEFAULT_MAX_JSON_DEPTH),
    maxElements: positive(options.maxElements, 'maxElements', DEFAULT_MAX_ELEMENTS),
    serverName: 'servable',
    serverVersion: serverVersion(),
    draining: () => draining,
  };
  const finished = () => {
    if (--inFlight === 0) drained?.();
  };
  fastify.addHook('onRequest', (request, reply, done) => {
    inFlight++;
    reply.raw.once('close', finished);
    reply.header('x-request-id', request.id);
    done();
  });
  fastify.addHook('onSend', (_request, reply, payload, done) => {
    if (draining) reply.header('connection', 'close');
    done(null, payload);
  });
  if (corsOptions) await fastify.register(cors, corsOptions);
  const authenticator = options.auth
    ? await registerAuth(fastify, {
        config: options.auth,
        maxJsonDepth: context.maxJsonDepth,
        routeAccess: defaultRouteAccess({
          protectMetrics: options.auth.protectMetrics,
          defaultModel: () => options.defaultModel ?? (registry.modelNames().length === 1 ? registry.modelNames()[0] : undefined),
        }),
      })
    : undefined;
  registerPayloadLogging(fastify, { logPayloads: options.logPayloads });
  fastify.setErrorHandler((error, _request, reply) => {
    sendError(reply, error);
  });
  fastify.setNotFoundHandler((request, reply) => {
    sendError(reply, new ServableError('MODEL_NOT_FOUND', `route ${request.method} ${request.url.split('?')[0]}: expected an Open Inference Protocol or /predict route, got an unknown one`));
  });
  // The inference routes read raw bodies (binary tensors may come without a Content-Type); the
  // parser lives in their own plugin scope so that routes added beside them keep Fastify's JSON parser.
  await fastify.register(async (scope) => {
    registerRawBodyParser(scope, bodyLimit);
    registerOipRoutes(scope, context);
    registerExplainRoutes(scope, context);
    registerSimpleRoutes(scope, context, options.defaultModel);
    if (options.admin) registerAdminRoutes(scope, context);
  });
  if (options.generate !== false) {
    const { tokenizer, ...limits } = options.generate ?? {};
    registerGenerateRoutes(fastify, { ...limits, resolveGenerator: registryGenerators(registry, tokenizer) });
  }
  fastify.get('/metrics', async (_request, reply) => reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()));

  await registry.scan();
  if (options.pollIntervalMs !== undefined) registry.poll(options.pollIntervalMs);

  let url: string | undefined;
  let grpc: { server: GrpcServer; port: number } | undefined;
  /**
   * Keep-alive clients would hold the HTTP server open: responses sent while draining carry
   * `Connection: close`, idle connections are closed once in-flight requests finish, and every
   * connection is cut after the drain timeout.
   */
  const drainConnections = async () => {
    const raw = fastify.server;
    if (inFlight > 0) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timedOut = await Promise.race([
        new Promise<false>((done) => (drained = () => done(false))),
        new Promise<true>((done) => (timer = setTimeout(() => done(true), drainTimeoutMs))),
      ]);
      clearTimeout(timer);
      drained = undefined;
      if (timedOut) {
        fastify.log.warn({ inFlight, drainTimeoutMs }, 'drain timeout: closing every connection');
        raw.closeAllConnections?.();
        return;
      }
    }
    raw.closeIdleConnections?.();
  };
  let closing: Promise<void> | undefined;
  const host = options.host ?? '127.0.0.1';
  const server: Server = {
    fastify,
    registry,
    metrics,
    get url() {
      return url;
    },
    get grpcPort() {
      return grpc?.port;
    },
    async listen() {
      url = await fastify.listen({ port: options.port ?? 8000, host });
      if (options.grpcPort !== undefined) grpc = await startGrpcServer(context, host, options.grpcPort, bodyLimit, { authenticator, tls: https });
      return url;
    },
    close() {
      closing ??= (async () => {
        draining = true;
        registry.stopPolling();
        const grpcDone = grpc
          ? new Promise<void>((done) => grpc!.server.tryShutdown(() => done()))
          : Promise.resolve();
        const httpDone = fastify.close();
        if (url !== undefined) await drainConnections();
        await Promise.all([httpDone, grpcDone]);
        await registry.close();
      })();
      return closing;
    },
  };
  return server;
}
