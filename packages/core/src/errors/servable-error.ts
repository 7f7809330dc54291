import type { ErrorCode } from './error-codes.js';

const MARKER = Symbol.for('servable.error');

/** Structured facts about an error, for programs (the message is for people). */
export interface ErrorDetails {
  /** The input, option or file the error is about. */
  subject?: string;
  /** What was expected, in words or a short form such as `[batch, 28, 28] (float32)`. */
  expected?: string;
  /** What came instead. */
  received?: string;
  /** How to fix it. */
  fix?: string;
  /** For `OVERLOADED`: how long a client should wait before trying again. */
  retryAfterMs?: number;
  /** Anything else worth carrying (must be JSON-serializable). */
  [key: string]: unknown;
}

/** Options of {@link ServableError}. */
export interface ServableErrorOptions {
  /** The error that caused this one. */
  cause?: unknown;
  /** Structured facts about the error. */
  details?: ErrorDetails;
}

/**
 * The one error class of Servable. Every failure that a caller can act on is a
 * `ServableError` with a stable {@link ErrorCode}; its message names the subject, what was
 * expected, what came, and the fix.
 *
 * @example
 * ```ts
 * try { await predictor.predict(input) }
 * catch (e) { if (ServableError.isInstance(e) && e.code === 'SHAPE_MISMATCH') … }
 * ```
 */
export class ServableError extends Error {
  /** Stable machine-readable code. */
  readonly code: ErrorCode;
  /** Structured facts about the error. */
  readonly details: ErrorDetails;
  private readonly [MARKER] = true;

  /**
   * @param code - stable code
   * @param message - a sentence that names the subject, the expectation, what came and the fix
   * @param options - cause and details
   */
  constructor(code: ErrorCode, message: string, options: ServableErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ServableError';
    this.code = code;
    this.details = options.details ?? {};
  }

  /**
   * True when `value` is a ServableError, also one thrown by another installed copy of
   * `@servable/core` (where `instanceof` fails).
   */
  static isInstance(value: unknown): value is ServableError {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[MARKER] === true;
  }

  /** A plain object for logs and wire formats (no stack, no cause). */
  toJSON(): {
    /** Always `ServableError`. */
    name: string;
    /** Stable machine-readable code. */
    code: ErrorCode;
    /** The human-readable message. */
    message: string;
    /** Structured facts about the error. */
    details: ErrorDetails;
  } {
    return { name: this.name, code: this.code, message: this.message, details: this.details };
  }
}

/**
 * Builds the standard message form: `subject: expected X, got Y — fix`.
 * @param subject - what the message is about, such as `input "pixels"`
 * @param expected - what was expected
 * @param received - what came
 * @param fix - how to fix it (optional)
 */
export function describeMismatch(subject: string, expected: string, received: string, fix?: string): string {
  return `${subject}: expected ${expected}, got ${received}${fix ? ` — ${fix}` : ''}`;
}

/** Throws `ABORTED` when the signal is aborted. */
export function throwIfAborted(signal: AbortSignal | undefined, what = 'operation'): void {
  if (signal?.aborted) {
    throw new ServableError('ABORTED', `${what} was aborted: ${String(signal.reason ?? 'AbortSignal fired')}`, {
      cause: signal.reason,
    });
  }
}
