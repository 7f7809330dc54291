import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ServableError } from '@servable/core';
import { parseJsonBody } from '../protocol/json-depth.js';

/**
 * Makes every request body arrive as a Buffer, whatever its Content-Type (or none: binary
 * tensor clients may omit it); routes decide how to read it. The body limit applies as usual.
 */
export function registerRawBodyParser(fastify: FastifyInstance, bodyLimit: number): void {
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit }, (_request, body, done) => done(null, body));
}

/** The body as bytes (empty when none came). */
export function bodyBytes(request: FastifyRequest): Buffer {
  const body = request.body;
  if (Buffer.isBuffer(body)) return body;
  return Buffer.alloc(0);
}

/**
 * Reads the body as a JSON object after the nesting-depth scan.
 * @throws ServableError `INVALID_INPUT` for an empty body, deep nesting, bad JSON or a non-object
 */
export function jsonObjectBody(request: FastifyRequest, maxDepth: number): Record<string, unknown> {
  const bytes = bodyBytes(request);
  if (bytes.length === 0) throw new ServableError('INVALID_INPUT', 'request body: expected a JSON object, got an empty body');
  const value = parseJsonBody(bytes, maxDepth);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ServableError('INVALID_INPUT', `request body: expected a JSON object, got ${Array.isArray(value) ? 'an array' : typeof value}`);
  }
  return value as Record<string, unknown>;
}
