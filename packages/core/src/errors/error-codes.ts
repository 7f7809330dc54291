/**
 * Stable error codes. A code never changes meaning once released; match on `error.code`,
 * never on the message. The HTTP server alone maps codes to statuses.
 */
export const ERROR_CODES = [
  'INVALID_INPUT',
  'SHAPE_MISMATCH',
  'DTYPE_MISMATCH',
  'MISSING_INPUT',
  'UNKNOWN_INPUT',
  'INVALID_ARGUMENT',
  'MANIFEST_INVALID',
  'RUNTIME_UNAVAILABLE',
  'MODEL_LOAD_FAILED',
  'MODEL_INTEGRITY',
  'MODEL_NOT_FOUND',
  'MODEL_TOO_LARGE',
  'UNSUPPORTED_CAPABILITY',
  'INFERENCE_FAILED',
  'TRAINING_FAILED',
  'UNAUTHORIZED',
  'FORBIDDEN',
  'OVERLOADED',
  'DEADLINE_EXCEEDED',
  'PAYLOAD_TOO_LARGE',
  'ABORTED',
  'DISPOSED',
] as const;

/** One of the stable error codes listed in {@link ERROR_CODES}. */
export type ErrorCode = (typeof ERROR_CODES)[number];
