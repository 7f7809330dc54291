import { writeFileSync } from 'node:fs';
import { basename, dirname, extname, join, relative, resolve } from 'node:path';
import {
  EXPLAIN_METHODS,
  ServableError,
  attributionBarChartSvg,
  attributionHeatmapPng,
  createDecryptor,
  createPredictor,
  explain,
  isImageInput,
  type Classification,
  type ExplainMethod,
  type PredictInput,
  type Predictor,
  type TensorMap,
} from '@servable/core';
import type { CommandSpec } from '../cli/command.js';
import { EXIT_OK } from '../cli/exit-codes.js';
import { booleanOption, integerOption, stringOption } from '../cli/parse-command-line.js';
import { formatTable } from '../cli/table.js';
import { openModel } from '../engines/open-model.js';
import { parseRuntimeList } from '../engines/runtime-chain.js';
import { readInputFile } from '../io/read-input-file.js';
import { formatTensorLine, tensorMapToJson } from '../io/tensor-json.js';

function printClassifications(list: readonly Classification[]): string {
  return list
    .map((c, i) => {
      const head = list.length > 1 ? `example ${i}: ${c.label}\n` : '';
      return head + formatTable(['rank', 'label', 'index', 'score'], c.top.map((t, r) => [r + 1, t.label, t.index, t.score.toFixed(4)]));
    })
    .join('\n');
}

/** `servable predict <model> <input>`: one prediction from a file, printed as top-k classes or tensors. */
export const predictCommand: CommandSpec = {
  name: 'predict',
  summary: 'Run a model on a JSON, PNG or JPEG input and print the top-k classes or the output tensors',
  description:
    'Loads the model (with the runtimes of --runtime, or the default for its format), reads the input and predicts through the\n' +
    "same pipeline as the server: a PNG or JPEG is decoded and goes through the manifest's preprocessing; JSON may be nested arrays\n" +
    '(one example or a batch), a record keyed by input name, or tensors written as {"dtype", "shape", "data"}.\n' +
    'Prints the top-k classes when --top-k is given or the manifest has labels or postprocessing, the tensors otherwise.',
  positionals: [
    { name: 'model', description: 'a model folder or a .onnx / model.json file' },
    { name: 'input', description: 'input.json, image.png or image.jpg' },
  ],
  options: {
    'top-k': { type: 'string', short: 'k', valueName: 'N', description: 'print the N best classes' },
    tensors: { type: 'boolean', description: 'print the raw output tensors even when the manifest describes classes' },
    runtime: { type: 'string', valueName: 'LIST', description: 'runtimes to try in order, such as onnx-node:cuda,onnx-node (default: onnx-node for ONNX, tfjs for TensorFlow.js)' },
    json: { type: 'boolean', description: 'print JSON (every value)' },
    'key-file': { type: 'string', valueName: 'FILE', description: 'key (base64 or hex text) for a model sealed with servable encrypt; decrypted in memory only' },
    explain: { type: 'string', valueName: 'METHOD', description: `also explain the prediction (${EXPLAIN_METHODS.join(' | ')}) and write the picture beside the input: <input>.explain.png for images, <input>.explain.svg for tabular input` },
    'explain-out': { type: 'string', valueName: 'FILE', description: 'write the explanation picture here instead of beside the input' },
  },
  examples: [
    'servable predict models/mnist/1 digit.png --top-k 3',
    'servable predict models/mnist/1 digit.jpg --explain integrated-gradients --explain-out /tmp/digit.explain.png',
    'servable predict fixtures/models/add_one.onnx input.json --json',
  ],
  async run(args, io) {
    const [modelPath, inputPath] = args.positionals as [string, string];
    const topK = integerOption('predict', args, 'top-k', { min: 1, max: 100000 });
    const runtimeList = stringOption(args, 'runtime');
    const input = await readInputFile(resolve(io.cwd, inputPath), inputPath);
    const keyFile = stringOption(args, 'key-file');
    const decrypt = keyFile ? createDecryptor({ file: resolve(io.cwd, keyFile) }) : undefined;
    const model = await openModel(modelPath, runtimeList ? parseRuntimeList(runtimeList) : undefined, io.cwd, decrypt);
    const predictor = createPredictor(model);
    try {
      const mode = booleanOption(args, 'tensors') ? 'tensors' : topK !== undefined ? 'classification' : 'auto';
      const result = await predictor.predict(input, { output: mode, ...(topK !== undefined ? { topK } : {}) });
      const isClassification = Array.isArray(result) || (typeof result === 'object' && result !== null && 'top' in result && 'label' in result);
      if (booleanOption(args, 'json')) {
        const body = isClassification ? { runtime: model.report.runtime, device: model.report.device, classifications: Array.isArray(result) ? result : [result] } : { runtime: model.report.runtime, device: model.report.device, outputs: tensorMapToJson(result as TensorMap) };
        io.stdout.write(JSON.stringify(body, null, 2) + '\n');
      } else if (isClassification) {
        io.stdout.write(printClassifications(Array.isArray(result) ? (result as Classification[]) : [result as Classification]));
      } else {
        for (const [name, t] of Object.entries(result as TensorMap)) io.stdout.write(formatTensorLine(name, t) + '\n');
      }
      io.stderr.write(`served by ${model.report.runtime} on ${model.report.device}\n`);
      for (const w of model.report.warnings) io.stderr.write(`warning${w.setting ? ` (${w.setting})` : ''}: ${w.message}\n`);
      const method = stringOption(args, 'explain');
      const out = stringOption(args, 'explain-out');
      if (out !== undefined && method === undefined) throw new ServableError('INVALID_ARGUMENT', '--explain-out: expected --explain METHOD with it, got none — add --explain occlusion (or another method)');
      if (method !== undefined) await writeExplanation(predictor, input, method, explanationPicturePath(resolve(io.cwd, inputPath), isImageInput(input), out === undefined ? undefined : resolve(io.cwd, out)), io.cwd, io);
    } finally {
      await predictor.dispose();
    }
    return EXIT_OK;
  },
};

/**
 * Where `--explain` writes its picture: `out` when given, else beside the input file
 * (`<input>.explain.png` for an image, `<input>.explain.svg` for tabular input).
 */
export function explanationPicturePath(inputFile: string, image: boolean, out?: string): string {
  if (out !== undefined) return out;
  return `${join(dirname(inputFile), basename(inputFile, extname(inputFile)))}.explain.${image ? 'png' : 'svg'}`;
}

/** Explains the prediction and writes the picture to `picture`; prints where and what it cost. */
async function writeExplanation(
  predictor: Predictor,
  input: PredictInput,
  method: string,
  picture: string,
  cwd: string,
  io: { stdout: { write(s: string): unknown }; stderr: { write(s: string): unknown } },
): Promise<void> {
  if (!(EXPLAIN_METHODS as readonly string[]).includes(method)) {
    throw new ServableError('INVALID_ARGUMENT', `--explain: expected one of ${EXPLAIN_METHODS.join(', ')}, got "${method}"`);
  }
  const result = await explain(predictor, input, { method: method as ExplainMethod });
  const label = result.output.label ?? String(result.output.index);
  if (isImageInput(input)) {
    const size = { width: Math.max(input.width, 224), height: Math.max(input.height, 224) };
    writeFileSync(picture, await attributionHeatmapPng(result.attributions, { base: input, ...size, legend: { title: `${result.method} of "${label}"` } }));
  } else {
    writeFileSync(picture, attributionBarChartSvg(result.attributions, {}));
  }
  io.stdout.write(
    `explanation (${result.method}${result.gradientSource ? `, ${result.gradientSource} gradients` : ''}) of "${label}": ${result.predictions} model evaluations, ${result.ms.toFixed(0)} ms → ${relative(cwd, picture) || picture}\n`,
  );
}
