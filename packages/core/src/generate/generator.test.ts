import { describe, expect, it } from 'vitest';
import { ServableError } from '../errors/servable-error.js';
import { byteTokenizer } from './byte-tokenizer.js';
import { createGenerator, type GenerationEvent } from './generator.js';
import { hashedLogits, loadScriptedDecoder, oneHot, type ScriptedRun } from './scripted-decoder.test-helper.js';

const tokenizer = byteTokenizer();
const encode = (s: string) => Array.from(new TextEncoder().encode(s));

/** A decoder that answers `reply` (as bytes) after any prompt, then NUL (end of sequence). */
async function replying(reply: number[], options: { cached?: boolean; log?: ScriptedRun[]; stepDelayMs?: number; promptLength: number }) {
  return loadScriptedDecoder({
    cached: options.cached,
    log: options.log,
    stepDelayMs: options.stepDelayMs,
    next: (seq) => oneHot(reply[seq.length - options.promptLength] ?? 0),
  });
}

async function collect(iterable: AsyncIterable<GenerationEvent>): Promise<GenerationEvent[]> {
  const events: GenerationEvent[] = [];
  for await (const e of iterable) events.push(e);
  return events;
}

describe('createGenerator', () => {
  it('feeds the KV cache back: the prefill sees the prompt, each later step one new token on top of the cache', async () => {
    const log: ScriptedRun[] = [];
    const model = await replying(encode('abc'), { log, promptLength: 2 });
    const result = await createGenerator(model, { tokenizer }).generateText('hi', { maxTokens: 10 });
    expect(result).toMatchObject({ text: 'abc', finishReason: 'stop', usage: { promptTokens: 2, completionTokens: 4 } });
    expect(result.tokens).toEqual([...encode('abc'), 0]);
    expect(log.map((r) => r.past)).toEqual([0, 2, 3, 4]);
    expect(log[3]!.sequence).toEqual([...encode('hiabc')]);
  });

  it('gives the same tokens and logits cached, with cache: false, and on a decoder without past inputs', async () => {
    const next = (seq: readonly number[]) => hashedLogits(seq);
    const cachedModel = await loadScriptedDecoder({ next });
    const plainModel = await loadScriptedDecoder({ next, cached: false });
    const log: ScriptedRun[] = [];
    const cachedOffModel = await loadScriptedDecoder({ next, log });
    const run = (m: typeof cachedModel, cache = true) => collect(createGenerator(m, { tokenizer }).generate('The', { maxTokens: 12, returnLogits: true, cache }));
    const a = await run(cachedModel);
    const b = await run(plainModel);
    const c = await run(cachedOffModel, false);
    expect(b.map((e) => e.token)).toEqual(a.map((e) => e.token));
    expect(c.map((e) => e.token)).toEqual(a.map((e) => e.token));
    for (let i = 0; i < a.length; i++) {
      expect(Array.from(b[i]!.logits!)).toEqual(Array.from(a[i]!.logits!));
      expect(Array.from(c[i]!.logits!)).toEqual(Array.from(a[i]!.logits!));
    }
    expect(log.every((r) => r.past === 0)).toBe(true);
    expect(log.map((r) => r.sequence.length)).toEqual(a.map((_, i) => 3 + i));
  });

  it('stops at maxTokens with finishReason "length"', async () => {
    const model = await replying(encode('abcdefgh'), { promptLength: 1 });
    const events = await collect(createGenerator(model, { tokenizer }).generate('x', { maxTokens: 3 }));
    expect(events.map((e) => [e.text, e.done])).toEqual([
      ['a', false],
      ['b', false],
      ['c', true],
    ]);
    expect(events[2]).toMatchObject({ finishReason: 'length', usage: { promptTokens: 1, completionTokens: 3 } });
  });

  it('ends at a stop sequence and never streams any part of it', async () => {
    const model = await replying(encode('one\n\ntwo'), { promptLength: 1 });
    const events = await collect(createGenerator(model, { tokenizer }).generate('x', { maxTokens: 20, stop: ['\n\n', 'zzz'] }));
    expect(events.map((e) => e.text).join('')).toBe('one');
    expect(events.at(-1)).toMatchObject({ done: true, finishReason: 'stop' });
    expect(events.some((e) => e.text.includes('\n'))).toBe(false);
    expect(events).toHaveLength(5);
  });

  it('releases text held back for a stop sequence that did not complete', async () => {
    const model = await replying(encode('a\nb'), { promptLength: 1 });
    const result = await createGenerator(model, { tokenizer }).generateText('x', { maxTokens: 20, stop: '\n\n' });
    expect(result.text).toBe('a\nb');
    expect(result.finishReason).toBe('stop');
  });

  it('stops at stopTokenIds', async () => {
    const model = await replying(encode('abc'), { promptLength: 1 });
    const result = await createGenerator(model, { tokenizer }).generateText('x', { stopTokenIds: [encode('b')[0]!] });
    expect(result.text).toBe('a');
    expect(result.tokens).toEqual(encode('ab'));
  });

  it('never splits a multi-byte character across events', async () => {
    const reply = encode('é€😀!');
    const model = await replying(reply, { promptLength: 1 });
    const events = await collect(createGenerator(model, { tokenizer }).generate('x', { maxTokens: 20 }));
    const texts = events.map((e) => e.text);
    expect(texts.join('')).toBe('é€😀!');
    expect(texts.filter((t) => t !== '')).toEqual(['é', '€', '😀', '!']);
    expect(texts.some((t) => t.includes('\uFFFD'))).toBe(false);
    expect(events).toHaveLength(reply.length + 1);
  });

  it('reproduces a sampled generation from its seed, and changes with another seed', async () => {
    const model = await loadScriptedDecoder({ next: (s) => hashedLogits(s) });
    const g = createGenerator(model, { tokenizer });
    const options = { maxTokens: 24, temperature: 0.9, topK: 50, topP: 0.95, repetitionPenalty: 1.2 };
    const a = await g.generateText('seed', { ...options, seed: 7 });
    const b = await g.generateText('seed', { ...options, seed: 7 });
    const c = await g.generateText('seed', { ...options, seed: 8 });
    expect(b.tokens).toEqual(a.tokens);
    expect(c.tokens).not.toEqual(a.tokens);
    const greedy = await g.generateText('seed', { maxTokens: 24 });
    const topOne = await g.generateText('seed', { maxTokens: 24, temperature: 1, topK: 1, seed: 3 });
    expect(topOne.tokens).toEqual(greedy.tokens);
  });

  it('stops within one step when the signal aborts, and throws ABORTED', async () => {
    const log: ScriptedRun[] = [];
    const model = await replying(encode('abcdefghijklmnop'), { log, promptLength: 1, stepDelayMs: 2 });
    const controller = new AbortController();
    const seen: string[] = [];
    const error = await (async () => {
      for await (const e of createGenerator(model, { tokenizer }).generate('x', { maxTokens: 16, signal: controller.signal })) {
        seen.push(e.text);
        if (seen.length === 3) controller.abort();
      }
    })().catch((e: unknown) => e);
    expect(ServableError.isInstance(error) && error.code).toBe('ABORTED');
    expect(log.length).toBeLessThanOrEqual(seen.length + 1);
  });

  it('stops the engine when the reader breaks out of the loop, and frees the model for the next generation', async () => {
    const log: ScriptedRun[] = [];
    const model = await replying(encode('abcdefghijklmnop'), { log, promptLength: 1, stepDelayMs: 2 });
    const g = createGenerator(model, { tokenizer });
    for await (const e of g.generate('x', { maxTokens: 16 })) if (e.text === 'b') break;
    const after = await g.generateText('x', { maxTokens: 2 });
    expect(after.text).toBe('ab');
    expect(log.length).toBeLessThanOrEqual(2 + 1 + 2);
  });

  it('queues concurrent generations on one model: never interleaved, each gives the tokens it gives alone', async () => {
    const log: ScriptedRun[] = [];
    const model = await loadScriptedDecoder({ next: (s) => hashedLogits(s), log, stepDelayMs: 1 });
    const g1 = createGenerator(model, { tokenizer });
    const g2 = createGenerator(model, { tokenizer });
    const alone1 = await g1.generateText('first', { maxTokens: 8, temperature: 0.8, seed: 1 });
    const alone2 = await g2.generateText('second', { maxTokens: 8, temperature: 0.8, seed: 2 });
    log.length = 0;
    const [both1, both2] = await Promise.all([
      g1.generateText('first', { maxTokens: 8, temperature: 0.8, seed: 1 }),
      g2.generateText('second', { maxTokens: 8, temperature: 0.8, seed: 2 }),
    ]);
    expect(both1.tokens).toEqual(alone1.tokens);
    expect(both2.tokens).toEqual(alone2.tokens);
    const owner = log.map((r) => (r.sequence[0] === encode('f')[0] ? 1 : 2));
    const switches = owner.filter((o, i) => i > 0 && o !== owner[i - 1]).length;
    expect(switches).toBe(1);
  });

  it('lets a queued generation leave the queue when its signal aborts', async () => {
    const model = await replying(encode('abcdefgh'), { promptLength: 1, stepDelayMs: 2 });
    const g = createGenerator(model, { tokenizer });
    const first = g.generateText('x', { maxTokens: 8 });
    const controller = new AbortController();
    const second = g.generateText('x', { maxTokens: 8, signal: controller.signal });
    await new Promise((r) => setTimeout(r, 1));
    expect(g.queued).toBe(1);
    controller.abort();
    await expect(second).rejects.toMatchObject({ code: 'ABORTED' });
    expect(g.queued).toBe(0);
    expect((await first).text).toBe('abcdefgh');
  });

  it('rejects bad options and prompts with messages that name them', async () => {
    const model = await replying([], { promptLength: 1 });
    const g = createGenerator(model, { tokenizer });
    await expect(g.generateText('x', { maxTokens: 0 })).rejects.toThrow(/"maxTokens": expected an integer ≥ 1, got 0/);
    await expect(g.generateText('x', { topP: 1.5 })).rejects.toThrow(/"topP": expected a number in \(0, 1\]/);
    await expect(g.generateText('x', { temperature: -1 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    await expect(g.generateText('x', { stop: [''] })).rejects.toThrow(/"stop"/);
    await expect(g.generateText('')).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    await expect(g.generateText([])).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    expect(() => createGenerator(model, { tokenizer: {} as never })).toThrow(/"tokenizer": expected a Tokenizer/);
  });

  it('accepts token ids as the prompt', async () => {
    const model = await replying(encode('ok'), { promptLength: 3 });
    const result = await createGenerator(model, { tokenizer }).generateText([1, 2, 3]);
    expect(result.text).toBe('ok');
  });
});
