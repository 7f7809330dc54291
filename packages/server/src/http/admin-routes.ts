import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ServerContext } from '../server-context.js';
import { sendError } from './error-reply.js';

/** Registers the model repository extension routes (index, load, unload); only when `admin` is on. */
export function registerAdminRoutes(fastify: FastifyInstance, context: ServerContext): void {
  const { registry } = context;
  fastify.post('/v2/repository/index', async (_request, reply) => {
    try {
      await registry.scan();
      return reply.type('application/json').send(JSON.stringify(registry.index()));
    } catch (e) {
      return sendError(reply, e);
    }
  });
  const action = (what: 'load' | 'unload') => async (request: FastifyRequest<{ Params: { name: string } }>, reply: FastifyReply) => {
    try {
      if (what === 'load') await registry.loadModel(request.params.name);
      else await registry.unloadModel(request.params.name);
      return reply.type('application/json').send('{}');
    } catch (e) {
      return sendError(reply, e);
    }
  };
  fastify.post('/v2/repository/models/:name/load', action('load'));
  fastify.post('/v2/repository/models/:name/unload', action('unload'));
}
