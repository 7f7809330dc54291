/**
 * Turns text into token ids and back. `generate()` works with any object of this shape: the
 * built-in {@link byteTokenizer}, a Hugging Face `tokenizer.json` through
 * {@link huggingFaceTokenizer}, or your own.
 */
export interface Tokenizer {
  /** Token ids of `text`, without special tokens unless the model expects them in a prompt. */
  encode(text: string): number[];
  /** Text of `ids`. Special tokens are left out. */
  decode(ids: readonly number[]): string;
  /**
   * The raw bytes of one token, for byte-level tokenizers. When present, streamed text is
   * assembled from bytes and an incomplete UTF-8 sequence is held back until its last byte comes;
   * when absent, streaming decodes a window of ids and holds back text that ends in U+FFFD.
   */
  tokenBytes?(id: number): Uint8Array;
  /** Token id(s) that end a generation (end of sequence). */
  readonly eosTokenId?: number | readonly number[];
  /** Number of ids the tokenizer can produce, where known. */
  readonly vocabSize?: number;
}

/** The end-of-sequence ids of a tokenizer as an array. */
export function eosTokenIds(tokenizer: Tokenizer): number[] {
  const eos = tokenizer.eosTokenId;
  if (eos === undefined) return [];
  return typeof eos === 'number' ? [eos] : [...eos];
}
