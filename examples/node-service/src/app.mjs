import Fastify from 'fastify';
import { createPredictor, loadModel, ServableError } from '@servable/core';
import { onnxNode } from '@servable/runtime-node';

/** Error codes that mean the caller sent something wrong (400), and those that mean "try later" (503). */
const CLIENT_ERRORS = new Set(['INVALID_INPUT', 'SHAPE_MISMATCH', 'DTYPE_MISMATCH', 'MISSING_INPUT', 'UNKNOWN_INPUT', 'INVALID_ARGUMENT']);
const BUSY_ERRORS = new Set(['OVERLOADED', 'DEADLINE_EXCEEDED']);

/**
 * Builds a Fastify app that embeds a Servable predictor. Concurrent requests are coalesced by the
 * predictor's in-process batcher into one engine run, then split back per request.
 *
 * @param {object} options
 * @param {string} options.modelPath - a model folder (servable.json) or a .onnx file
 * @param {{ maxBatchSize?: number, maxQueueDelayMs?: number, maxQueueSize?: number }} [options.batching] - batcher settings
 * @param {import('@servable/core').Runtime[]} [options.runtimes] - runtime chain (default: onnx-node on the CPU)
 * @param {boolean} [options.logger] - Fastify request logging
 * @returns {Promise<import('fastify').FastifyInstance>}
 */
export async function buildApp({ modelPath, batching = { maxBatchSize: 32, maxQueueDelayMs: 2, maxQueueSize: 1024 }, runtimes = [onnxNode()], logger = false }) {
  const model = await loadModel(modelPath, { runtimes });
  const predictor = createPredictor(model, { batching });
  const app = Fastify({ logger, bodyLimit: 1024 * 1024 });

  app.get('/healthz', async () => ({ ok: true, runtime: model.report.runtime, device: model.report.device }));

  // Body: { "pixels": [[...28 values] x 28] } (or a batch of them) and an optional "topK".
  app.post('/classify', async (request, reply) => {
    const body = request.body ?? {};
    if (!('pixels' in body)) {
      return reply.code(400).send({ code: 'MISSING_INPUT', message: 'body "pixels": expected an array of pixel rows, got nothing' });
    }
    const topK = Number.isInteger(body.topK) && body.topK > 0 ? body.topK : 3;
    const result = await predictor.predict(body.pixels, { output: 'classification', topK, timeoutMs: 2000 });
    const strip = (c) => ({ label: c.label, score: c.score, top: c.top });
    return Array.isArray(result) ? { predictions: result.map(strip) } : strip(result);
  });

  app.get('/stats', async () => predictor.batcher?.stats ?? {});

  app.setErrorHandler((error, _request, reply) => {
    if (ServableError.isInstance(error)) {
      const status = CLIENT_ERRORS.has(error.code) ? 400 : BUSY_ERRORS.has(error.code) ? 503 : 500;
      return reply.code(status).send({ code: error.code, message: error.message });
    }
    return reply.code(error.statusCode ?? 500).send({ code: 'INTERNAL', message: error.message });
  });

  app.addHook('onClose', async () => {
    await predictor.dispose();
  });
  return app;
}
