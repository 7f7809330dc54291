#!/usr/bin/env node
// Streams text from a decoder in the terminal. Ctrl-C stops the generation within one step.
//   pnpm run build
//   node examples/generate/stream.mjs                                  (the tiny random decoder)
//   node examples/generate/stream.mjs --model my-gpt2/decoder_model_merged.onnx --tokenizer my-gpt2 \
//        --prompt "The meaning of life is" --max-tokens 64 --temperature 0.8 --top-p 0.95 --seed 1
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { formatReport } from '@servable/core';
import { loadGenerator } from './load-generator.mjs';

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: fileURLToPath(new URL('../../fixtures/decoder/decoder.onnx', import.meta.url)) },
    tokenizer: { type: 'string' },
    prompt: { type: 'string', default: 'Hello, world' },
    'max-tokens': { type: 'string', default: '64' },
    temperature: { type: 'string' },
    'top-k': { type: 'string' },
    'top-p': { type: 'string' },
    'repetition-penalty': { type: 'string' },
    seed: { type: 'string' },
    stop: { type: 'string', multiple: true },
    report: { type: 'boolean', default: false },
  },
});
const number = (v) => (v === undefined ? undefined : Number(v));

const generator = await loadGenerator(values.model, values.tokenizer);
if (values.report) console.error(formatReport(generator.model.report));
const controller = new AbortController();
process.once('SIGINT', () => controller.abort('Ctrl-C'));

process.stdout.write(values.prompt);
const started = performance.now();
let first = 0;
try {
  for await (const event of generator.generate(values.prompt, {
    maxTokens: number(values['max-tokens']),
    temperature: number(values.temperature),
    topK: number(values['top-k']),
    topP: number(values['top-p']),
    repetitionPenalty: number(values['repetition-penalty']),
    seed: number(values.seed),
    stop: values.stop,
    signal: controller.signal,
  })) {
    first ||= performance.now() - started;
    process.stdout.write(event.text);
    if (event.done) {
      const perToken = (performance.now() - started - first) / Math.max(1, event.usage.completionTokens - 1);
      console.error(`\n\n[${event.finishReason}] ${event.usage.completionTokens} tokens, first after ${first.toFixed(1)} ms, then ${perToken.toFixed(2)} ms/token`);
    }
  }
} catch (error) {
  if (error.code !== 'ABORTED') throw error;
  console.error('\n[stopped]');
} finally {
  await generator.model.dispose();
}
