import type { Tokenizer } from './tokenizer.js';

const REPLACEMENT = '\uFFFD';

/**
 * Turns a stream of token ids into a stream of text that never splits a character.
 *
 * With a byte-level tokenizer (one that has `tokenBytes`) the bytes go through a streaming UTF-8
 * decoder, which holds back an incomplete sequence until its last byte arrives. Otherwise it
 * decodes a short window of ids (the method of Hugging Face's text-generation-inference): the new
 * text is what the window decodes to beyond what it decoded to before, and it is held back while
 * it ends in U+FFFD, the mark of an incomplete character.
 */
export class TokenTextStream {
  readonly #tokenizer: Tokenizer;
  readonly #skip: ReadonlySet<number>;
  readonly #utf8: TextDecoder | undefined;
  readonly #ids: number[] = [];
  #prefixOffset = 0;
  #readOffset = 0;

  /**
   * @param tokenizer - the tokenizer that made the ids
   * @param skipIds - ids that produce no text (end of sequence)
   */
  constructor(tokenizer: Tokenizer, skipIds: Iterable<number> = []) {
    this.#tokenizer = tokenizer;
    this.#skip = new Set(skipIds);
    this.#utf8 = typeof tokenizer.tokenBytes === 'function' ? new TextDecoder('utf-8') : undefined;
  }

  /** Adds one token; returns the text that is now complete (often `''` mid-character). */
  push(id: number): string {
    if (this.#skip.has(id)) return '';
    if (this.#utf8) return this.#utf8.decode(this.#tokenizer.tokenBytes!(id), { stream: true });
    this.#ids.push(id);
    const before = this.#tokenizer.decode(this.#ids.slice(this.#prefixOffset, this.#readOffset));
    const after = this.#tokenizer.decode(this.#ids.slice(this.#prefixOffset));
    if (after.length > before.length && !after.endsWith(REPLACEMENT)) {
      this.#prefixOffset = this.#readOffset;
      this.#readOffset = this.#ids.length;
      return after.slice(before.length);
    }
    return '';
  }

  /** Ends the stream: returns what was held back (an incomplete character becomes U+FFFD). */
  flush(): string {
    if (this.#utf8) return this.#utf8.decode();
    if (this.#readOffset === this.#ids.length) return '';
    const before = this.#tokenizer.decode(this.#ids.slice(this.#prefixOffset, this.#readOffset));
    const after = this.#tokenizer.decode(this.#ids.slice(this.#prefixOffset));
    this.#prefixOffset = this.#readOffset = this.#ids.length;
    return after.slice(before.length);
  }
}
