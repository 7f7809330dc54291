import { fileURLToPath } from 'node:url';
import { byteTokenizer, createGenerator, loadModel, ServableError, type Generator, type Model, type RunOptions, type TensorMap } from '@servable/core';
import { onnxNode } from '@servable/runtime-node';
import Fastify, { type FastifyInstance } from 'fastify';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerGenerateRoutes } from './register-generate-routes.js';

const DECODER = fileURLToPath(new URL('../../../../fixtures/decoder/decoder.onnx', import.meta.url));
const tokenizer = byteTokenizer({ eosTokenId: null });

/** Wraps a model: counts runs, can wait before each, and can fail from a given run on. */
function instrumented(model: Model, options: { delayMs?: number; failFrom?: number } = {}) {
  const state = { runs: 0 };
  const wrapped: Model = {
    get signature() {
      return model.signature;
    },
    manifest: model.manifest,
    report: model.report,
    loaded: model.loaded,
    get disposed() {
      return model.disposed;
    },
    async run(feeds: TensorMap, runOptions?: RunOptions) {
      state.runs++;
      if (options.failFrom !== undefined && state.runs >= options.failFrom) throw new ServableError('INFERENCE_FAILED', 'model tiny: expected the run to succeed, got an engine error: injected');
      if (options.delayMs) await new Promise((r) => setTimeout(r, options.delayMs));
      return model.run(feeds, runOptions);
    },
    dispose: () => model.dispose(),
    [Symbol.asyncDispose]: () => model.dispose(),
  };
  return { model: wrapped, state };
}

async function readEvents(response: Response): Promise<string[]> {
  const text = await response.text();
  return text
    .split('\n\n')
    .filter((block) => block.startsWith('data: '))
    .map((block) => block.slice('data: '.length));
}

describe('registerGenerateRoutes on a bare Fastify instance with the tiny decoder', () => {
  let app: FastifyInstance;
  let base: string;
  let model: Model;
  let generator: Generator;
  let slow: ReturnType<typeof instrumented>;
  let failing: ReturnType<typeof instrumented>;
  const asked: Array<[string, string | undefined]> = [];
  const generators: Record<string, Generator> = {};

  beforeAll(async () => {
    model = await loadModel(DECODER, { runtimes: [onnxNode()] });
    generator = createGenerator(model, { tokenizer });
    slow = instrumented(model, { delayMs: 10 });
    failing = instrumented(model, { failFrom: 3 });
    Object.assign(generators, {
      tiny: generator,
      slow: createGenerator(slow.model, { tokenizer }),
      failing: createGenerator(failing.model, { tokenizer }),
    });
    app = Fastify();
    registerGenerateRoutes(app, {
      resolveGenerator: (name, version) => {
        asked.push([name, version]);
        const g = generators[name];
        return g && { generator: g, version: version ?? '1' };
      },
      maxTokensLimit: 512,
      maxQueued: 1,
    });
    base = await app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await app?.close();
    await model?.dispose();
  });

  const post = (path: string, body: unknown) => fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

  it('answers OIP generate with the text generateText gives', async () => {
    const expected = await generator.generateText('Hello', { maxTokens: 12 });
    const res = await post('/v2/models/tiny/versions/7/generate', { text_input: 'Hello', parameters: { max_tokens: 12, temperature: 0 } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ model_name: 'tiny', model_version: '7', text_output: expected.text, finish_reason: 'length' });
    expect(asked.at(-1)).toEqual(['tiny', '7']);
  });

  it('streams OIP generate_stream as one data event per piece, the last with finish_reason', async () => {
    const expected = await generator.generateText('Hello', { maxTokens: 20, temperature: 0.7, seed: 3 });
    const res = await post('/v2/models/tiny/generate_stream', { text_input: 'Hello', max_tokens: 20, temperature: 0.7, seed: 3 });
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events = (await readEvents(res)).map((e) => JSON.parse(e) as { text_output: string; finish_reason?: string; model_name: string });
    expect(events.length).toBeGreaterThan(1);
    expect(events.map((e) => e.text_output).join('')).toBe(expected.text);
    expect(events.filter((e) => e.finish_reason)).toHaveLength(1);
    expect(events.at(-1)).toMatchObject({ model_name: 'tiny', model_version: '1', finish_reason: 'length' });
  });

  it('answers OIP errors before the stream as JSON with a status, and after it as a data: {"error"} event', async () => {
    const missing = await post('/v2/models/nope/generate_stream', { text_input: 'x' });
    expect(missing.status).toBe(404);
    expect((await missing.json()).error).toMatch(/model "nope": expected a served text decoder/);
    const bad = await post('/v2/models/tiny/generate', { text_input: 'x', parameters: { max_tokens: 100000 } });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error).toMatch(/parameters.max_tokens: expected at most 512, got 100000/);
    const noText = await post('/v2/models/tiny/generate', { parameters: {} });
    expect(noText.status).toBe(400);
    const mid = await post('/v2/models/failing/generate_stream', { text_input: 'Hello', max_tokens: 10 });
    expect(mid.status).toBe(200);
    const events = await readEvents(mid);
    expect(JSON.parse(events.at(-1)!)).toEqual({ error: expect.stringMatching(/injected/) });
  });

  it('serves /v1/completions and /v1/chat/completions to the openai client, streaming and not', async () => {
    const client = new OpenAI({ baseURL: `${base}/v1`, apiKey: 'unused', maxRetries: 0 });
    const expected = await generator.generateText('Once', { maxTokens: 16, temperature: 0 });
    const completion = await client.completions.create({ model: 'tiny', prompt: 'Once', max_tokens: 16, temperature: 0 });
    expect(completion.choices[0]).toMatchObject({ text: expected.text, finish_reason: 'length', index: 0 });
    expect(completion.usage).toEqual({ prompt_tokens: 4, completion_tokens: 16, total_tokens: 20 });

    const stream = await client.completions.create({ model: 'tiny', prompt: 'Once', max_tokens: 16, temperature: 0, stream: true, stream_options: { include_usage: true } });
    let text = '';
    const finishes: string[] = [];
    let usage: unknown;
    for await (const chunk of stream) {
      for (const choice of chunk.choices) {
        text += choice.text;
        if (choice.finish_reason) finishes.push(choice.finish_reason);
      }
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe(expected.text);
    expect(finishes).toEqual(['length']);
    expect(usage).toEqual({ prompt_tokens: 4, completion_tokens: 16, total_tokens: 20 });

    const messages = [{ role: 'user' as const, content: 'Hi' }];
    const chatExpected = await generator.generateText('user: Hi\nassistant:', { maxTokens: 10, temperature: 0 });
    const chat = await client.chat.completions.create({ model: 'tiny', messages, max_tokens: 10, temperature: 0 });
    expect(chat.choices[0]!.message).toMatchObject({ role: 'assistant', content: chatExpected.text });
    const chatStream = await client.chat.completions.create({ model: 'tiny', messages, max_tokens: 10, temperature: 0, stream: true });
    const chunks = [];
    for await (const chunk of chatStream) chunks.push(chunk);
    expect(chunks[0]!.choices[0]!.delta).toEqual({ role: 'assistant', content: '' });
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe(chatExpected.text);
    expect(chunks.flatMap((c) => c.choices.map((ch) => ch.finish_reason)).filter(Boolean)).toEqual(['length']);
    expect(chunks.every((c) => c.object === 'chat.completion.chunk' && c.id === chunks[0]!.id)).toBe(true);
  });

  it('ends an OpenAI stream with data: [DONE] and reports OpenAI-shaped errors', async () => {
    const res = await post('/v1/completions', { model: 'tiny', prompt: 'a', max_tokens: 3, stream: true });
    const events = await readEvents(res);
    expect(events.at(-1)).toBe('[DONE]');
    const client = new OpenAI({ baseURL: `${base}/v1`, apiKey: 'unused', maxRetries: 0 });
    const error = await client.completions.create({ model: 'tiny', prompt: 'a', n: 2 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).message).toMatch(/"n": expected 1, got 2/);
    const missing = await client.chat.completions.create({ model: 'ghost', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(OpenAI.NotFoundError);
    const badRole = await post('/v1/chat/completions', { model: 'tiny', messages: [{ role: 'wizard', content: 'x' }] });
    expect(badRole.status).toBe(400);
    expect((await badRole.json()).error).toMatchObject({ type: 'invalid_request_error', code: 'INVALID_ARGUMENT' });
  });

  it('stops generating within two steps when the client disconnects', async () => {
    const controller = new AbortController();
    const res = await fetch(`${base}/v1/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'slow', prompt: 'Hello', max_tokens: 400, stream: true }),
      signal: controller.signal,
    });
    const reader = res.body!.getReader();
    await reader.read();
    await reader.read();
    const runsAtDisconnect = slow.state.runs;
    controller.abort();
    // The next generation on the model starts only once the aborted one has let go of it.
    await createGenerator(slow.model, { tokenizer }).generateText('x', { maxTokens: 1 });
    expect(slow.state.runs - 1 - runsAtDisconnect).toBeLessThanOrEqual(2);
    expect(runsAtDisconnect).toBeLessThan(400);
  });

  it('stops a non-streaming generation within two steps when the client disconnects', async () => {
    const controller = new AbortController();
    const before = slow.state.runs;
    const request = fetch(`${base}/v2/models/slow/generate`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text_input: 'Hello', max_tokens: 400 }),
      signal: controller.signal,
    }).catch((e: unknown) => e);
    while (slow.state.runs < before + 3) await new Promise((r) => setTimeout(r, 1));
    const runsAtDisconnect = slow.state.runs;
    controller.abort();
    expect(await request).toMatchObject({ name: 'AbortError' });
    await createGenerator(slow.model, { tokenizer }).generateText('x', { maxTokens: 1 });
    expect(slow.state.runs - 1 - runsAtDisconnect).toBeLessThanOrEqual(2);
  });

  it('queues concurrent requests on one model (same text as alone) and refuses them past maxQueued with 503', async () => {
    const body = (seed: number) => ({ model: 'slow', prompt: 'Hi', max_tokens: 8, temperature: 1, seed });
    const alone = await Promise.all([1, 2].map(async (seed) => ((await (await post('/v1/completions', body(seed))).json()) as { choices: [{ text: string }] }).choices[0].text));
    const requests = [post('/v1/completions', body(1)), post('/v1/completions', body(2))];
    while (generators.slow!.queued < 1) await new Promise((r) => setTimeout(r, 1));
    const third = await post('/v1/completions', body(3));
    expect(third.status).toBe(503);
    expect(third.headers.get('retry-after')).toBe('1');
    const together = await Promise.all(requests.map(async (r) => ((await (await r).json()) as { choices: [{ text: string }] }).choices[0].text));
    expect(together).toEqual(alone);
  });

  it('runs under the hooks already on the app, such as authentication', async () => {
    const guarded = Fastify();
    guarded.addHook('onRequest', async (request, reply) => {
      if (request.headers.authorization !== 'Bearer secret') return reply.code(401).send({ error: 'unauthorized' });
    });
    registerGenerateRoutes(guarded, { resolveGenerator: () => ({ generator, version: '1' }) });
    try {
      const denied = await guarded.inject({ method: 'POST', url: '/v1/completions', payload: { model: 'tiny', prompt: 'a', max_tokens: 2 } });
      expect(denied.statusCode).toBe(401);
      const allowed = await guarded.inject({ method: 'POST', url: '/v2/models/tiny/generate', headers: { authorization: 'Bearer secret' }, payload: { text_input: 'a', max_tokens: 2 } });
      expect(allowed.statusCode).toBe(200);
      expect(allowed.json()).toMatchObject({ model_name: 'tiny', finish_reason: 'length' });
    } finally {
      await guarded.close();
    }
  });
});
