import { ServableError } from '@servable/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { toWireError } from '../errors/status-mapping.js';
import { readGenerationParameters } from './generation-parameters.js';
import { startGeneration } from './generation-run.js';
import { sendEventStream, sseData } from './sse-stream.js';
import type { GenerateRoutesOptions, ResolvedGenerator } from './generate-routes-options.js';
import type { RouteLimits } from './route-limits.js';

interface ModelParams {
  model: string;
  version?: string;
}

function sendOipError(reply: FastifyReply, error: unknown): FastifyReply {
  const wire = toWireError(error);
  if (wire.retryAfterSeconds !== undefined) reply.header('retry-after', String(wire.retryAfterSeconds));
  return reply.code(wire.http).type('application/json').send({ error: wire.message });
}

function readBody(body: unknown, limits: RouteLimits): { textInput: string; parameters: Record<string, unknown> } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ServableError('INVALID_INPUT', 'generate request body: expected a JSON object such as {"text_input": "…", "parameters": {"max_tokens": 32}}, got ' + (Array.isArray(body) ? 'an array' : typeof body));
  }
  const { text_input: textInput, parameters, ...rest } = body as Record<string, unknown>;
  if (typeof textInput !== 'string' || textInput.length === 0) {
    throw new ServableError('INVALID_INPUT', `generate request "text_input": expected a non-empty string, got ${JSON.stringify(textInput) ?? 'nothing'} — send the prompt as "text_input"`);
  }
  if (textInput.length > limits.maxPromptChars) {
    throw new ServableError('PAYLOAD_TOO_LARGE', `generate request "text_input": expected at most ${limits.maxPromptChars} characters, got ${textInput.length} — shorten the prompt`);
  }
  if (parameters !== undefined && (typeof parameters !== 'object' || parameters === null || Array.isArray(parameters))) {
    throw new ServableError('INVALID_INPUT', `generate request "parameters": expected an object, got ${JSON.stringify(parameters)} — send {"parameters": {"max_tokens": 32}}`);
  }
  // TensorRT-LLM style requests put parameters at the top level; "parameters" wins on a clash.
  return { textInput, parameters: { ...rest, ...(parameters as Record<string, unknown> | undefined) } };
}

async function resolve(options: GenerateRoutesOptions, params: ModelParams): Promise<ResolvedGenerator> {
  const target = await options.resolveGenerator(params.model, params.version);
  if (!target) {
    throw new ServableError('MODEL_NOT_FOUND', `model "${params.model}"${params.version ? ` version "${params.version}"` : ''}: expected a served text decoder, got none — check GET /v2/models/${params.model}`);
  }
  return target;
}

/**
 * Registers the Open Inference Protocol generate extension (Triton's):
 * `POST /v2/models/{m}[/versions/{v}]/generate` answers `{model_name, model_version, text_output}`;
 * `…/generate_stream` answers `text/event-stream` with one `data: {…, "text_output": "piece"}`
 * per piece, the last one carrying `finish_reason`, and an error after the stream started as
 * `data: {"error": "…"}`.
 */
export function registerOipGenerateRoutes(app: FastifyInstance, options: GenerateRoutesOptions, limits: RouteLimits): void {
  const unary = async (request: FastifyRequest<{ Params: ModelParams }>, reply: FastifyReply) => {
    try {
      const target = await resolve(options, request.params);
      const { textInput, parameters } = readBody(request.body, limits);
      const run = await startGeneration(reply, target, textInput, readGenerationParameters(parameters, { ...limits, prefix: 'parameters.' }), limits.maxQueued);
      let text = '';
      let finishReason: string | undefined;
      for await (const event of run.events) {
        text += event.text;
        finishReason = event.finishReason ?? finishReason;
      }
      return reply.send({ model_name: request.params.model, model_version: target.version, text_output: text, finish_reason: finishReason });
    } catch (error) {
      return sendOipError(reply, error);
    }
  };
  const streaming = async (request: FastifyRequest<{ Params: ModelParams }>, reply: FastifyReply) => {
    let run;
    let target: ResolvedGenerator;
    try {
      target = await resolve(options, request.params);
      const { textInput, parameters } = readBody(request.body, limits);
      run = await startGeneration(reply, target, textInput, readGenerationParameters(parameters, { ...limits, prefix: 'parameters.' }), limits.maxQueued);
    } catch (error) {
      return sendOipError(reply, error);
    }
    const base = { model_name: request.params.model, model_version: target.version };
    const events = run.events;
    return sendEventStream(
      reply,
      (async function* () {
        try {
          for await (const event of events) {
            if (event.text === '' && !event.done) continue;
            yield sseData(event.done ? { ...base, text_output: event.text, finish_reason: event.finishReason } : { ...base, text_output: event.text });
          }
        } catch (error) {
          yield sseData({ error: toWireError(error).message });
        }
      })(),
    );
  };
  for (const prefix of ['/v2/models/:model', '/v2/models/:model/versions/:version']) {
    app.post(`${prefix}/generate`, unary);
    app.post(`${prefix}/generate_stream`, streaming);
  }
}
