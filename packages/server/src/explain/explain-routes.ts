import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { explain, type Tensor } from '@servable/core';
import { sendError } from '../http/error-reply.js';
import { decodeInferBody, encodeInferResponse } from '../http/oip-infer-body.js';
import { bodyBytes } from '../http/raw-body.js';
import { clientGoneSignal } from '../http/request-signal.js';
import { decodeFeeds, type InferOutput } from '../protocol/inference-service.js';
import type { ServerContext } from '../server-context.js';
import { explainOptionsFromParameters } from './explain-parameters.js';

interface ModelParams {
  name: string;
  version?: string;
}

function scalar(name: string, value: number): InferOutput {
  return { name, datatype: 'FP32', shape: [1], tensor: { dtype: 'float32', shape: [1], data: Float32Array.of(value) }, binary: false };
}

/**
 * Registers `POST /v2/models/{name}[/versions/{v}]/explain`: the OIP infer body (one example)
 * plus `parameters.method` and the method's options. The explanation runs through the version's
 * predictor, so its model evaluations share the batcher and its limits with inference. The
 * answer is an OIP response whose outputs are `attributions` (FP32, the explained input's
 * shape), `explained_output` and `baseline_output` (FP32 [1]: the target output at the input and
 * at the baseline), with `parameters` giving the method, the input and output explained, the
 * target index, the model evaluations spent, the gradient source, the convergence delta and the
 * wall time in ms.
 */
export function registerExplainRoutes(fastify: FastifyInstance, context: ServerContext): void {
  const { registry, metrics } = context;
  const handler = async (request: FastifyRequest<{ Params: ModelParams }>, reply: FastifyReply) => {
    const { name, version } = request.params;
    let servedVersion = version ?? '';
    try {
      const header = request.headers['inference-header-content-length'];
      const body = decodeInferBody(bodyBytes(request), Array.isArray(header) ? header[0] : header, context.maxJsonDepth);
      const options = explainOptionsFromParameters(body.parameters);
      const served = registry.get(name, version);
      servedVersion = served.version;
      const predictor = served.predictor!;
      const feeds = decodeFeeds(predictor.signature, body.inputs, { maxElements: context.maxElements });
      served.active++;
      let explanation;
      try {
        explanation = await explain(predictor, feeds, { ...options, signal: clientGoneSignal(reply) });
      } finally {
        served.active--;
      }
      const explained = feeds[explanation.input]!;
      const attributions: Tensor = { dtype: 'float32', shape: [...explained.shape], data: explanation.attributions.data };
      const encoded = encodeInferResponse(
        {
          modelName: served.name,
          modelVersion: served.version,
          outputs: [
            { name: 'attributions', datatype: 'FP32', shape: attributions.shape, tensor: attributions, binary: body.binaryOutputs },
            scalar('explained_output', explanation.output.value),
            scalar('baseline_output', explanation.output.baselineValue),
          ],
        },
        body.id,
        {
          method: explanation.method,
          input: explanation.input,
          output: explanation.output.name,
          target_index: explanation.output.index,
          ...(explanation.output.label !== undefined ? { label: explanation.output.label } : {}),
          model_evaluations: explanation.predictions,
          ...(explanation.gradientSource ? { gradient_source: explanation.gradientSource } : {}),
          ...(explanation.convergenceDelta !== undefined ? { convergence_delta: explanation.convergenceDelta } : {}),
          ms: Math.round(explanation.ms * 1000) / 1000,
        },
      );
      metrics.request(name, servedVersion, 'explain');
      if (encoded.binary.length === 0) return reply.type('application/json').send(encoded.json);
      const head = Buffer.from(encoded.json, 'utf8');
      reply.header('inference-header-content-length', String(head.byteLength));
      return reply.type('application/octet-stream').send(Buffer.concat([head, ...encoded.binary]));
    } catch (e) {
      metrics.request(name, servedVersion || registry.versionLabel(name, version), 'explain', sendError(reply, e));
      return reply;
    }
  };
  fastify.post('/v2/models/:name/explain', handler);
  fastify.post('/v2/models/:name/versions/:version/explain', handler);
}
