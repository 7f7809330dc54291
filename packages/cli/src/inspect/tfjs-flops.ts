import { finishEstimate, type FlopsEstimate, type UnestimatedReason } from './flops.js';

/** One layer of a TensorFlow.js layers model.json, as far as the estimate reads it. */
export interface TfjsLayerJson {
  readonly class_name?: string;
  readonly config?: Readonly<Record<string, unknown>>;
  readonly inbound_nodes?: readonly unknown[];
}

const ACTIVATION_FLOPS: Readonly<Record<string, number>> = { linear: 0, relu: 1, sigmoid: 1, tanh: 1, elu: 1, selu: 1, softplus: 1, softmax: 5 };
const PER_ELEMENT: Readonly<Record<string, number>> = { Activation: 1, ReLU: 1, LeakyReLU: 1, Softmax: 5, BatchNormalization: 2, LayerNormalization: 5 };
const SHAPE_ONLY = new Set(['InputLayer', 'Dropout', 'Reshape', 'Permute', 'SpatialDropout2D', 'GaussianNoise', 'GaussianDropout']);

const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

function pair(v: unknown, fallback: number): [number, number] {
  if (Array.isArray(v)) return [Number(v[0] ?? fallback), Number(v[1] ?? v[0] ?? fallback)];
  return typeof v === 'number' ? [v, v] : [fallback, fallback];
}

function spatial(input: number, kernel: number, stride: number, padding: unknown): number {
  return padding === 'same' ? Math.ceil(input / stride) : Math.floor((input - kernel) / stride) + 1;
}

/**
 * Estimates the FLOPs of one example of a sequential TensorFlow.js layers model from its layer
 * configurations, counted as {@link estimateFlops} counts ONNX: Dense and Conv2D as 2 per
 * multiply-add plus the bias, their activation per output element (softmax 5), pooling one
 * per window element, batch normalization 2 per element. The walk stops at the first layer it
 * does not know or a layer with several inputs; what follows is listed as not estimated.
 */
export function estimateTfjsLayersFlops(layers: readonly TfjsLayerJson[]): FlopsEstimate {
  const byOp = new Map<string, { nodes: number; flops: number }>();
  const unestimated = new Map<string, { nodes: number; reason: UnestimatedReason }>();
  const skip = (op: string, reason: UnestimatedReason) => {
    const e = unestimated.get(op) ?? { nodes: 0, reason };
    e.nodes++;
    unestimated.set(op, e);
  };
  const assumedDims: Record<string, number> = {};
  let shape: number[] | undefined;
  const add = (op: string, flops: number) => {
    const e = byOp.get(op) ?? { nodes: 0, flops: 0 };
    e.nodes++;
    e.flops += flops;
    byOp.set(op, e);
  };
  for (const layer of layers) {
    const op = layer.class_name ?? '?';
    const c = layer.config ?? {};
    const declared = (c.batch_input_shape ?? c.batchInputShape) as (number | null)[] | undefined;
    if (declared) {
      assumedDims.batch = 1;
      shape = declared.slice(1).map((d) => (typeof d === 'number' ? d : 1));
    }
    const multipleInputs = Array.isArray(layer.inbound_nodes) && layer.inbound_nodes.some((n) => Array.isArray(n) && n.length > 1);
    if (!shape || multipleInputs) {
      skip(op, 'unknown-shapes');
      shape = undefined;
      continue;
    }
    const activation = typeof c.activation === 'string' ? (ACTIVATION_FLOPS[c.activation] ?? 1) : 0;
    const bias = c.use_bias !== false;
    if (op === 'Dense') {
      const units = Number(c.units);
      const inner = shape[shape.length - 1]!;
      shape = [...shape.slice(0, -1), units];
      add(op, 2 * size(shape.slice(0, -1)) * inner * units + (bias ? size(shape) : 0) + activation * size(shape));
    } else if (op === 'Conv2D' && shape.length === 3) {
      const [kh, kw] = pair(c.kernel_size, 1);
      const [sh, sw] = pair(c.strides, 1);
      const filters = Number(c.filters);
      const cin = shape[2]!;
      shape = [spatial(shape[0]!, kh, sh, c.padding), spatial(shape[1]!, kw, sw, c.padding), filters];
      add(op, 2 * size(shape) * kh * kw * cin + (bias ? size(shape) : 0) + activation * size(shape));
    } else if ((op === 'MaxPooling2D' || op === 'AveragePooling2D') && shape.length === 3) {
      const [ph, pw] = pair(c.pool_size, 2);
      const [sh, sw] = pair(c.strides ?? c.pool_size, 2);
      shape = [spatial(shape[0]!, ph, sh, c.padding), spatial(shape[1]!, pw, sw, c.padding), shape[2]!];
      add(op, size(shape) * ph * pw);
    } else if (op === 'Flatten') {
      shape = [size(shape)];
    } else if (op === 'GlobalAveragePooling2D' || op === 'GlobalMaxPooling2D') {
      add(op, size(shape));
      shape = [shape[shape.length - 1]!];
    } else if (PER_ELEMENT[op] !== undefined) {
      add(op, PER_ELEMENT[op]! * size(shape));
    } else if (SHAPE_ONLY.has(op)) {
      if (op === 'Reshape' && Array.isArray(c.target_shape)) shape = (c.target_shape as number[]).map((d) => (d === -1 ? 1 : d));
    } else {
      skip(op, 'no-formula');
      shape = undefined;
    }
  }
  return finishEstimate(byOp, unestimated, assumedDims);
}
