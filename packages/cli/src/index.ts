/**
 * `servable` — the command line of Servable: serve, predict, train, inspect, keygen, encrypt,
 * bench and doctor. The bin is `servable`; this module exposes the pieces other tools reuse:
 * the command table, the ONNX reader and FLOPs estimate, and `main` (images are decoded by
 * `decodeImage` of `@servable/core`).
 *
 * @packageDocumentation
 */
export { main } from './cli/main.js';
export { processIo, type CliIo } from './cli/cli-io.js';
export type { CommandSpec, OptionSpec, PositionalSpec, CommandArguments } from './cli/command.js';
export { EXIT_OK, EXIT_RUNTIME_FAILURE, EXIT_USAGE, EXIT_MODEL, EXIT_CODE_TABLE, exitCodeFor } from './cli/exit-codes.js';
export { COMMANDS } from './commands/index.js';
export { readOnnxModel, onnxDataTypeName, ONNX_DATA_TYPES } from './inspect/onnx-reader.js';
export type { OnnxModelInfo, OnnxGraph, OnnxNode, OnnxInitializer, OnnxValueInfo, OnnxOpset, OnnxDim, OnnxAttributeValue } from './inspect/onnx-reader.js';
export { estimateFlops, type FlopsEstimate, type OperatorFlops } from './inspect/flops.js';
export { summarizeOnnx, summarizeTfjs, type ModelSummary, type ParameterGroup, type SummaryTensor } from './inspect/model-summary.js';
export { parseRuntimeList, type RuntimeChoice } from './engines/runtime-chain.js';
