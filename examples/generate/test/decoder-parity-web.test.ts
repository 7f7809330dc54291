import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { byteTokenizer, createGenerator, loadModel, type GenerationEvent, type Generator, type Model } from '@servable/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DECODER_DIR, maxAbsDiff, readGolden } from './fixtures.js';

const golden = readGolden();
const hasRuntimeWeb = existsSync(fileURLToPath(new URL('../../../packages/runtime-web/src/index.ts', import.meta.url)));

async function events(generator: Generator, cache = true): Promise<GenerationEvent[]> {
  const out: GenerationEvent[] = [];
  for await (const e of generator.generate(golden.prompt, { maxTokens: golden.greedyTokens.length, returnLogits: true, cache })) out.push(e);
  return out;
}

// runtime-web is a sibling package; this parity check runs wherever its sources are present.
describe.skipIf(!hasRuntimeWeb)('generate() on the tiny decoder with runtime-web (wasm in Node)', () => {
  let cached: Model;
  let uncached: Model;
  beforeAll(async () => {
    const { onnxWeb } = await import('@servable/runtime-web');
    const bytes = (name: string) => new Uint8Array(readFileSync(`${DECODER_DIR}${name}`));
    cached = await loadModel(bytes(golden.model), { runtimes: [onnxWeb({ device: 'wasm' })] });
    uncached = await loadModel(bytes(golden.uncachedModel), { runtimes: [onnxWeb({ device: 'wasm' })] });
  });
  afterAll(async () => {
    await cached?.dispose();
    await uncached?.dispose();
  });

  it('decodes the golden greedy tokens, and cached, uncached and empty-cache decoding agree within 1e-4', async () => {
    const tokenizer = byteTokenizer({ eosTokenId: null });
    const a = await events(createGenerator(cached, { tokenizer }));
    const b = await events(createGenerator(uncached, { tokenizer }));
    const c = await events(createGenerator(cached, { tokenizer }), false);
    expect(a.map((e) => e.token)).toEqual(golden.greedyTokens);
    expect(b.map((e) => e.token)).toEqual(golden.greedyTokens);
    expect(c.map((e) => e.token)).toEqual(golden.greedyTokens);
    expect(maxAbsDiff(a[0]!.logits!, golden.firstLogits)).toBeLessThan(golden.tolerance);
    const worst = Math.max(...a.map((e, i) => Math.max(maxAbsDiff(e.logits!, b[i]!.logits!), maxAbsDiff(e.logits!, c[i]!.logits!))));
    expect(worst).toBeLessThan(1e-4);
  });

  it('reproduces sampled tokens from a seed', async () => {
    const g = createGenerator(cached, { tokenizer: byteTokenizer({ eosTokenId: null }) });
    const options = { maxTokens: 16, temperature: 0.8, topK: 20, seed: 99 };
    expect((await g.generateText(golden.prompt, options)).tokens).toEqual((await g.generateText(golden.prompt, options)).tokens);
  });
});
