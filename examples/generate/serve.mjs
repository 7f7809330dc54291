#!/usr/bin/env node
// Serves a decoder over HTTP: the OIP generate extension and OpenAI-compatible completions.
//   pnpm run build && node examples/generate/serve.mjs [--model … --tokenizer … --name tiny --port 8000]
//   curl -N localhost:8000/v2/models/tiny/generate_stream -d '{"text_input": "Hello", "parameters": {"max_tokens": 32}}'
//   curl -N localhost:8000/v1/completions -H 'content-type: application/json' \
//        -d '{"model": "tiny", "prompt": "Hello", "max_tokens": 32, "stream": true}'
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { registerGenerateRoutes } from '@servable/server';
import Fastify from 'fastify';
import { loadGenerator } from './load-generator.mjs';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: fileURLToPath(new URL('../../fixtures/decoder/decoder.onnx', import.meta.url)) },
    tokenizer: { type: 'string' },
    name: { type: 'string', default: 'tiny' },
    port: { type: 'string', default: '8000' },
  },
});

const generator = await loadGenerator(values.model, values.tokenizer);
const app = Fastify({ logger: { level: 'info' } });
registerGenerateRoutes(app, { resolveGenerator: (name) => (name === values.name ? { generator, version: '1' } : undefined) });
await app.listen({ host: '127.0.0.1', port: Number(values.port) });
const stop = async () => {
  await app.close();
  await generator.model.dispose();
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
