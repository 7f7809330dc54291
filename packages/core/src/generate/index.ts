export { byteTokenizer, type ByteTokenizerOptions } from './byte-tokenizer.js';
export { decoderLayout, type CacheEntry, type DecoderLayout } from './decoder-layout.js';
export { DEFAULT_MAX_TOKENS, resolveGenerateOptions, type FinishReason, type GenerateOptions } from './generate-options.js';
export {
  createGenerator,
  generate,
  generateText,
  type GenerationEvent,
  type GenerationResult,
  type GenerationUsage,
  type Generator,
  type GeneratorOptions,
  type Prompt,
} from './generator.js';
export { huggingFaceTokenizer, type HuggingFaceTokenizerLike, type HuggingFaceTokenizerOptions } from './hugging-face-tokenizer.js';
export { checkModelSize, modelFolderBytes, PROTOBUF_LIMIT_BYTES, type ModelBudgetOptions } from './model-budget.js';
export { createRandom, type Random } from './random.js';
export type { SamplingOptions } from './sampler.js';
export { eosTokenIds, type Tokenizer } from './tokenizer.js';
