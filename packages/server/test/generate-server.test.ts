import { cpSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { byteTokenizer, generateText, loadModel } from '@servable/core';
import { onnxNode } from '@servable/runtime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from '../src/index.js';
import { createTestRepository, workerRuntime, type TestRepository } from './support/test-repository.js';

const DECODER = fileURLToPath(new URL('../../../fixtures/decoder/decoder.onnx', import.meta.url));
const PROMPT = 'Hello, world';

let repo: TestRepository;
let servers: Server[] = [];
let expected: { text: string; tokens: readonly number[] };

beforeAll(async () => {
  repo = createTestRepository();
  mkdirSync(join(repo.root, 'tiny', '1'), { recursive: true });
  cpSync(DECODER, join(repo.root, 'tiny', '1', 'model.onnx'));
  repo.addVersion('add_one', '1', 'add_one.onnx');
  const model = await loadModel(DECODER, { runtimes: [onnxNode()] });
  expected = await generateText(model, PROMPT, { tokenizer: byteTokenizer(), maxTokens: 8 });
  await model.dispose();
}, 120_000);

afterAll(async () => {
  for (const s of servers) await s.close();
  repo?.remove();
});

describe('text generation on a served decoder', () => {
  for (const mode of ['in process', 'worker threads'] as const) {
    it(`answers OIP generate and OpenAI completions with the tokens a direct run gives (${mode})`, async () => {
      const server = await createServer(mode === 'in process' ? { repository: repo.root, inProcess: true } : { repository: repo.root, runtimes: [await workerRuntime()] });
      servers.push(server);
      const oip = await server.fastify.inject({ method: 'POST', url: '/v2/models/tiny/generate', payload: { text_input: PROMPT, parameters: { max_tokens: 8 } } });
      expect(oip.statusCode, oip.body).toBe(200);
      expect(oip.json()).toMatchObject({ model_name: 'tiny', model_version: '1', text_output: expected.text });
      const completion = await server.fastify.inject({ method: 'POST', url: '/v1/completions', payload: { model: 'tiny', prompt: PROMPT, max_tokens: 8, temperature: 0 } });
      expect(completion.statusCode, completion.body).toBe(200);
      expect(completion.json().choices[0].text).toBe(expected.text);
      expect(completion.json().usage.completion_tokens).toBe(expected.tokens.length);
    }, 60_000);
  }

  it('answers 404 for a model that is not a decoder or not served', async () => {
    const server = await createServer({ repository: repo.root, inProcess: true });
    servers.push(server);
    for (const name of ['add_one', 'nope']) {
      const res = await server.fastify.inject({ method: 'POST', url: `/v2/models/${name}/generate`, payload: { text_input: 'x' } });
      expect(res.statusCode).toBe(404);
      expect(res.json().error).toContain(name);
    }
  });

  it('turns the routes off with generate: false', async () => {
    const server = await createServer({ repository: repo.root, inProcess: true, generate: false });
    servers.push(server);
    const res = await server.fastify.inject({ method: 'POST', url: '/v1/completions', payload: { model: 'tiny', prompt: 'x' } });
    expect(res.statusCode).toBe(404);
  });
});
