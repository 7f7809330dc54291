import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Server as GrpcServer } from '@grpc/grpc-js';
import { ServableError, type BatcherOptions } from '@servable/core';
import { startGrpcServer } from './grpc/grpc-service.js';
import { registerAdminRoutes } from './http/admin-routes.js';
import { sendError } from './http/error-reply.js';
import { registerOipRoutes } from './http/oip-routes.js';
import { registerRawBodyParser } from './http/raw-body.js';
import { registerSimpleRoutes } from './http/simple-routes.js';
import { ServerMetrics } from './metrics/server-metrics.js';
import { DEFAULT_MAX_JSON_DEPTH } from './protocol/json-depth.js';
import { DEFAULT_MAX_ELEMENTS } from './protocol/tensor-codec.js';
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
 * @throws ServableError `INVALID_ARGUMENT` for invalid options
 */
export async function createServer(options: ServerOptions): Promise<Server> {
  if (!options || typeof options !== 'object') {
    throw new ServableError('INVALID_ARGUMENT', `createServer: expected an options object such as { repository: "./models" }, got ${typeof options}`);
  }
  const bodyLimit = positive(options.bodyLimit, 'bodyLimit', 64 * MiB);
  const metrics = new ServerMetrics();
  const loggerOption = options.logger ?? false;
  const isInstance = typeof loggerOption === 'object' && loggerOption !== null && typeof (loggerOption as FastifyBaseLogger).child === 'function';
  const fastify = Fastify({
    ...(isInstance ? { loggerInstance: loggerOption as FastifyBaseLogger } : { logger: loggerOption as boolean | Record<string, unknown> }),
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
    },
    inProcess: options.inProcess ?? false,
    logger: fastify.log,
    onBatch: (model, version, execution) => metrics.batch(model, version, execution),
    onReadiness: (model, version, ready) => metrics.readiness(model, version, ready),
  });
  let draining = false;
  const context: ServerContext = {
    registry,
    metrics,
    maxJsonDepth: positive(options.maxJsonDepth, 'maxJsonDepth', DEFAULT_MAX_JSON_DEPTH),
    maxElements: positive(options.maxElements, 'maxElements', DEFAULT_MAX_ELEMENTS),
    serverName: 'servable',
    serverVersion: serverVersion(),
    draining: () => draining,
  };
  fastify.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    done();
  });
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
    registerSimpleRoutes(scope, context, options.defaultModel);
    if (options.admin) registerAdminRoutes(scope, context);
  });
  fastify.get('/metrics', async (_request, reply) => reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()));

  await registry.scan();
  if (options.pollIntervalMs !== undefined) registry.poll(options.pollIntervalMs);

  let url: string | undefined;
  let grpc: { server: GrpcServer; port: number } | undefined;
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
      if (options.grpcPort !== undefined) grpc = await startGrpcServer(context, host, options.grpcPort, bodyLimit);
      return url;
    },
    close() {
      closing ??= (async () => {
        draining = true;
        registry.stopPolling();
        const grpcDone = grpc
          ? new Promise<void>((done) => grpc!.server.tryShutdown(() => done()))
          : Promise.resolve();
        await Promise.all([fastify.close(), grpcDone]);
        await registry.close();
      })();
      return closing;
    },
  };
  return server;
}
