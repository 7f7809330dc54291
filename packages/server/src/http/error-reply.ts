import type { FastifyReply } from 'fastify';
import { toWireError } from '../errors/status-mapping.js';

/**
 * Sends an error as `{"error": "..."}` with the status mapped from its code (and `Retry-After`
 * on 429/503). Returns the ServableError code, or `INTERNAL`.
 */
export function sendError(reply: FastifyReply, error: unknown): string {
  const wire = toWireError(error);
  if (wire.http >= 500 && wire.code === 'INTERNAL') reply.log.error({ err: error }, 'request failed');
  else reply.log.info({ code: wire.code, status: wire.http }, 'request rejected');
  if (wire.retryAfterSeconds !== undefined) reply.header('retry-after', String(wire.retryAfterSeconds));
  void reply.code(wire.http).type('application/json').send(JSON.stringify({ error: wire.message }));
  return wire.code;
}
