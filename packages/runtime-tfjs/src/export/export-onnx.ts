import * as tf from '@tensorflow/tfjs';
import { ServableError } from '@servable/core';
import { windowAxis } from '../training/fast-ops.js';
import { encodeOnnxModel, type OnnxInitializer, type OnnxNode } from './onnx-builder.js';

/** The file name of an exported ONNX model. */
export const ONNX_FILE = 'model.onnx';

/** Options of {@link exportOnnx}. */
export interface OnnxExportOptions {
  /** Name of the ONNX input (default: the tfjs input layer's name). */
  readonly inputName?: string;
  /** Name of the ONNX output (default: the tfjs output layer's name). */
  readonly outputName?: string;
}

type Layout = 'NHWC' | 'NCHW';

const pair = (v: unknown): [number, number] => (Array.isArray(v) ? [Number(v[0]), Number(v[1] ?? v[0])] : [Number(v), Number(v)]);

class GraphBuilder {
  readonly nodes: OnnxNode[] = [];
  readonly initializers: OnnxInitializer[] = [];
  #count = 0;

  fresh(hint: string): string {
    return `${hint}_${this.#count++}`;
  }

  constant(hint: string, dims: readonly number[], data: Float32Array | BigInt64Array): string {
    const name = this.fresh(hint);
    this.initializers.push({ name, dims, data });
    return name;
  }

  node(op: string, inputs: readonly string[], attributes?: OnnxNode['attributes'], hint = op.toLowerCase()): string {
    const out = this.fresh(hint);
    this.nodes.push({ op, inputs, outputs: [out], attributes });
    return out;
  }
}

function weightOf(layer: tf.layers.Layer, suffix: string): tf.Tensor | undefined {
  const w = layer.weights.find((v) => (v.originalName ?? v.name).endsWith(`/${suffix}`) || v.name.endsWith(`/${suffix}`));
  return w?.read();
}

function floats(t: tf.Tensor): Float32Array {
  return Float32Array.from(t.dataSync() as Float32Array);
}

function unsupported(index: number, layer: tf.layers.Layer, why: string): ServableError {
  return new ServableError('UNSUPPORTED_CAPABILITY', `ONNX export layers[${index}] "${layer.name}" (${layer.getClassName()}): expected dense, conv2d, maxPooling2d, flatten, dropout, batchNormalization or activation with relu, sigmoid, tanh, softmax or linear, got ${why} — change the layer or serve the tfjs model`);
}

/**
 * Exports a trained Sequential tfjs model to ONNX (opset 13) bytes, written with this
 * package's own protobuf writer. The ONNX input keeps the tfjs layout (`[batch, h, w, c]` for
 * images), so the same manifest preprocessing serves both; convolutions run in NCHW inside the
 * graph between a transpose in and a transpose out, with kernels transposed to `[f, c, kh, kw]`.
 * Dropout is the identity at inference; batch normalization is folded into a multiply and add.
 * @param model - a Sequential model of dense, conv2d, maxPooling2d, flatten, dropout,
 *   batchNormalization and activation layers (activations relu, sigmoid, tanh, softmax, linear)
 * @throws ServableError `UNSUPPORTED_CAPABILITY` naming the first layer that cannot be exported
 */
export function exportOnnx(model: tf.LayersModel, options: OnnxExportOptions = {}): Uint8Array {
  if (model.getClassName() !== 'Sequential' && !(model instanceof tf.Sequential)) {
    throw new ServableError('UNSUPPORTED_CAPABILITY', `ONNX export: expected a Sequential model, got a ${model.getClassName()} — rebuild it with tf.sequential or a model spec`);
  }
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    throw new ServableError('UNSUPPORTED_CAPABILITY', `ONNX export: expected one input and one output, got ${model.inputs.length} and ${model.outputs.length}`);
  }
  const inputName = options.inputName ?? model.inputs[0]!.sourceLayer?.name ?? 'input';
  const outputName = options.outputName ?? model.outputs[0]!.sourceLayer?.name ?? 'output';
  const g = new GraphBuilder();
  let current = inputName;
  let layout: Layout = 'NHWC';
  let rank = model.inputs[0]!.shape.length;
  const toNCHW = () => {
    if (layout === 'NHWC' && rank === 4) {
      current = g.node('Transpose', [current], { perm: [0, 3, 1, 2] });
      layout = 'NCHW';
    }
  };
  const toNHWC = () => {
    if (layout === 'NCHW') {
      current = g.node('Transpose', [current], { perm: [0, 2, 3, 1] });
      layout = 'NHWC';
    }
  };
  const activation = (name: string, index: number, layer: tf.layers.Layer) => {
    switch (name) {
      case 'linear':
        return;
      case 'relu':
        current = g.node('Relu', [current]);
        return;
      case 'sigmoid':
        current = g.node('Sigmoid', [current]);
        return;
      case 'tanh':
        current = g.node('Tanh', [current]);
        return;
      case 'softmax':
        toNHWC();
        current = g.node('Softmax', [current], { axis: -1 });
        return;
      default:
        throw unsupported(index, layer, `activation "${name}"`);
    }
  };
  model.layers.forEach((layer, index) => {
    const config = layer.getConfig();
    switch (layer.getClassName()) {
      case 'InputLayer':
      case 'Dropout':
        break;
      case 'Flatten':
        toNHWC();
        current = g.node('Flatten', [current], { axis: 1 });
        rank = 2;
        break;
      case 'Activation':
        activation(String(config.activation ?? 'linear'), index, layer);
        break;
      case 'Dense': {
        toNHWC();
        const kernel = weightOf(layer, 'kernel')!;
        const bias = weightOf(layer, 'bias');
        const w = g.constant('kernel', kernel.shape, floats(kernel));
        current = g.node('MatMul', [current, w]);
        if (bias) current = g.node('Add', [current, g.constant('bias', bias.shape, floats(bias))]);
        activation(String(config.activation ?? 'linear'), index, layer);
        break;
      }
      case 'Conv2D': {
        if (config.dataFormat === 'channelsFirst') throw unsupported(index, layer, 'channelsFirst data');
        const dilation = pair(config.dilationRate ?? 1);
        if (dilation[0] !== 1 || dilation[1] !== 1) throw unsupported(index, layer, 'a dilated convolution');
        const input = (layer.input as tf.SymbolicTensor).shape as (number | null)[];
        const [kh, kw] = pair(config.kernelSize);
        const [sh, sw] = pair(config.strides ?? 1);
        const padding = config.padding === 'same' ? 'same' : 'valid';
        const rows = windowAxis(Number(input[1]), kh, sh, padding);
        const cols = windowAxis(Number(input[2]), kw, sw, padding);
        toNCHW();
        const kernel = weightOf(layer, 'kernel')!;
        const transposed = tf.tidy(() => tf.transpose(kernel, [3, 2, 0, 1]));
        const w = g.constant('kernel', transposed.shape, floats(transposed));
        transposed.dispose();
        const bias = weightOf(layer, 'bias');
        const inputs = [current, w];
        if (bias) inputs.push(g.constant('bias', bias.shape, floats(bias)));
        current = g.node('Conv', inputs, { kernel_shape: [kh, kw], strides: [sh, sw], pads: [rows.before, cols.before, rows.after, cols.after], dilations: [1, 1], group: 1 });
        activation(String(config.activation ?? 'linear'), index, layer);
        break;
      }
      case 'MaxPooling2D': {
        if (config.dataFormat === 'channelsFirst') throw unsupported(index, layer, 'channelsFirst data');
        const input = (layer.input as tf.SymbolicTensor).shape as (number | null)[];
        const [kh, kw] = pair(config.poolSize ?? 2);
        const [sh, sw] = pair(config.strides ?? config.poolSize ?? 2);
        const padding = config.padding === 'same' ? 'same' : 'valid';
        const rows = windowAxis(Number(input[1]), kh, sh, padding);
        const cols = windowAxis(Number(input[2]), kw, sw, padding);
        toNCHW();
        current = g.node('MaxPool', [current], { kernel_shape: [kh, kw], strides: [sh, sw], pads: [rows.before, cols.before, rows.after, cols.after] });
        break;
      }
      case 'BatchNormalization': {
        const axis = Number(Array.isArray(config.axis) ? config.axis[0] : (config.axis ?? -1));
        if (axis !== -1 && axis !== rank - 1) throw unsupported(index, layer, `normalization over axis ${axis} (only the last axis is exported)`);
        const mean = floats(weightOf(layer, 'moving_mean')!);
        const variance = floats(weightOf(layer, 'moving_variance')!);
        const gammaT = weightOf(layer, 'gamma');
        const betaT = weightOf(layer, 'beta');
        const gamma = gammaT ? floats(gammaT) : new Float32Array(mean.length).fill(1);
        const beta = betaT ? floats(betaT) : new Float32Array(mean.length);
        const epsilon = Number(config.epsilon ?? 1e-3);
        const scale = new Float32Array(mean.length);
        const shift = new Float32Array(mean.length);
        for (let c = 0; c < mean.length; c++) {
          scale[c] = gamma[c]! / Math.sqrt(variance[c]! + epsilon);
          shift[c] = beta[c]! - mean[c]! * scale[c]!;
        }
        const dims = layout === 'NCHW' ? [mean.length, 1, 1] : [mean.length];
        current = g.node('Mul', [current, g.constant('bn_scale', dims, scale)]);
        current = g.node('Add', [current, g.constant('bn_shift', dims, shift)]);
        break;
      }
      default:
        throw unsupported(index, layer, 'a layer type the exporter does not know');
    }
    rank = (layer.outputShape as (number | null)[]).length;
  });
  toNHWC();
  g.nodes.push({ op: 'Identity', inputs: [current], outputs: [outputName] });
  const symbolic = (shape: (number | null)[]) => shape.map((d, i) => (d === null ? (i === 0 ? 'batch' : `d${i}`) : d));
  return encodeOnnxModel({
    name: model.name,
    nodes: g.nodes,
    initializers: g.initializers,
    inputs: [{ name: inputName, shape: symbolic(model.inputs[0]!.shape) }],
    outputs: [{ name: outputName, shape: symbolic(model.outputs[0]!.shape) }],
    producerVersion: `tfjs ${tf.version.tfjs}`,
  });
}
