import { ServableError, type GenerateOptions } from '@servable/core';

/** Sampling and stopping parameters read from a request body, in Servable's names. */
export type GenerationParameters = Omit<GenerateOptions, 'signal' | 'cache' | 'returnLogits'>;

/** Where the parameters came from and what the limits are. */
export interface ParameterContext {
  /** Prefix for messages, such as `parameters.` or `` (top-level OpenAI fields). */
  readonly prefix: string;
  /** Largest `max_tokens` allowed. */
  readonly maxTokensLimit: number;
  /** `max_tokens` when the request gives none. */
  readonly defaultMaxTokens: number;
  /** Default temperature (OpenAI: 1; OIP: greedy). */
  readonly defaultTemperature?: number;
}

function bad(name: string, expected: string, received: unknown, fix: string): ServableError {
  const shown = JSON.stringify(received) ?? String(received);
  return new ServableError('INVALID_ARGUMENT', `${name}: expected ${expected}, got ${shown} — ${fix}`, { details: { subject: name, expected, received: shown, fix } });
}

function number(body: Record<string, unknown>, key: string, context: ParameterContext, check: (v: number) => boolean, expected: string, fix: string): number | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || !check(value)) throw bad(`${context.prefix}${key}`, expected, value, fix);
  return value;
}

/**
 * Reads generation parameters from a request object. Accepts the OpenAI names (`max_tokens`,
 * `max_completion_tokens`, `temperature`, `top_p`, `stop`, `seed`) and the common extensions
 * of vLLM and TensorRT-LLM (`top_k`, `repetition_penalty`, `random_seed`, `stop_words`).
 * @throws ServableError `INVALID_ARGUMENT` naming the field, what it must be, what came and the fix
 */
export function readGenerationParameters(body: Record<string, unknown>, context: ParameterContext): GenerationParameters {
  const maxTokens =
    number(body, 'max_tokens', context, (v) => Number.isInteger(v) && v >= 1, 'an integer ≥ 1', 'ask for at least one token') ??
    number(body, 'max_completion_tokens', context, (v) => Number.isInteger(v) && v >= 1, 'an integer ≥ 1', 'ask for at least one token') ??
    context.defaultMaxTokens;
  if (maxTokens > context.maxTokensLimit) {
    throw bad(`${context.prefix}max_tokens`, `at most ${context.maxTokensLimit}`, maxTokens, `ask for ${context.maxTokensLimit} tokens or fewer`);
  }
  const temperature = number(body, 'temperature', context, (v) => v >= 0 && v <= 2, 'a number in [0, 2]', 'use 0 for greedy decoding') ?? context.defaultTemperature;
  const topP = number(body, 'top_p', context, (v) => v > 0 && v <= 1, 'a number in (0, 1]', 'use 1 to disable nucleus sampling');
  const topK = number(body, 'top_k', context, (v) => Number.isInteger(v) && v >= 0, 'an integer ≥ 0', 'use 0 (or leave it out) to disable top-k');
  const repetitionPenalty = number(body, 'repetition_penalty', context, (v) => v > 0, 'a number > 0', 'use 1 for no penalty');
  const seed = number(body, 'seed', context, Number.isSafeInteger, 'an integer', 'pass an integer such as 42') ?? number(body, 'random_seed', context, Number.isSafeInteger, 'an integer', 'pass an integer such as 42');
  const stopValue = body.stop ?? body.stop_words;
  let stop: string[] | undefined;
  if (stopValue !== undefined && stopValue !== null) {
    const list = typeof stopValue === 'string' ? [stopValue] : stopValue;
    if (!Array.isArray(list) || list.some((s) => typeof s !== 'string' || s.length === 0)) {
      throw bad(`${context.prefix}stop`, 'a non-empty string or an array of them', stopValue, 'send "stop": ["\\n\\n"]');
    }
    stop = list as string[];
  }
  for (const key of ['presence_penalty', 'frequency_penalty']) {
    const v = body[key];
    if (v !== undefined && v !== null && v !== 0) throw bad(`${context.prefix}${key}`, '0 or nothing (not supported; use repetition_penalty)', v, `leave ${key} out`);
  }
  return {
    maxTokens,
    temperature,
    topP,
    topK: topK === 0 ? undefined : topK,
    repetitionPenalty,
    seed,
    stop,
  };
}
