import { describe, expect, it } from 'vitest';
import { byteTokenizer } from './byte-tokenizer.js';
import { huggingFaceTokenizer } from './hugging-face-tokenizer.js';
import { createRandom } from '../random/seeded-random.js';

describe('byteTokenizer', () => {
  it('maps text to UTF-8 bytes and back, leaving out the end-of-sequence byte', () => {
    const t = byteTokenizer();
    expect(t.encode('é!')).toEqual([195, 169, 33]);
    expect(t.decode([195, 169, 0, 33])).toBe('é!');
    expect(t.eosTokenId).toBe(0);
    expect(byteTokenizer({ eosTokenId: null }).decode([65, 0])).toBe('A\u0000');
  });

  it('rejects ids outside a byte with a message that says so', () => {
    expect(() => byteTokenizer().decode([300])).toThrow(/expected an integer 0…255, got 300/);
    expect(() => byteTokenizer({ eosTokenId: 999 })).toThrow(/"eosTokenId"/);
  });
});

describe('huggingFaceTokenizer', () => {
  it('adapts an object with encode() and decode() and passes the special-token flags', () => {
    const calls: unknown[] = [];
    const t = huggingFaceTokenizer(
      {
        encode: (text, o) => (calls.push(o), { ids: Array.from(text, (c) => c.charCodeAt(0)) }),
        decode: (ids, o) => (calls.push(o), String.fromCharCode(...ids)),
      },
      { eosTokenId: [2, 3] },
    );
    expect(t.encode('AB')).toEqual([65, 66]);
    expect(t.decode([67])).toBe('C');
    expect(t.decode([])).toBe('');
    expect(t.eosTokenId).toEqual([2, 3]);
    expect(calls).toEqual([{ add_special_tokens: false }, { skip_special_tokens: true }]);
    expect(() => huggingFaceTokenizer({} as never)).toThrow(/expected an object with encode\(\) and decode\(\)/);
  });
});

describe('createRandom', () => {
  it('repeats a sequence for a seed, stays in [0, 1) and differs between seeds', () => {
    const a = createRandom(42);
    const b = createRandom(42);
    const xs = Array.from({ length: 1000 }, () => a.next());
    expect(Array.from({ length: 1000 }, () => b.next())).toEqual(xs);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(createRandom(43).next()).not.toBe(xs[0]);
    const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(mean).toBeGreaterThan(0.45);
    expect(mean).toBeLessThan(0.55);
  });
});
