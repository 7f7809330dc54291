import { ServableError } from '../errors/servable-error.js';
import type { Tokenizer } from './tokenizer.js';

/**
 * The part of a `Tokenizer` from `@huggingface/tokenizers` (tokenizers.js) that Servable uses.
 * Any object with these members works, so core needs no dependency on the library.
 */
export interface HuggingFaceTokenizerLike {
  /** Turns text into token ids; Servable passes `add_special_tokens` from its `addSpecialTokens` option. */
  encode(
    text: string,
    options?: { add_special_tokens?: boolean },
  ):
    | {
        /** The token ids. */
        ids: number[];
      }
    | number[];
  /** Turns token ids back into text; Servable always passes `skip_special_tokens: true`. */
  decode(ids: number[], options?: { skip_special_tokens?: boolean }): string;
}

/** Options of {@link huggingFaceTokenizer}. */
export interface HuggingFaceTokenizerOptions {
  /**
   * End-of-sequence id(s). Read them from the model's `generation_config.json` or
   * `tokenizer_config.json` (`eos_token`, looked up in `tokenizer.json`'s `added_tokens`).
   */
  readonly eosTokenId?: number | readonly number[];
  /** Add the tokenizer's special tokens (such as BOS) when encoding a prompt. Default `false`. */
  readonly addSpecialTokens?: boolean;
  /** Number of ids, for messages. */
  readonly vocabSize?: number;
}

/**
 * Adapts a Hugging Face tokenizer (from a local `tokenizer.json`, through `@huggingface/tokenizers`)
 * to Servable's {@link Tokenizer}. Streaming with it holds back text that ends in an incomplete
 * character (U+FFFD) until the next token completes it.
 *
 * @example
 * ```ts
 * import { Tokenizer as HfTokenizer } from '@huggingface/tokenizers';
 * const json = JSON.parse(await readFile('model/tokenizer.json', 'utf8'));
 * const config = JSON.parse(await readFile('model/tokenizer_config.json', 'utf8'));
 * const tokenizer = huggingFaceTokenizer(new HfTokenizer(json, config), { eosTokenId: 50256 });
 * ```
 */
export function huggingFaceTokenizer(tokenizer: HuggingFaceTokenizerLike, options: HuggingFaceTokenizerOptions = {}): Tokenizer {
  if (typeof tokenizer?.encode !== 'function' || typeof tokenizer?.decode !== 'function') {
    throw new ServableError(
      'INVALID_ARGUMENT',
      'huggingFaceTokenizer(tokenizer): expected an object with encode() and decode() (a Tokenizer from @huggingface/tokenizers), got ' +
        `${tokenizer === null ? 'null' : typeof tokenizer} — build it with new Tokenizer(tokenizerJson, tokenizerConfig)`,
    );
  }
  const addSpecialTokens = options.addSpecialTokens ?? false;
  return {
    eosTokenId: options.eosTokenId,
    vocabSize: options.vocabSize,
    encode(text) {
      const encoded = tokenizer.encode(text, { add_special_tokens: addSpecialTokens });
      return Array.isArray(encoded) ? encoded : encoded.ids;
    },
    decode(ids) {
      // tokenizers.js throws on an empty list; streaming decodes empty windows.
      return ids.length === 0 ? '' : tokenizer.decode([...ids], { skip_special_tokens: true });
    },
  };
}
