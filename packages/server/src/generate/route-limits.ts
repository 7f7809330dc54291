/** The limits every generate route applies, with defaults filled in. */
export interface RouteLimits {
  /** Largest `max_tokens` a request may ask for. */
  readonly maxTokensLimit: number;
  /** `max_tokens` of a request that gives none. */
  readonly defaultMaxTokens: number;
  /** Longest prompt, in characters. */
  readonly maxPromptChars: number;
  /** Generations that may wait for one model. */
  readonly maxQueued: number;
}
