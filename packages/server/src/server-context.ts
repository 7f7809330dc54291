import type { ServerMetrics } from './metrics/server-metrics.js';
import type { ModelRegistry } from './repository/model-registry.js';

/** What every route and the gRPC service share. */
export interface ServerContext {
  readonly registry: ModelRegistry;
  readonly metrics: ServerMetrics;
  /** Cap on JSON nesting depth. */
  readonly maxJsonDepth: number;
  /** Largest element count one tensor may declare. */
  readonly maxElements: number;
  /** Server name reported by the metadata endpoints. */
  readonly serverName: string;
  /** Server version reported by the metadata endpoints. */
  readonly serverVersion: string;
  /** True once `close()` began: readiness turns off. */
  readonly draining: () => boolean;
}

/** Extensions the server implements (server metadata). */
export const EXTENSIONS = ['binary_tensor_data', 'model_repository'] as const;
