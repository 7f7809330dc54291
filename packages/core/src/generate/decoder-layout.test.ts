import { describe, expect, it } from 'vitest';
import type { ModelSignature, TensorSpec } from '../model/signature.js';
import { decoderLayout } from './decoder-layout.js';

const ids: TensorSpec = { name: 'input_ids', dtype: 'int64', shape: ['batch', 'seq'] };
const mask: TensorSpec = { name: 'attention_mask', dtype: 'int64', shape: ['batch', 'total'] };
const logits: TensorSpec = { name: 'logits', dtype: 'float32', shape: ['batch', 'seq', 256] };
const past = (l: number, k: string): TensorSpec => ({ name: `past_key_values.${l}.${k}`, dtype: 'float32', shape: ['batch', 4, 'past', 8] });
const present = (l: number, k: string): TensorSpec => ({ name: `present.${l}.${k}`, dtype: 'float32', shape: ['batch', 4, 'total', 8] });

describe('decoderLayout', () => {
  it('finds the cache entries in layer order, keys before values, whatever the signature order', () => {
    const signature: ModelSignature = {
      inputs: [ids, mask, past(10, 'value'), past(2, 'key'), past(10, 'key'), past(2, 'value')],
      outputs: [logits, present(2, 'key'), present(2, 'value'), present(10, 'key'), present(10, 'value')],
    };
    const layout = decoderLayout(signature);
    expect(layout.cache.map((e) => e.input)).toEqual(['past_key_values.2.key', 'past_key_values.2.value', 'past_key_values.10.key', 'past_key_values.10.value']);
    expect(layout.cache[0]).toMatchObject({ output: 'present.2.key', heads: 4, headDim: 8, dtype: 'float32' });
    expect(layout).toMatchObject({ attentionMask: 'attention_mask', positionIds: undefined, idType: 'int64' });
  });

  it('accepts a decoder without a cache', () => {
    expect(decoderLayout({ inputs: [ids], outputs: [logits] }).cache).toEqual([]);
  });

  it('names what is missing or wrong', () => {
    expect(() => decoderLayout({ inputs: [{ name: 'pixels', dtype: 'float32', shape: ['b', 784] }], outputs: [logits] })).toThrow(/expected a text decoder with an "input_ids" input, got inputs "pixels"/);
    expect(() => decoderLayout({ inputs: [ids], outputs: [{ name: 'probs', dtype: 'float32', shape: ['b', 10] }] })).toThrow(/output "logits": expected \[batch, seq, vocab\]/);
    expect(() => decoderLayout({ inputs: [ids, past(0, 'key')], outputs: [logits] })).toThrow(/expected a matching output "present.0.key"/);
    expect(() => decoderLayout({ inputs: [ids, { name: 'encoder_hidden_states', dtype: 'float32', shape: ['b', 's', 8] }], outputs: [logits] })).toThrow(
      /"encoder_hidden_states": expected only input_ids/,
    );
    try {
      decoderLayout({ inputs: [ids, { ...past(0, 'key'), shape: ['batch', 'heads', 'past', 8] }], outputs: [logits, present(0, 'key')] });
      expect.unreachable();
    } catch (e) {
      expect(e).toMatchObject({ code: 'UNSUPPORTED_CAPABILITY' });
    }
  });
});
