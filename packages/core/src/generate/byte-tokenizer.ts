import { ServableError } from '../errors/servable-error.js';
import type { Tokenizer } from './tokenizer.js';

/** Options of {@link byteTokenizer}. */
export interface ByteTokenizerOptions {
  /**
   * Id that ends a generation. Default `0` (the NUL byte), which the decoder fixtures use;
   * pass `null` for none.
   */
  readonly eosTokenId?: number | null;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8');
const SINGLE_BYTES: readonly Uint8Array[] = Array.from({ length: 256 }, (_, b) => Uint8Array.of(b));

/**
 * A byte-level tokenizer: token id = UTF-8 byte (0…255). It drives byte-level decoders such as
 * the Servable decoder fixtures, and it is the reference for how streaming holds back a character
 * whose bytes span several tokens.
 *
 * @example
 * ```ts
 * const tokenizer = byteTokenizer();
 * tokenizer.encode('é'); // [195, 169]
 * ```
 */
export function byteTokenizer(options: ByteTokenizerOptions = {}): Tokenizer {
  const eos = options.eosTokenId === undefined ? 0 : options.eosTokenId;
  if (eos !== null && (!Number.isInteger(eos) || eos < 0 || eos > 255)) {
    throw new ServableError('INVALID_ARGUMENT', `byteTokenizer option "eosTokenId": expected an integer 0…255 or null, got ${String(eos)} — pick a byte value or null`);
  }
  const check = (id: number): number => {
    if (!Number.isInteger(id) || id < 0 || id > 255) {
      throw new ServableError('INVALID_INPUT', `byte tokenizer id: expected an integer 0…255, got ${String(id)} — this tokenizer only knows bytes; use the model's own tokenizer`);
    }
    return id;
  };
  return {
    eosTokenId: eos ?? undefined,
    vocabSize: 256,
    encode: (text) => Array.from(encoder.encode(text)),
    decode: (ids) => {
      const bytes = new Uint8Array(ids.length);
      let n = 0;
      for (const id of ids) if (check(id) !== eos) bytes[n++] = id;
      return decoder.decode(bytes.subarray(0, n));
    },
    tokenBytes: (id) => SINGLE_BYTES[check(id)]!,
  };
}
