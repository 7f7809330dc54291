import { ServableError, type ErrorCode } from '@servable/core';

/** The command succeeded. */
export const EXIT_OK = 0;
/** Something failed while running: inference, a runtime that cannot start, a port in use. */
export const EXIT_RUNTIME_FAILURE = 1;
/** The command line or an input file was wrong: unknown command or flag, bad value, malformed input. */
export const EXIT_USAGE = 2;
/** The model could not be used: not found, invalid manifest, failed to load, integrity or decryption failure. */
export const EXIT_MODEL = 3;

/** Exit codes and what they mean, for `--help`. */
export const EXIT_CODE_TABLE: readonly (readonly [number, string])[] = [
  [EXIT_OK, 'success'],
  [EXIT_RUNTIME_FAILURE, 'runtime failure (inference failed, no runtime could start here)'],
  [EXIT_USAGE, 'usage error (unknown command or flag, bad value or busy port, malformed input file)'],
  [EXIT_MODEL, 'model or integrity error (not found, invalid manifest, failed to load, sha256 or decryption mismatch)'],
];

const USAGE_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'INVALID_ARGUMENT',
  'INVALID_INPUT',
  'SHAPE_MISMATCH',
  'DTYPE_MISMATCH',
  'MISSING_INPUT',
  'UNKNOWN_INPUT',
  'PAYLOAD_TOO_LARGE',
]);

const MODEL_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'MANIFEST_INVALID',
  'MODEL_LOAD_FAILED',
  'MODEL_INTEGRITY',
  'MODEL_NOT_FOUND',
  'MODEL_TOO_LARGE',
]);

/** The exit code for an error: usage (2) and model (3) errors by their code, 1 for everything else. */
export function exitCodeFor(error: unknown): number {
  if (!ServableError.isInstance(error)) return EXIT_RUNTIME_FAILURE;
  if (USAGE_CODES.has(error.code)) return EXIT_USAGE;
  if (MODEL_CODES.has(error.code)) return EXIT_MODEL;
  return EXIT_RUNTIME_FAILURE;
}
