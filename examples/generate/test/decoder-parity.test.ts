import { readFileSync } from 'node:fs';
import { Tokenizer as HfTokenizer } from '@huggingface/tokenizers';
import { byteTokenizer, createGenerator, huggingFaceTokenizer, loadModel, type GenerationEvent, type Generator, type Model } from '@servable/core';
import { onnxNode } from '@servable/runtime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DECODER_DIR, maxAbsDiff, readGolden } from './fixtures.js';

const golden = readGolden();
const STEPS = golden.greedyTokens.length;

async function events(generator: Generator, options: Parameters<Generator['generate']>[1] = {}): Promise<GenerationEvent[]> {
  const out: GenerationEvent[] = [];
  for await (const e of generator.generate(golden.prompt, { maxTokens: STEPS, ...options })) out.push(e);
  return out;
}

describe('generate() on the tiny decoder with runtime-node', () => {
  let cached: Model;
  let uncached: Model;
  beforeAll(async () => {
    cached = await loadModel(`${DECODER_DIR}${golden.model}`, { runtimes: [onnxNode()] });
    uncached = await loadModel(`${DECODER_DIR}${golden.uncachedModel}`, { runtimes: [onnxNode()] });
  });
  afterAll(async () => {
    await cached?.dispose();
    await uncached?.dispose();
  });

  it('finds the KV-cache layout of the exported decoder', () => {
    const layout = createGenerator(cached, { tokenizer: byteTokenizer() }).layout;
    expect(layout.cache).toHaveLength(2 * golden.config.layers);
    expect(layout.cache[0]).toMatchObject({ input: 'past_key_values.0.key', output: 'present.0.key', heads: golden.config.heads, headDim: golden.config.head_dim });
    expect(createGenerator(uncached, { tokenizer: byteTokenizer() }).layout.cache).toEqual([]);
  });

  it('decodes the golden greedy tokens, with the first logits within the golden tolerance of PyTorch', async () => {
    const out = await events(createGenerator(cached, { tokenizer: byteTokenizer({ eosTokenId: null }) }), { returnLogits: true });
    expect(out.map((e) => e.token)).toEqual(golden.greedyTokens);
    expect(maxAbsDiff(out[0]!.logits!, golden.firstLogits)).toBeLessThan(golden.tolerance);
  });

  it('gives identical greedy tokens, and logits within 1e-4 at every step, cached, uncached and with an empty cache', async () => {
    const tokenizer = byteTokenizer({ eosTokenId: null });
    const a = await events(createGenerator(cached, { tokenizer }), { returnLogits: true });
    const b = await events(createGenerator(uncached, { tokenizer }), { returnLogits: true });
    const c = await events(createGenerator(cached, { tokenizer }), { returnLogits: true, cache: false });
    expect(b.map((e) => e.token)).toEqual(a.map((e) => e.token));
    expect(c.map((e) => e.token)).toEqual(a.map((e) => e.token));
    const worst = Math.max(...a.map((e, i) => Math.max(maxAbsDiff(e.logits!, b[i]!.logits!), maxAbsDiff(e.logits!, c[i]!.logits!))));
    expect(worst).toBeLessThan(1e-4);
    expect(a).toHaveLength(STEPS);
  });

  it('reproduces sampled text from a seed', async () => {
    const g = createGenerator(cached, { tokenizer: byteTokenizer({ eosTokenId: null }) });
    const options = { maxTokens: 32, temperature: 0.9, topK: 40, topP: 0.9, repetitionPenalty: 1.1 };
    const first = await g.generateText(golden.prompt, { ...options, seed: 123 });
    const again = await g.generateText(golden.prompt, { ...options, seed: 123 });
    const other = await g.generateText(golden.prompt, { ...options, seed: 124 });
    expect(again.tokens).toEqual(first.tokens);
    expect(other.tokens).not.toEqual(first.tokens);
  });

  it('runs two generations at once on one model with the tokens each gives alone', async () => {
    const g = createGenerator(cached, { tokenizer: byteTokenizer({ eosTokenId: null }) });
    const alone = [await g.generateText('abc', { maxTokens: 20, temperature: 1, seed: 5 }), await g.generateText('xyz', { maxTokens: 20 })];
    const both = await Promise.all([g.generateText('abc', { maxTokens: 20, temperature: 1, seed: 5 }), g.generateText('xyz', { maxTokens: 20 })]);
    expect(both.map((r) => r.tokens)).toEqual(alone.map((r) => r.tokens));
  });

  it('stops within one step of an abort', async () => {
    const g = createGenerator(cached, { tokenizer: byteTokenizer({ eosTokenId: null }) });
    const controller = new AbortController();
    let seen = 0;
    const error = await (async () => {
      for await (const _ of g.generate(golden.prompt, { maxTokens: 200, signal: controller.signal })) if (++seen === 5) controller.abort();
    })().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ABORTED' });
    expect(seen).toBe(5);
    expect((await g.generateText('a', { maxTokens: 3 })).tokens).toHaveLength(3);
  });

  it('streams the same text with a Hugging Face tokenizer.json as with the byte tokenizer', async () => {
    const hf = new HfTokenizer(JSON.parse(readFileSync(`${DECODER_DIR}tokenizer.json`, 'utf8')), JSON.parse(readFileSync(`${DECODER_DIR}tokenizer_config.json`, 'utf8')));
    const tokenizer = huggingFaceTokenizer(hf);
    expect(tokenizer.encode(golden.prompt)).toEqual(golden.promptIds);
    const viaHf = await events(createGenerator(cached, { tokenizer }));
    const viaBytes = await events(createGenerator(cached, { tokenizer: byteTokenizer({ eosTokenId: null }) }));
    expect(viaHf.map((e) => e.token)).toEqual(golden.greedyTokens);
    const hfText = viaHf.map((e) => e.text).join('');
    expect(hfText).toBe(tokenizer.decode(golden.greedyTokens));
    expect(viaBytes.map((e) => e.text).join('')).toBe(new TextDecoder().decode(Uint8Array.from(golden.greedyTokens)));
    expect(tokenizer.decode([0xe2, 0x82, 0xac])).toBe('€');
  });
});
