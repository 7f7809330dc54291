/**
 * `@servable/runtime-node` — ONNX Runtime for Node.js (onnxruntime-node) as a Servable runtime:
 * `cpu`, `cuda` (with the CUDA provider libraries) and `webgpu` (Dawn).
 *
 * @example
 * ```ts
 * const model = await loadModel('models/mnist/1', { runtimes: [onnxNode({ device: 'cuda' }), onnxNode()] });
 * ```
 * @packageDocumentation
 */
export { onnxNode, type OnnxNodeRuntime } from './onnx-node.js';
export { ONNX_NODE_DEVICES, ONNX_NODE_LOG_LEVELS, type OnnxNodeDevice, type OnnxNodeLogLevel, type OnnxNodeOptions } from './onnx-node-options.js';
export { CUDA_INSTALL_HINT } from './install-hints.js';
