import { ServableError } from '@servable/core';
import type { FastifyInstance } from 'fastify';
import type { GenerateRoutesOptions } from './generate-routes-options.js';
import { registerOipGenerateRoutes } from './oip-generate-routes.js';
import { registerOpenAiRoutes } from './openai-routes.js';
import type { RouteLimits } from './route-limits.js';

function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new ServableError('INVALID_ARGUMENT', `registerGenerateRoutes option "${name}": expected an integer ≥ 1, got ${String(value)} — leave it out for ${fallback}`);
  }
  return value;
}

/**
 * Adds the text-generation routes to a Fastify instance: the Open Inference Protocol generate
 * extension (`POST /v2/models/{m}[/versions/{v}]/generate` and `/generate_stream`) and the
 * OpenAI-compatible `POST /v1/completions` and `POST /v1/chat/completions`.
 *
 * The routes are added to `app` itself (not to an encapsulated child), so hooks already on it
 * (authentication, rate limits, CORS, metrics) apply to them. A client that disconnects stops its
 * generation within a step or two; generations on one model are queued (see `createGenerator`).
 *
 * @example
 * ```ts
 * const generator = createGenerator(await loadModel('decoder.onnx', { runtimes: [onnxNode()] }), { tokenizer: byteTokenizer() });
 * registerGenerateRoutes(app, { resolveGenerator: (name) => (name === 'tiny' ? { generator, version: '1' } : undefined) });
 * ```
 */
export function registerGenerateRoutes(app: FastifyInstance, options: GenerateRoutesOptions): void {
  if (typeof options?.resolveGenerator !== 'function') {
    throw new ServableError('INVALID_ARGUMENT', `registerGenerateRoutes option "resolveGenerator": expected a function (name, version) => { generator, version } | undefined, got ${typeof options?.resolveGenerator}`);
  }
  const limits: RouteLimits = {
    maxTokensLimit: positiveInteger('maxTokensLimit', options.maxTokensLimit, 4096),
    defaultMaxTokens: positiveInteger('defaultMaxTokens', options.defaultMaxTokens, 256),
    maxPromptChars: positiveInteger('maxPromptChars', options.maxPromptChars, 1_000_000),
    maxQueued: positiveInteger('maxQueued', options.maxQueued, 64),
  };
  registerOipGenerateRoutes(app, options, limits);
  registerOpenAiRoutes(app, options, limits);
}
