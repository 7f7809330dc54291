import type { FastifyReply, FastifyRequest } from 'fastify';
import { ServableError } from '@servable/core';

/** Header with a client's deadline for one request, in milliseconds. */
export const TIMEOUT_HEADER = 'servable-timeout-ms';

/**
 * An `AbortSignal` that fires when the client goes away before its answer was sent (the
 * response closes unfinished), so work still queued for it is dropped instead of run.
 */
export function clientGoneSignal(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  const response = reply.raw;
  response.once('close', () => {
    if (!response.writableFinished) controller.abort(new ServableError('ABORTED', 'client closed the connection before its answer was sent'));
  });
  return controller.signal;
}

/**
 * The per-request deadline in ms from the `Servable-Timeout-Ms` header, or undefined when absent.
 * @throws ServableError `INVALID_INPUT` for a value that is not a positive number
 */
export function headerTimeoutMs(request: FastifyRequest): number | undefined {
  const raw = request.headers[TIMEOUT_HEADER];
  const text = Array.isArray(raw) ? raw[0] : raw;
  if (text === undefined) return undefined;
  const ms = Number(text);
  if (text.trim() === '' || !Number.isFinite(ms) || ms <= 0) {
    throw new ServableError('INVALID_INPUT', `header Servable-Timeout-Ms: expected a positive number of milliseconds such as 250, got ${JSON.stringify(text.slice(0, 40))}`);
  }
  return ms;
}

/**
 * The earlier of two optional deadlines.
 */
export function earliestDeadline(a: number | undefined, b: number | undefined): number | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return Math.min(a, b);
}
