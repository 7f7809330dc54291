import { randomUUID } from 'node:crypto';
import { ServableError, type FinishReason } from '@servable/core';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { toWireError } from '../errors/status-mapping.js';
import { defaultChatTemplate, parseChatMessages } from './chat-template.js';
import { readGenerationParameters } from './generation-parameters.js';
import { startGeneration, type GenerationRun } from './generation-run.js';
import { sendEventStream, sseData } from './sse-stream.js';
import type { GenerateRoutesOptions, ResolvedGenerator } from './generate-routes-options.js';
import type { RouteLimits } from './route-limits.js';

type Body = Record<string, unknown>;

const OPENAI_TYPE_BY_STATUS: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'invalid_request_error',
  429: 'rate_limit_error',
  503: 'overloaded_error',
};

/** OpenAI's error body: `{"error": {"message", "type", "param", "code"}}`. */
function sendOpenAiError(reply: FastifyReply, error: unknown): FastifyReply {
  const wire = toWireError(error);
  if (wire.retryAfterSeconds !== undefined) reply.header('retry-after', String(wire.retryAfterSeconds));
  const param = ServableError.isInstance(error) && typeof error.details.subject === 'string' ? error.details.subject : null;
  return reply
    .code(wire.http)
    .type('application/json')
    .send({ error: { message: wire.message, type: OPENAI_TYPE_BY_STATUS[wire.http] ?? 'server_error', param, code: wire.code } });
}

function openAiBody(body: unknown, route: string): Body {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ServableError('INVALID_INPUT', `${route} body: expected a JSON object, got ${Array.isArray(body) ? 'an array' : typeof body} — send {"model": "…", …}`);
  }
  const b = body as Body;
  if (typeof b.model !== 'string' || b.model.length === 0) {
    throw new ServableError('INVALID_ARGUMENT', `${route} "model": expected the name of a served model, got ${JSON.stringify(b.model) ?? 'nothing'} — send "model": "<name>"`, { details: { subject: 'model' } });
  }
  if (b.n !== undefined && b.n !== null && b.n !== 1) {
    throw new ServableError('INVALID_ARGUMENT', `${route} "n": expected 1, got ${JSON.stringify(b.n)} — send one request per completion`, { details: { subject: 'n' } });
  }
  for (const key of ['logprobs', 'echo', 'suffix', 'tools', 'logit_bias', 'best_of']) {
    const v = b[key];
    const empty = v === undefined || v === null || v === false || (typeof v === 'object' && Object.keys(v as object).length === 0) || (key === 'best_of' && v === 1);
    if (!empty) throw new ServableError('INVALID_ARGUMENT', `${route} "${key}": expected it left out (not supported), got ${JSON.stringify(v)} — remove "${key}"`, { details: { subject: key } });
  }
  return b;
}

async function resolveModel(options: GenerateRoutesOptions, model: string): Promise<ResolvedGenerator> {
  const target = await options.resolveGenerator(model, undefined);
  if (!target) throw new ServableError('MODEL_NOT_FOUND', `model "${model}": expected a served text decoder, got none — list models with GET /v2/models or check the name`, { details: { subject: 'model' } });
  return target;
}

function usageOf(promptTokens: number, completionTokens: number) {
  return { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens };
}

function includeUsage(body: Body): boolean {
  const so = body.stream_options as { include_usage?: unknown } | undefined;
  return typeof so === 'object' && so !== null && so.include_usage === true;
}

function promptOf(body: Body, limits: RouteLimits): string {
  let prompt = body.prompt;
  if (Array.isArray(prompt) && prompt.length === 1 && typeof prompt[0] === 'string') prompt = prompt[0];
  if (typeof prompt !== 'string' || prompt.length === 0) {
    throw new ServableError('INVALID_ARGUMENT', `/v1/completions "prompt": expected a non-empty string (or an array of one), got ${JSON.stringify(prompt)?.slice(0, 80) ?? 'nothing'} — send one prompt per request`, {
      details: { subject: 'prompt' },
    });
  }
  if (prompt.length > limits.maxPromptChars) {
    throw new ServableError('PAYLOAD_TOO_LARGE', `/v1/completions "prompt": expected at most ${limits.maxPromptChars} characters, got ${prompt.length} — shorten the prompt`, { details: { subject: 'prompt' } });
  }
  return prompt;
}

interface Shape {
  readonly object: string;
  readonly chunkObject: string;
  readonly idPrefix: string;
  /** The choice of a complete answer. */
  choice(text: string, finishReason: FinishReason): Record<string, unknown>;
  /** The choice of one streamed piece (`finishReason` on the last). */
  chunkChoice(text: string | undefined, finishReason: FinishReason | null, first: boolean): Record<string, unknown>;
}

const COMPLETION: Shape = {
  object: 'text_completion',
  chunkObject: 'text_completion',
  idPrefix: 'cmpl-',
  choice: (text, finish_reason) => ({ index: 0, text, logprobs: null, finish_reason }),
  chunkChoice: (text, finish_reason) => ({ index: 0, text: text ?? '', logprobs: null, finish_reason }),
};

const CHAT: Shape = {
  object: 'chat.completion',
  chunkObject: 'chat.completion.chunk',
  idPrefix: 'chatcmpl-',
  choice: (content, finish_reason) => ({ index: 0, message: { role: 'assistant', content, refusal: null }, logprobs: null, finish_reason }),
  chunkChoice: (content, finish_reason, first) => ({
    index: 0,
    delta: first ? { role: 'assistant', content: '' } : content === undefined ? {} : { content },
    logprobs: null,
    finish_reason,
  }),
};

async function respond(reply: FastifyReply, body: Body, shape: Shape, run: GenerationRun): Promise<FastifyReply> {
  const id = `${shape.idPrefix}${randomUUID()}`;
  const created = Math.floor(Date.now() / 1000);
  const model = body.model as string;
  if (body.stream !== true) {
    let text = '';
    let finishReason: FinishReason = 'stop';
    let usage = usageOf(0, 0);
    for await (const event of run.events) {
      text += event.text;
      if (event.done) {
        finishReason = event.finishReason ?? 'stop';
        usage = usageOf(event.usage?.promptTokens ?? 0, event.usage?.completionTokens ?? 0);
      }
    }
    return reply.send({ id, object: shape.object, created, model, choices: [shape.choice(text, finishReason)], usage });
  }
  const withUsage = includeUsage(body);
  const chunk = (choices: unknown[], extra?: Record<string, unknown>) => sseData({ id, object: shape.chunkObject, created, model, choices, ...extra });
  const events = run.events;
  return sendEventStream(
    reply,
    (async function* () {
      try {
        if (shape === CHAT) yield chunk([shape.chunkChoice(undefined, null, true)]);
        for await (const event of events) {
          if (event.text !== '') yield chunk([shape.chunkChoice(event.text, null, false)]);
          if (event.done) {
            yield chunk([shape.chunkChoice(undefined, event.finishReason ?? 'stop', false)]);
            if (withUsage) yield chunk([], { usage: usageOf(event.usage?.promptTokens ?? 0, event.usage?.completionTokens ?? 0) });
          }
        }
        yield 'data: [DONE]\n\n';
      } catch (error) {
        const wire = toWireError(error);
        yield sseData({ error: { message: wire.message, type: OPENAI_TYPE_BY_STATUS[wire.http] ?? 'server_error', param: null, code: wire.code } });
      }
    })(),
  );
}

/**
 * Registers OpenAI-compatible `POST /v1/completions` and `POST /v1/chat/completions`, streaming
 * (`stream: true`: a role chunk for chat, content chunks, one chunk with `finish_reason`, a
 * usage chunk with `stream_options.include_usage`, then `data: [DONE]`) or not.
 */
export function registerOpenAiRoutes(app: FastifyInstance, options: GenerateRoutesOptions, limits: RouteLimits): void {
  app.post('/v1/completions', async (request: FastifyRequest, reply: FastifyReply) => {
    try {
      const body = openAiBody(request.body, '/v1/completions');
      const target = await resolveModel(options, body.model as string);
      const prompt = promptOf(body, limits);
      const parameters = readGenerationParameters(body, { ...limits, defaultMaxTokens: 16, prefix: '', defaultTemperature: 1 });
      const run = await startGeneration(reply, target, prompt, parameters, limits.maxQueued);
      return await respond(reply, body, COMPLETION, run);
    } catch (error) {
      return sendOpenAiError(reply, error);
    }
  });
  app.post('/v1/chat/completions', async (request: FastifyRequest, reply: FastifyReply) => {
    try {
      const body = openAiBody(request.body, '/v1/chat/completions');
      const target = await resolveModel(options, body.model as string);
      const messages = parseChatMessages(body.messages);
      const prompt = (options.chatTemplate ?? defaultChatTemplate)(messages, body.model as string);
      if (prompt.length > limits.maxPromptChars) {
        throw new ServableError('PAYLOAD_TOO_LARGE', `/v1/chat/completions "messages": expected at most ${limits.maxPromptChars} characters of prompt, got ${prompt.length} — send fewer or shorter messages`, {
          details: { subject: 'messages' },
        });
      }
      const parameters = readGenerationParameters(body, { ...limits, prefix: '', defaultTemperature: 1 });
      const run = await startGeneration(reply, target, prompt, parameters, limits.maxQueued);
      return await respond(reply, body, CHAT, run);
    } catch (error) {
      return sendOpenAiError(reply, error);
    }
  });
}
