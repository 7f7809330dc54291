export { ERROR_CODES, type ErrorCode } from './error-codes.js';
export { ServableError, describeMismatch, throwIfAborted, type ErrorDetails, type ServableErrorOptions } from './servable-error.js';
