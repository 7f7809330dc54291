// Builds a generator from a decoder file and, optionally, a Hugging Face tokenizer folder.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { byteTokenizer, createGenerator, huggingFaceTokenizer, loadModel } from '@servable/core';
import { onnxNode } from '@servable/runtime-node';

async function readJson(path) {
  try {
    return JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * Loads `modelPath` (a decoder .onnx with past_key_values.* inputs; external data files beside it
 * are found by onnxruntime) and returns a generator. With `tokenizerDir`, the folder's
 * tokenizer.json + tokenizer_config.json drive it, and the end-of-sequence id comes from
 * generation_config.json or config.json; without it, the byte-level tokenizer does.
 */
export async function loadGenerator(modelPath, tokenizerDir) {
  const model = await loadModel(modelPath, { runtimes: [onnxNode({ device: 'cuda' }), onnxNode()] });
  if (!tokenizerDir) return createGenerator(model, { tokenizer: byteTokenizer() });
  const { Tokenizer } = await import('@huggingface/tokenizers');
  const tokenizerJson = await readJson(join(tokenizerDir, 'tokenizer.json'));
  if (!tokenizerJson) throw new Error(`${tokenizerDir}: expected a tokenizer.json, got none — copy it from the model's repository`);
  const tokenizerConfig = (await readJson(join(tokenizerDir, 'tokenizer_config.json'))) ?? {};
  const generationConfig = (await readJson(join(tokenizerDir, 'generation_config.json'))) ?? (await readJson(join(tokenizerDir, 'config.json'))) ?? {};
  const tokenizer = huggingFaceTokenizer(new Tokenizer(tokenizerJson, tokenizerConfig), { eosTokenId: generationConfig.eos_token_id ?? undefined });
  return createGenerator(model, { tokenizer });
}
