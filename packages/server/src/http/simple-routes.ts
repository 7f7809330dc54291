import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ServableError, isTensor, type Classification, type PredictInput, type TensorMap } from '@servable/core';
import type { ServerContext } from '../server-context.js';
import { sendError } from './error-reply.js';
import { parseInferJson } from '../protocol/fast-infer-json.js';
import { bodyBytes, jsonObjectBody } from './raw-body.js';
import { resolveSimpleSpans } from './simple-span-input.js';
import { clientGoneSignal, headerTimeoutMs } from './request-signal.js';
import { simpleBodyToInput, tensorToNested } from './simple-input.js';

function isClassification(v: unknown): v is Classification {
  return typeof v === 'object' && v !== null && 'label' in v && 'top' in v;
}

/** The `predictions` of a prediction: classifications as {label, index, score, top}; tensors as nested arrays. */
function predictionsOf(prediction: unknown): unknown {
  const list = Array.isArray(prediction) ? prediction : [prediction];
  if (list.every(isClassification)) return list.map((c) => ({ label: c.label, index: c.index, score: c.score, top: c.top }));
  const outputs = prediction as TensorMap;
  const names = Object.keys(outputs);
  if (names.length === 1 && isTensor(outputs[names[0]!])) return tensorToNested(outputs[names[0]!]!);
  return Object.fromEntries(names.map((n) => [n, tensorToNested(outputs[n]!)]));
}

/**
 * Registers `POST /v1/models/{name}:predict` and `POST /predict` (the default model): a body a
 * person would write, the SDK's normalizing pipeline, post-processed answers.
 */
export function registerSimpleRoutes(fastify: FastifyInstance, context: ServerContext, defaultModel: string | undefined): void {
  const { registry, metrics } = context;
  const predict = async (name: string, request: FastifyRequest, reply: FastifyReply) => {
    let version = '';
    try {
      const bytes = bodyBytes(request);
      const fast = bytes.length > 0 ? parseInferJson(bytes, bytes.length, context.maxJsonDepth, 'simple') : undefined;
      const resolved =
        typeof fast === 'object' && fast !== null && !Array.isArray(fast)
          ? resolveSimpleSpans(fast as Record<string, unknown>, () => registry.get(name).predictor!.signature)
          : { body: jsonObjectBody(request, context.maxJsonDepth) };
      const body = resolved.body;
      // Parsed JSON: the predictor's pipeline checks it against the signature.
      const input = (resolved.tensor ?? simpleBodyToInput(body)) as PredictInput;
      const topK = body.top_k ?? body.topK;
      if (topK !== undefined && (typeof topK !== 'number' || !Number.isInteger(topK) || topK < 1)) {
        throw new ServableError('INVALID_INPUT', `top_k: expected a positive integer, got ${JSON.stringify(topK)}`);
      }
      const timeoutMs = headerTimeoutMs(request);
      const served = registry.get(name);
      version = served.version;
      served.active++;
      let prediction: unknown;
      try {
        prediction = await served.predictor!.predict(input, { signal: clientGoneSignal(reply), ...(topK ? { topK } : {}), ...(timeoutMs !== undefined ? { timeoutMs } : {}) });
      } finally {
        served.active--;
      }
      metrics.request(name, version, 'predict');
      return reply.type('application/json').send(JSON.stringify({ model_name: name, model_version: version, predictions: predictionsOf(prediction) }));
    } catch (e) {
      metrics.request(name, version || registry.versionLabel(name), 'predict', sendError(reply, e));
      return reply;
    }
  };
  fastify.post('/v1/models/:target', async (request: FastifyRequest<{ Params: { target: string } }>, reply) => {
    const m = /^(.+):predict$/.exec(request.params.target);
    if (!m) return sendError(reply, new ServableError('MODEL_NOT_FOUND', `route /v1/models/${request.params.target}: expected /v1/models/<name>:predict, got another verb`));
    return predict(m[1]!, request, reply);
  });
  fastify.post('/predict', async (request, reply) => {
    let name = defaultModel;
    if (!name) {
      const names = registry.modelNames();
      if (names.length !== 1) {
        return sendError(reply, new ServableError('MODEL_NOT_FOUND', `POST /predict: expected one model or the defaultModel option, got ${names.length} models (${names.join(', ')}) — use /v1/models/<name>:predict`));
      }
      name = names[0]!;
    }
    return predict(name, request, reply);
  });
}
