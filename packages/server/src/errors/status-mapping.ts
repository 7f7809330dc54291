import { ServableError, type ErrorCode } from '@servable/core';
import { sanitizeErrorMessage } from '../auth/error-sanitizer.js';

/** gRPC status codes used by the server (values from `@grpc/grpc-js` `status`). */
export const GRPC_STATUS = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

interface StatusPair {
  readonly http: number;
  readonly grpc: number;
}

/** The one table from error codes to wire statuses (HTTP and gRPC). */
const STATUS_BY_CODE: Record<ErrorCode, StatusPair> = {
  INVALID_INPUT: { http: 400, grpc: GRPC_STATUS.INVALID_ARGUMENT },
  SHAPE_MISMATCH: { http: 400, grpc: GRPC_STATUS.INVALID_ARGUMENT },
  DTYPE_MISMATCH: { http: 400, grpc: GRPC_STATUS.INVALID_ARGUMENT },
  MISSING_INPUT: { http: 400, grpc: GRPC_STATUS.INVALID_ARGUMENT },
  UNKNOWN_INPUT: { http: 400, grpc: GRPC_STATUS.INVALID_ARGUMENT },
  INVALID_ARGUMENT: { http: 400, grpc: GRPC_STATUS.INVALID_ARGUMENT },
  MANIFEST_INVALID: { http: 500, grpc: GRPC_STATUS.INTERNAL },
  RUNTIME_UNAVAILABLE: { http: 503, grpc: GRPC_STATUS.UNAVAILABLE },
  MODEL_LOAD_FAILED: { http: 503, grpc: GRPC_STATUS.UNAVAILABLE },
  MODEL_INTEGRITY: { http: 500, grpc: GRPC_STATUS.INTERNAL },
  MODEL_NOT_FOUND: { http: 404, grpc: GRPC_STATUS.NOT_FOUND },
  MODEL_TOO_LARGE: { http: 413, grpc: GRPC_STATUS.RESOURCE_EXHAUSTED },
  UNSUPPORTED_CAPABILITY: { http: 400, grpc: GRPC_STATUS.UNIMPLEMENTED },
  INFERENCE_FAILED: { http: 500, grpc: GRPC_STATUS.INTERNAL },
  TRAINING_FAILED: { http: 500, grpc: GRPC_STATUS.INTERNAL },
  UNAUTHORIZED: { http: 401, grpc: GRPC_STATUS.UNAUTHENTICATED },
  FORBIDDEN: { http: 403, grpc: GRPC_STATUS.PERMISSION_DENIED },
  OVERLOADED: { http: 503, grpc: GRPC_STATUS.RESOURCE_EXHAUSTED },
  DEADLINE_EXCEEDED: { http: 504, grpc: GRPC_STATUS.DEADLINE_EXCEEDED },
  PAYLOAD_TOO_LARGE: { http: 413, grpc: GRPC_STATUS.RESOURCE_EXHAUSTED },
  ABORTED: { http: 499, grpc: GRPC_STATUS.CANCELLED },
  DISPOSED: { http: 503, grpc: GRPC_STATUS.UNAVAILABLE },
};

/** What the wire layers send for an error: statuses, the message and an optional Retry-After. */
export interface WireError {
  /** HTTP status. */
  readonly http: number;
  /** gRPC status code. */
  readonly grpc: number;
  /** The `error` text. */
  readonly message: string;
  /** Seconds a client should wait before retrying (overload and unavailability). */
  readonly retryAfterSeconds?: number;
  /** The ServableError code, or `INTERNAL` for an unexpected fault. */
  readonly code: string;
}

/**
 * Maps any thrown value to wire statuses. A `ServableError` maps by its code; anything else is
 * a real fault (HTTP 500, gRPC INTERNAL). The message is passed through `sanitizeErrorMessage`,
 * so host paths, keys and tokens never reach a client.
 */
export function toWireError(error: unknown): WireError {
  if (ServableError.isInstance(error)) {
    const pair = STATUS_BY_CODE[error.code] ?? { http: 500, grpc: GRPC_STATUS.INTERNAL };
    const retryMs = typeof error.details.retryAfterMs === 'number' ? error.details.retryAfterMs : undefined;
    const retryAfterSeconds = pair.http === 503 || pair.http === 429 ? Math.max(1, Math.ceil((retryMs ?? 1000) / 1000)) : undefined;
    return { http: pair.http, grpc: pair.grpc, message: sanitizeErrorMessage(error.message), retryAfterSeconds, code: error.code };
  }
  const fastifyStatus = (error as { statusCode?: unknown })?.statusCode;
  if (typeof fastifyStatus === 'number' && fastifyStatus >= 400 && fastifyStatus < 500) {
    const grpc = fastifyStatus === 413 ? GRPC_STATUS.RESOURCE_EXHAUSTED : fastifyStatus === 404 ? GRPC_STATUS.NOT_FOUND : GRPC_STATUS.INVALID_ARGUMENT;
    return { http: fastifyStatus, grpc, message: sanitizeErrorMessage(String((error as Error).message)), code: fastifyStatus === 413 ? 'PAYLOAD_TOO_LARGE' : 'INVALID_INPUT' };
  }
  return { http: 500, grpc: GRPC_STATUS.INTERNAL, message: sanitizeErrorMessage(`internal error: ${(error as Error)?.message ?? String(error)}`), code: 'INTERNAL' };
}
