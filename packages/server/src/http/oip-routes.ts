import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { runInference } from '../protocol/inference-service.js';
import { modelMetadata } from '../protocol/model-metadata.js';
import { EXTENSIONS, type ServerContext } from '../server-context.js';
import { sendError } from './error-reply.js';
import { decodeInferBody, encodeInferResponse } from './oip-infer-body.js';
import { bodyBytes } from './raw-body.js';
import { clientGoneSignal, earliestDeadline, headerTimeoutMs } from './request-signal.js';

interface ModelParams {
  name: string;
  version?: string;
}

/** Registers the Open Inference Protocol v2 REST routes (health, metadata, readiness, infer). */
export function registerOipRoutes(fastify: FastifyInstance, context: ServerContext): void {
  const { registry, metrics } = context;

  fastify.get('/v2/health/live', async (_request, reply) => reply.type('application/json').send('{"live":true}'));

  fastify.get('/v2/health/ready', async (_request, reply) => {
    const ready = !context.draining() && registry.allReady();
    return reply.code(ready ? 200 : 503).type('application/json').send(JSON.stringify({ ready }));
  });

  const serverMetadata = async (_request: FastifyRequest, reply: FastifyReply) =>
    reply.type('application/json').send(JSON.stringify({ name: context.serverName, version: context.serverVersion, extensions: [...EXTENSIONS] }));
  fastify.get('/v2', serverMetadata);
  fastify.get('/v2/', serverMetadata);

  const metadata = async (request: FastifyRequest<{ Params: ModelParams }>, reply: FastifyReply) => {
    try {
      return reply.type('application/json').send(JSON.stringify(modelMetadata(registry, request.params.name, request.params.version)));
    } catch (e) {
      return sendError(reply, e);
    }
  };
  fastify.get('/v2/models/:name', metadata);
  fastify.get('/v2/models/:name/versions/:version', metadata);

  const ready = async (request: FastifyRequest<{ Params: ModelParams }>, reply: FastifyReply) => {
    const { name, version } = request.params;
    if (!registry.modelNames().includes(name)) {
      try {
        registry.get(name, version);
      } catch (e) {
        return sendError(reply, e);
      }
    }
    const ok = !context.draining() && registry.isReady(name, version);
    return reply.code(ok ? 200 : 503).type('application/json').send(JSON.stringify({ name, ready: ok }));
  };
  fastify.get('/v2/models/:name/ready', ready);
  fastify.get('/v2/models/:name/versions/:version/ready', ready);

  const infer = async (request: FastifyRequest<{ Params: ModelParams }>, reply: FastifyReply) => {
    const { name, version } = request.params;
    let servedVersion = version ?? '';
    try {
      const header = request.headers['inference-header-content-length'];
      const body = decodeInferBody(bodyBytes(request), Array.isArray(header) ? header[0] : header, context.maxJsonDepth);
      const timeoutMs = earliestDeadline(headerTimeoutMs(request), body.timeoutMs);
      const result = await runInference(
        registry,
        {
          modelName: name,
          modelVersion: version,
          inputs: body.inputs,
          outputs: body.outputs,
          binaryOutputs: body.binaryOutputs,
          signal: clientGoneSignal(reply),
          ...(timeoutMs !== undefined ? { timeoutMs } : {}),
        },
        { maxElements: context.maxElements },
      );
      servedVersion = result.modelVersion;
      const encoded = encodeInferResponse(result, body.id);
      metrics.request(name, servedVersion, 'rest');
      if (encoded.binary.length === 0) return reply.type('application/json').send(encoded.json);
      const head = Buffer.from(encoded.json, 'utf8');
      reply.header('inference-header-content-length', String(head.byteLength));
      return reply.type('application/octet-stream').send(Buffer.concat([head, ...encoded.binary]));
    } catch (e) {
      metrics.request(name, servedVersion || registry.versionLabel(name, version), 'rest', sendError(reply, e));
      return reply;
    }
  };
  fastify.post('/v2/models/:name/infer', infer);
  fastify.post('/v2/models/:name/versions/:version/infer', infer);
}
