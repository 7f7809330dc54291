/**
 * `@servable/core` — the engine-neutral heart of Servable: tensors and signatures, the runtime
 * contract and `loadModel` with fallback and a report, the input-normalizing pipeline behind
 * `createPredictor`, post-processing, the batching scheduler, manifests, integrity, and errors
 * with stable codes. It imports no engine: runtimes are values you pass in.
 *
 * @packageDocumentation
 */
export * from './errors/index.js';
export * from './tensor/index.js';
export { formatSpec, hasBatchDim, findInput, type Dim, type TensorSpec, type ModelSignature } from './model/signature.js';
export type {
  Availability,
  GradientCapability,
  LoadedModel,
  ResolvedModelSource,
  RunOptions,
  Runtime,
  RuntimeLoadOptions,
  RuntimeWarning,
} from './model/runtime.js';
export {
  ENCRYPTION_AAD_SCHEME,
  MANIFEST_FILE,
  MODEL_FORMATS,
  isSafeRelativePath,
  parseManifest,
  stringifyManifest,
  validateManifest,
  type EncryptionHeader,
  type ImagePreprocessing,
  type ModelFormat,
  type ModelManifest,
  type Postprocessing,
  type Preprocessing,
} from './model/manifest.js';
export { ONNX_PROTOBUF_LIMIT_BYTES, resolveModelSource, type ModelDecryptor, type ModelPackage, type ModelSource, type ResolveOptions, type ResolvedWithDescription } from './model/source.js';
export { loadModel, type LoadModelOptions, type Model } from './model/load-model.js';
export { MODEL_CACHE_NAME, type CachedModelResponse, type ModelCache, type ModelCacheStorage } from './model/model-cache.js';
export { addReportWarning, formatReport, type ModelReport, type RuntimeAttempt } from './model/report.js';
export { sha256Hex, verifySha256 } from './protection/sha256.js';
export { generateModelKey, exportModelKey, parseModelKey, modelKeyId, MODEL_KEY_BYTES, type ExportedModelKey } from './protection/model-key.js';
export { encryptModel, MODEL_IV_BYTES, MODEL_TAG_BYTES, type EncryptModelOptions, type EncryptedModel } from './protection/encrypt-model.js';
export { decryptModel } from './protection/decrypt-model.js';
export type { ModelIdentity } from './protection/model-aad.js';
export { createDecryptor, type ModelKeySource } from './protection/create-decryptor.js';
export { encryptModelFolder, type EncryptModelFolderOptions, type EncryptModelFolderResult } from './protection/encrypt-model-folder.js';
export { coerceValues, flattenNested, type CoerceOptions } from './pipeline/coerce.js';
export { isImageInput, preprocessImage, resizeBilinear, imageTarget, type ImageInput, type ImageTarget } from './pipeline/image.js';
export { normalizeInput, type NormalizedInput } from './pipeline/normalize.js';
export type { AnyTypedArray, InputRecord, InputScalar, InputValue, NestedValues, PredictInput } from './pipeline/predict-input.js';
export { argmax, classify, softmax, topK, type ClassScore, type Classification } from './pipeline/postprocess.js';
export { validateFeeds, validateRun, checkTensorAgainstSpec } from './pipeline/validate-feeds.js';
export { createPredictor, type ClassifyOptions, type OutputMode, type Prediction, type PredictOptions, type Predictor, type PredictorOptions } from './predictor/create-predictor.js';
export { Batcher, type BatchRunFunction, type BatcherOptions, type BatcherStats, type BatchExecution, type BatchRunOptions } from './batching/batcher.js';
export type * from './training/trainer.js';
export {
  byteTokenizer,
  checkModelSize,
  createGenerator,
  decoderLayout,
  generate,
  generateText,
  huggingFaceTokenizer,
  modelFolderBytes,
  DEFAULT_MAX_TOKENS,
  type ByteTokenizerOptions,
  type CacheEntry,
  type DecoderLayout,
  type FinishReason,
  type GenerateOptions,
  type GenerationEvent,
  type GenerationResult,
  type GenerationUsage,
  type Generator,
  type GeneratorOptions,
  type HuggingFaceTokenizerLike,
  type HuggingFaceTokenizerOptions,
  type ModelBudgetOptions,
  type Prompt,
  type SamplingOptions,
  type Tokenizer,
} from './generate/index.js';
export { explain } from './explain/explain.js';
export {
  EXPLAIN_METHODS,
  type ExplainedOutput,
  type ExplainMethod,
  type ExplainOptions,
  type ExplainProgress,
  type ExplainTarget,
  type Explanation,
  type GradientSource,
  type PatchSize,
} from './explain/explanation.js';
export { attributionHeatmapPng, type HeatmapPngOptions } from './image/attribution-heatmap-png.js';
export { appendHeatmapLegend, type HeatmapLegendOptions } from './image/heatmap-legend.js';
export { renderAttributionHeatmap, type HeatmapOptions, type RgbaImage } from './image/heatmap.js';
export { drawHeatmapOnCanvas, type CanvasHeatmapOptions, type CanvasPixels, type HeatmapCanvasContext } from './image/canvas-heatmap.js';
export { attributionBarChartSvg, type BarChartOptions } from './image/bar-chart-svg.js';
export { encodePng, encodePngSync, type PixelImage, type PngOptions } from './image/png-encoder.js';
export { decodeImage, type DecodedImage, type DecodeImageOptions, type ImageFormat, type ImageSource } from './image/decode-image.js';
export { COLORMAPS, colormapColor, type Colormap } from './image/colormap.js';
