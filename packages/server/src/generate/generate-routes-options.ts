import type { Generator } from '@servable/core';
import type { ChatMessage } from './chat-template.js';

/** The generator that serves a model, and the version it reports. */
export interface ResolvedGenerator {
  /** Runs the generation for the request. */
  readonly generator: Generator;
  /** The served version, as responses name it (`model_version`). */
  readonly version: string;
}

/** Options of {@link registerGenerateRoutes}. */
export interface GenerateRoutesOptions {
  /**
   * Finds the generator of a model. `version` is given for `/v2/models/{m}/versions/{v}/…`;
   * otherwise pick the newest served one. For the OpenAI routes `name` is the request's `model`
   * field as it came. Return `undefined` for a model that is not served or is not a decoder
   * (the routes answer 404).
   */
  resolveGenerator(name: string, version: string | undefined): ResolvedGenerator | undefined | Promise<ResolvedGenerator | undefined>;
  /**
   * Turns chat messages into a prompt for `/v1/chat/completions`. Default
   * {@link defaultChatTemplate}; give the model's own template for a chat-tuned model.
   */
  readonly chatTemplate?: (messages: readonly ChatMessage[], model: string) => string;
  /** Largest `max_tokens` a request may ask for. Default 4096. */
  readonly maxTokensLimit?: number;
  /** `max_tokens` of OIP and chat requests that give none. Default 256 (`/v1/completions`: 16, as OpenAI's). */
  readonly defaultMaxTokens?: number;
  /** Longest prompt in characters. Default 1,000,000. */
  readonly maxPromptChars?: number;
  /**
   * Generations that may wait for one model before requests are refused with 503 `OVERLOADED`.
   * Default 64.
   */
  readonly maxQueued?: number;
}
