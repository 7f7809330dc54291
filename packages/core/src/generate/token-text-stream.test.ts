import { describe, expect, it } from 'vitest';
import { byteTokenizer } from './byte-tokenizer.js';
import { TokenTextStream } from './token-text-stream.js';
import type { Tokenizer } from './tokenizer.js';

/** A BPE-like tokenizer without tokenBytes: ids name byte strings; decode maps broken UTF-8 to U+FFFD. */
function pieceTokenizer(pieces: Uint8Array[]): Tokenizer {
  return {
    encode: () => [],
    decode: (ids) => new TextDecoder().decode(Uint8Array.from(ids.flatMap((id) => Array.from(pieces[id]!)))),
  };
}

describe('TokenTextStream', () => {
  it('assembles bytes of byte-level tokens and holds back an incomplete character', () => {
    const stream = new TokenTextStream(byteTokenizer());
    const out = Array.from(new TextEncoder().encode('a€b'), (b) => stream.push(b));
    expect(out).toEqual(['a', '', '', '€', 'b']);
    expect(stream.flush()).toBe('');
  });

  it('turns a character cut off at the end into U+FFFD on flush', () => {
    const stream = new TokenTextStream(byteTokenizer());
    stream.push(0xe2);
    stream.push(0x82);
    expect(stream.flush()).toBe('\uFFFD');
  });

  it('holds back window-decoded text that ends in U+FFFD for tokenizers without tokenBytes', () => {
    const euro = new TextEncoder().encode('€');
    const pieces = [new TextEncoder().encode('hi '), euro.subarray(0, 2), Uint8Array.of(euro[2]!, 0x21), new TextEncoder().encode('ok')];
    const stream = new TokenTextStream(pieceTokenizer(pieces));
    expect([0, 1, 2, 3].map((id) => stream.push(id))).toEqual(['hi ', '', '€!', 'ok']);
    expect(stream.flush()).toBe('');
  });

  it('produces no text for skipped ids such as end of sequence', () => {
    const stream = new TokenTextStream(byteTokenizer(), [0]);
    expect(stream.push(0)).toBe('');
    expect(stream.push(65)).toBe('A');
  });
});
