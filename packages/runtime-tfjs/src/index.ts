/**
 * `@servable/runtime-tfjs` — TensorFlow.js as a Servable runtime (LayersModel and GraphModel,
 * on the wasm, cpu, webgl or webgpu backend), the Trainer, and ONNX export of trained models.
 *
 * @packageDocumentation
 */
export { tfjs, type TfjsRuntimeOptions } from './runtime/tfjs-runtime.js';
export { LoadedTfjsModel, signatureOf, type TfjsModel } from './runtime/loaded-tfjs-model.js';
export { ensureBackend, TFJS_BACKENDS, type BackendOptions, type TfjsBackendName } from './backend/setup-backend.js';
export { fileSystem } from './io/file-system-handler.js';
export { MODEL_JSON_FILE, WEIGHTS_FILE } from './io/artifacts.js';
export { createTrainer, TfjsTrainer, type TrainerOptions } from './training/create-trainer.js';
export {
  validateModelSpec,
  type ActivationName,
  type BatchNormalizationLayerSpec,
  type Conv2dLayerSpec,
  type DenseLayerSpec,
  type DropoutLayerSpec,
  type FlattenLayerSpec,
  type LayerSpec,
  type MaxPool2dLayerSpec,
  type ModelSpec,
} from './training/model-spec.js';
export { ONNX_FOLDER } from './training/save-model-folder.js';
export { exportOnnx, ONNX_FILE, type OnnxExportOptions } from './export/export-onnx.js';
export { readTfjsModelPackage, MANIFEST_METADATA_KEY } from './io/model-package.js';
