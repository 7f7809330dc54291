import { ServableError } from '../errors/servable-error.js';
import type { SamplingOptions } from './sampler.js';

/** Why a generation ended: a stop token or stop sequence (`stop`), or `maxTokens` (`length`). */
export type FinishReason = 'stop' | 'length';

/** Options of one generation. */
export interface GenerateOptions extends SamplingOptions {
  /** Most tokens to generate (stop and end-of-sequence tokens count). Default 128. */
  readonly maxTokens?: number;
  /** Text that ends the generation; it is not part of the output, not even in part. */
  readonly stop?: string | readonly string[];
  /** Token ids that end the generation, besides the tokenizer's end-of-sequence id(s). */
  readonly stopTokenIds?: readonly number[];
  /** Seed of the sampler's own generator: the same seed gives the same tokens. Random when omitted. */
  readonly seed?: number;
  /**
   * Stops the generation: it ends within one decoding step, and the iterator throws `ABORTED`.
   * A generation still waiting for its turn on the model leaves the queue at once.
   */
  readonly signal?: AbortSignal;
  /**
   * Feed the KV cache back from step to step (default `true`). With `false` every step runs the
   * whole sequence with an empty cache: slower, for checking that caching changes nothing.
   * Decoders without `past_key_values.*` inputs always run uncached.
   */
  readonly cache?: boolean;
  /** Put a copy of each step's logits (float32, one row of the vocabulary) on its event. */
  readonly returnLogits?: boolean;
}

/** Options after validation, with defaults filled in. */
export interface ResolvedGenerateOptions extends SamplingOptions {
  /** See {@link GenerateOptions}; each field below has its default filled in. */
  readonly maxTokens: number;
  readonly stop: readonly string[];
  readonly stopTokenIds: readonly number[];
  readonly seed: number | undefined;
  readonly signal: AbortSignal | undefined;
  readonly cache: boolean;
  readonly returnLogits: boolean;
}

/** Default of {@link GenerateOptions.maxTokens}. */
export const DEFAULT_MAX_TOKENS = 128;

function invalid(option: string, expected: string, received: unknown, fix: string): ServableError {
  const shown = typeof received === 'string' ? JSON.stringify(received) : String(received);
  return new ServableError('INVALID_ARGUMENT', `generate option "${option}": expected ${expected}, got ${shown} — ${fix}`, {
    details: { subject: option, expected, received: shown, fix },
  });
}

function optionalNumber(options: GenerateOptions, key: keyof GenerateOptions, test: (v: number) => boolean, expected: string, fix: string): number | undefined {
  const value = options[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || !test(value)) throw invalid(String(key), expected, value, fix);
  return value;
}

/**
 * Checks generation options and fills in defaults.
 * @throws ServableError `INVALID_ARGUMENT` naming the option, what it must be, what came and the fix
 */
export function resolveGenerateOptions(options: GenerateOptions = {}): ResolvedGenerateOptions {
  if (typeof options !== 'object' || options === null) throw invalid('options', 'an object', options, 'pass { maxTokens, temperature, … } or nothing');
  const maxTokens = optionalNumber(options, 'maxTokens', (v) => Number.isInteger(v) && v >= 1, 'an integer ≥ 1', 'ask for at least one token') ?? DEFAULT_MAX_TOKENS;
  const temperature = optionalNumber(options, 'temperature', (v) => v >= 0, 'a number ≥ 0', 'use 0 for greedy decoding, about 0.7–1 for sampling');
  const topK = optionalNumber(options, 'topK', (v) => Number.isInteger(v) && v >= 1, 'an integer ≥ 1', 'omit it to sample from the whole vocabulary');
  const topP = optionalNumber(options, 'topP', (v) => v > 0 && v <= 1, 'a number in (0, 1]', 'use 1 (or omit it) to disable nucleus sampling');
  const repetitionPenalty = optionalNumber(options, 'repetitionPenalty', (v) => v > 0, 'a number > 0', 'use 1 (or omit it) for no penalty, about 1.1–1.3 to discourage repeats');
  const seed = optionalNumber(options, 'seed', (v) => Number.isSafeInteger(v), 'a safe integer', 'pass an integer such as 42');
  const stop = options.stop === undefined ? [] : typeof options.stop === 'string' ? [options.stop] : options.stop;
  if (!Array.isArray(stop) || stop.some((s) => typeof s !== 'string' || s.length === 0)) {
    throw invalid('stop', 'a non-empty string or an array of them', options.stop, 'pass stop: ["\\n\\n"] or leave it out');
  }
  const stopTokenIds = options.stopTokenIds ?? [];
  if (!Array.isArray(stopTokenIds) || stopTokenIds.some((t) => !Number.isInteger(t) || t < 0)) {
    throw invalid('stopTokenIds', 'an array of non-negative integer token ids', options.stopTokenIds, 'pass ids from the tokenizer');
  }
  if (options.signal !== undefined && !(typeof options.signal === 'object' && options.signal !== null && 'aborted' in options.signal)) {
    throw invalid('signal', 'an AbortSignal', options.signal, 'pass AbortController.signal');
  }
  return {
    maxTokens,
    temperature,
    topK,
    topP,
    repetitionPenalty,
    seed,
    stop,
    stopTokenIds,
    signal: options.signal,
    cache: options.cache !== false,
    returnLogits: options.returnLogits === true,
  };
}
