import * as tf from '@tensorflow/tfjs';
import {
  ServableError,
  throwIfAborted,
  type GradientCapability,
  type LoadedModel,
  type ModelSignature,
  type RunOptions,
  type Tensor,
  type TensorMap,
} from '@servable/core';
import { buildSignature, fromSignatureEntry, graphTensorName, signatureEntryFor, type GraphSignature } from './signature.js';
import { fromTfTensor, toTfTensor } from './tensor-convert.js';

/** A LayersModel or a GraphModel. */
export type TfjsModel = tf.LayersModel | tf.GraphModel;

function isLayersModel(model: TfjsModel): model is tf.LayersModel {
  return model instanceof tf.LayersModel;
}

/** The name of the layer that makes a symbolic tensor: stable across saves, unlike tensor names. */
function layerNameOf(tensor: tf.SymbolicTensor, fallback: string | undefined): string {
  return tensor.sourceLayer?.name ?? fallback ?? tensor.name;
}

/**
 * Reads the signature of a tfjs model: LayersModel inputs and outputs are named by their layers
 * (the input layer's name, the output layer's name); GraphModel ones by their tensors without
 * `:0` (see `graphTensorName`), with the dtypes and shapes that model.json's `signature`
 * declares (tfjs itself knows the shapes of placeholders only).
 */
export function signatureOf(model: TfjsModel): ModelSignature {
  if (isLayersModel(model)) {
    return buildSignature(
      model.inputs.map((s, i) => ({ name: layerNameOf(s, model.inputNames[i]), shape: s.shape, dtype: s.dtype })),
      model.outputs.map((s, i) => ({ name: layerNameOf(s, model.outputNames[i]), shape: s.shape, dtype: s.dtype })),
    );
  }
  const declared = (model as unknown as { modelSignature?: GraphSignature }).modelSignature;
  const describe = (info: { name: string; shape?: number[]; dtype?: string }, entries: GraphSignature['inputs']) => {
    const name = graphTensorName(info.name);
    const entry = signatureEntryFor(entries, name);
    const fromFile = entry ? fromSignatureEntry(entry) : {};
    return { name, shape: fromFile.shape ?? info.shape ?? null, dtype: fromFile.dtype ?? info.dtype };
  };
  return buildSignature(
    model.inputs.map((i) => describe(i as { name: string; shape?: number[]; dtype?: string }, declared?.inputs)),
    model.outputs.map((o) => describe(o as { name: string; shape?: number[]; dtype?: string }, declared?.outputs)),
  );
}

/** How tfjs refuses `execute` for a graph that needs `executeAsync`. */
const DYNAMIC_OP_ERROR = /dynamic op|executeAsync/;

/** Bytes held by a model's weights. */
function weightBytes(model: TfjsModel): number {
  const weights: tf.Tensor[] = isLayersModel(model)
    ? model.weights.map((w) => w.read())
    : Object.values((model as unknown as { weights: Record<string, tf.Tensor[]> }).weights ?? {}).flat();
  return weights.reduce((n, t) => n + t.size * (t.dtype === 'string' ? 1 : 4), 0);
}

/**
 * A tfjs model served through the Servable runtime contract. Every run happens inside
 * `tf.tidy` and the output tensors are disposed once read, so a run leaves no tensor behind. A
 * GraphModel with dynamic ops (`Where`, `NonMaxSuppression*`, control flow), which tfjs refuses
 * to `execute`, runs with `executeAsync` from its first run on; tfjs disposes its intermediate
 * tensors, and the run disposes its inputs.
 */
export class LoadedTfjsModel implements LoadedModel {
  readonly signature: ModelSignature;
  readonly memoryBytes: number;
  readonly gradients: GradientCapability;
  #disposed = false;
  #needsAsync = false;

  /**
   * @param model - the tfjs model
   * @param device - the backend that serves it
   * @param activate - makes the model's backend the active one before each run
   */
  constructor(
    readonly model: TfjsModel,
    readonly device: string,
    private readonly activate: () => Promise<void>,
  ) {
    this.signature = signatureOf(model);
    this.memoryBytes = weightBytes(model);
    this.gradients = { doGradient: (feeds, options) => this.#gradient(feeds, options) };
  }

  #inputsInOrder(feeds: TensorMap): tf.Tensor[] {
    return this.signature.inputs.map((spec) => toTfTensor(feeds[spec.name]!, spec.name));
  }

  /** Runs the model on tfjs tensors in signature order; returns outputs keyed by name. */
  #forward(inputs: tf.Tensor[], names: readonly string[]): Record<string, tf.Tensor> {
    const model = this.model;
    if (isLayersModel(model)) {
      const result = model.apply(inputs.length === 1 ? inputs[0]! : inputs, { training: false }) as tf.Tensor | tf.Tensor[];
      const list = Array.isArray(result) ? result : [result];
      const byName: Record<string, tf.Tensor> = {};
      this.signature.outputs.forEach((o, i) => {
        if (names.includes(o.name)) byName[o.name] = list[i]!;
      });
      return byName;
    }
    const result = model.execute(this.#feedMap(inputs), [...names]);
    const list = Array.isArray(result) ? result : [result];
    return Object.fromEntries(names.map((n, i) => [n, list[i]!]));
  }

  #feedMap(inputs: tf.Tensor[]): tf.NamedTensorMap {
    const feedMap: tf.NamedTensorMap = {};
    this.signature.inputs.forEach((s, i) => {
      feedMap[s.name] = inputs[i]!;
    });
    return feedMap;
  }

  /**
   * Runs a GraphModel with `executeAsync`, which graphs with dynamic ops (`Where`,
   * `NonMaxSuppression*`, control flow) need: their output sizes are known only after the data is read.
   */
  async #forwardAsync(feeds: TensorMap, names: readonly string[]): Promise<Record<string, tf.Tensor>> {
    const inputs = this.#inputsInOrder(feeds);
    try {
      const result = await (this.model as tf.GraphModel).executeAsync(this.#feedMap(inputs), [...names]);
      const list = Array.isArray(result) ? result : [result];
      return Object.fromEntries(names.map((n, i) => [n, list[i]!]));
    } finally {
      for (const t of inputs) t.dispose();
    }
  }

  async doRun(feeds: TensorMap, options: RunOptions): Promise<TensorMap> {
    if (this.#disposed) throw new ServableError('DISPOSED', 'tfjs model: expected a live model, got one that was disposed — load it again');
    throwIfAborted(options.signal, 'tfjs run');
    await this.activate();
    const names = options.outputs?.length ? options.outputs : this.signature.outputs.map((o) => o.name);
    const outputs = await this.#outputs(feeds, names);
    try {
      const result: TensorMap = {};
      for (const name of names) result[name] = await fromTfTensor(outputs[name]!);
      return result;
    } finally {
      for (const t of Object.values(outputs)) t.dispose();
    }
  }

  async #outputs(feeds: TensorMap, names: readonly string[]): Promise<Record<string, tf.Tensor>> {
    if (!isLayersModel(this.model) && this.#needsAsync) return this.#forwardAsync(feeds, names);
    try {
      return tf.tidy(() => this.#forward(this.#inputsInOrder(feeds), names));
    } catch (e) {
      // tfjs refuses `execute` for a graph with dynamic ops before it runs anything; from then
      // on this model runs with `executeAsync`.
      if (isLayersModel(this.model) || !DYNAMIC_OP_ERROR.test((e as Error)?.message ?? '')) throw e;
      this.#needsAsync = true;
      return this.#forwardAsync(feeds, names);
    }
  }

  async #gradient(feeds: TensorMap, options: { inputName: string; outputName: string; index?: number }): Promise<Tensor> {
    if (this.#disposed) throw new ServableError('DISPOSED', 'tfjs model: expected a live model, got one that was disposed — load it again');
    const inputIndex = this.signature.inputs.findIndex((s) => s.name === options.inputName);
    if (inputIndex < 0) {
      throw new ServableError('INVALID_ARGUMENT', `gradient inputName: expected one of ${this.signature.inputs.map((s) => s.name).join(', ')}, got "${options.inputName}"`);
    }
    const input = this.signature.inputs[inputIndex]!;
    if (input.dtype !== 'float32') {
      throw new ServableError('UNSUPPORTED_CAPABILITY', `gradient with respect to input "${input.name}": expected a float32 input, got ${input.dtype} — gradients exist only for real-valued inputs`);
    }
    const output = this.signature.outputs.find((s) => s.name === options.outputName);
    if (!output) {
      throw new ServableError('INVALID_ARGUMENT', `gradient outputName: expected one of ${this.signature.outputs.map((s) => s.name).join(', ')}, got "${options.outputName}"`);
    }
    await this.activate();
    let grad: tf.Tensor;
    try {
      grad = this.#gradientTensor(feeds, inputIndex, output.name, options.index);
    } catch (cause) {
      if (ServableError.isInstance(cause)) throw cause;
      throw new ServableError('INFERENCE_FAILED', `gradient of output "${output.name}" with respect to input "${input.name}": expected tfjs to differentiate the model, got an error (${(cause as Error).message}) — models with non-differentiable ops have no exact gradients; use a sampling explanation`, { cause });
    }
    try {
      return await fromTfTensor(grad);
    } finally {
      grad.dispose();
    }
  }

  #gradientTensor(feeds: TensorMap, inputIndex: number, outputName: string, index: number | undefined): tf.Tensor {
    return tf.tidy(() => {
      const inputs = this.#inputsInOrder(feeds);
      const f = (x: tf.Tensor): tf.Scalar => {
        const all = [...inputs];
        all[inputIndex] = x;
        const y = this.#forward(all, [outputName])[outputName]!;
        if (index === undefined) return y.sum();
        const flat = y.reshape([y.shape[0] ?? 1, -1]);
        const width = flat.shape[1]!;
        if (!Number.isInteger(index) || index < 0 || index >= width) {
          throw new ServableError('INVALID_ARGUMENT', `gradient index: expected an integer in [0, ${width}) for output "${outputName}", got ${index}`);
        }
        return flat.slice([0, index], [-1, 1]).sum();
      };
      return tf.grad(f)(inputs[inputIndex]!);
    });
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.model.dispose();
  }
}
