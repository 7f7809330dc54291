import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ServableError, byteTokenizer, createGenerator, decoderLayout, huggingFaceTokenizer, type Generator, type Model, type Tokenizer } from '@servable/core';
import type { ModelRegistry } from '../repository/model-registry.js';
import type { ResolvedGenerator } from './generate-routes-options.js';

/**
 * Makes the tokenizer of a served decoder from its version folder. The default reads
 * `tokenizer.json` (+ `tokenizer_config.json`, and the end-of-sequence id from
 * `generation_config.json` or `config.json`) with `@huggingface/tokenizers` when the folder has
 * one, and uses the byte-level tokenizer otherwise.
 */
export type TokenizerFactory = (folder: string, model: string) => Tokenizer | Promise<Tokenizer>;

function readJson(path: string): Record<string, unknown> | undefined {
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>) : undefined;
}

/** The default {@link TokenizerFactory}. */
export async function folderTokenizer(folder: string, model: string): Promise<Tokenizer> {
  const tokenizerJson = readJson(join(folder, 'tokenizer.json'));
  if (!tokenizerJson) return byteTokenizer();
  const moduleName = '@huggingface/tokenizers';
  let Tokenizer: new (json: unknown, config: unknown) => { encode: unknown; decode: unknown };
  try {
    ({ Tokenizer } = (await import(moduleName)) as { Tokenizer: typeof Tokenizer });
  } catch (cause) {
    throw new ServableError(
      'RUNTIME_UNAVAILABLE',
      `model "${model}": expected the package ${moduleName} to read its tokenizer.json, got none installed — add it beside @servable/server (npm install ${moduleName})`,
      { cause },
    );
  }
  const config = readJson(join(folder, 'tokenizer_config.json')) ?? {};
  const generation = readJson(join(folder, 'generation_config.json')) ?? readJson(join(folder, 'config.json')) ?? {};
  const eos = generation.eos_token_id;
  return huggingFaceTokenizer(new Tokenizer(tokenizerJson, config) as Parameters<typeof huggingFaceTokenizer>[0], {
    eosTokenId: typeof eos === 'number' || Array.isArray(eos) ? (eos as number) : undefined,
  });
}

/**
 * Finds the generator of a served decoder: the registry's ready version (newest, or the one
 * asked for), when its signature is a text decoder; one generator per loaded model, so
 * concurrent generations on it queue instead of interleaving.
 */
export function registryGenerators(registry: ModelRegistry, tokenizer: TokenizerFactory = folderTokenizer) {
  const made = new WeakMap<Model, Promise<Generator>>();
  return async (name: string, version: string | undefined): Promise<ResolvedGenerator | undefined> => {
    let served;
    try {
      served = registry.get(name, version);
    } catch (error) {
      if (ServableError.isInstance(error) && error.code === 'MODEL_NOT_FOUND') return undefined;
      throw error;
    }
    const model = served.model;
    if (!model) return undefined;
    try {
      decoderLayout(model.signature);
    } catch {
      return undefined;
    }
    let generator = made.get(model);
    if (!generator) {
      generator = Promise.resolve(tokenizer(served.path, name)).then((t) => createGenerator(model, { tokenizer: t }));
      generator.catch(() => made.delete(model));
      made.set(model, generator);
    }
    return { generator: await generator, version: served.version };
  };
}
