export { byteTokenizer, type ByteTokenizerOptions } from './byte-tokenizer.js';
export { decoderLayout, type CacheEntry, type DecoderLayout } from './decoder-layout.js';
export { DEFAULT_MAX_TOKENS, type FinishReason, type GenerateOptions } from './generate-options.js';
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
export { checkModelSize, modelFolderBytes, type ModelBudgetOptions } from '../model/model-budget.js';
export type { SamplingOptions } from './sampler.js';
export type { Tokenizer } from './tokenizer.js';
