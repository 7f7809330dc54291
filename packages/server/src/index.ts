/**
 * `@servable/server` — the Servable prediction service: Open Inference Protocol v2 over REST
 * (JSON and binary tensors) and gRPC, the simple `/predict` route, a model repository with
 * version policies and hot reload, dynamic batching, inference in worker threads, limits and
 * Prometheus metrics.
 *
 * @packageDocumentation
 */
export { createServer, type Server, type ServerOptions } from './create-server.js';
export { handleShutdownSignals, type ShutdownOptions } from './shutdown.js';
export { ModelRegistry, DEFAULT_BATCHING, type ModelRegistryOptions, type RegistryLogger, type RepositoryIndexEntry } from './repository/model-registry.js';
export { MODEL_CONFIG_FILE, validateModelConfig, type ModelConfig } from './repository/model-config.js';
export { selectVersions, compareVersions, type VersionPolicy } from './repository/version-policy.js';
export type { ServedVersion, VersionState } from './repository/served-version.js';
export { DEFAULT_RUNTIMES, resolveRuntimeSpec, type RuntimeModuleSpec, type RuntimeSpec } from './runtime/runtime-spec.js';
export { loadModelInWorkers, type WorkerPoolOptions } from './worker/worker-pool-model.js';
export { toWireError, type WireError } from './errors/status-mapping.js';
export { ServerMetrics, type LoadSample } from './metrics/server-metrics.js';
export type { OipDatatype } from './protocol/datatypes.js';
export * from './auth/index.js';
export { registerGenerateRoutes, defaultChatTemplate, type GenerateRoutesOptions, type ResolvedGenerator, type ChatMessage } from './generate/index.js';
export { folderTokenizer, registryGenerators, type TokenizerFactory } from './generate/registry-generators.js';
