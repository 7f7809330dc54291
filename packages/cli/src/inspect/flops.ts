import { constantNodeTensor } from './onnx-parameters.js';
import { isOnnxGraph, isOnnxTensor, type OnnxDim, type OnnxGraph, type OnnxNode } from './onnx-reader.js';

/** FLOPs of one operator type, summed over its nodes. */
export interface OperatorFlops {
  readonly opType: string;
  readonly nodes: number;
  readonly flops: number;
}

/** Why the nodes of one operator type have no estimate. */
export type UnestimatedReason = 'control-flow' | 'no-formula' | 'unknown-shapes';

/** Nodes of one operator type that the estimate could not count. */
export interface UnestimatedOperator {
  readonly opType: string;
  readonly nodes: number;
  /**
   * `control-flow`: `If`/`Loop`/`Scan`, whose cost depends on the branch or the trip count at run
   * time; `no-formula`: an operator the estimate does not know; `unknown-shapes`: a known operator
   * whose input shapes the file does not determine.
   */
  readonly reason: UnestimatedReason;
}

/** The FLOPs estimate of one example. */
export interface FlopsEstimate {
  /** Floating-point operations for one example (a multiply-add counts 2); `null` when some nodes have no estimate. */
  readonly total: number | null;
  /** What the estimated nodes add up to: the total when every node was estimated, a lower bound otherwise. */
  readonly lowerBound: number;
  /** By operator type, largest first (only types with an estimate). */
  readonly byOperator: readonly OperatorFlops[];
  /** Operator types whose nodes had no estimate, with how many and why. */
  readonly unestimated: readonly UnestimatedOperator[];
  /** Symbolic dimensions, and the size taken for each (the batch: 1, one example). */
  readonly assumedDims: Readonly<Record<string, number>>;
}

/** Builds the estimate from per-operator sums and what was not estimated. */
export function finishEstimate(
  byOp: ReadonlyMap<string, { nodes: number; flops: number }>,
  unestimated: ReadonlyMap<string, { nodes: number; reason: UnestimatedReason }>,
  assumedDims: Readonly<Record<string, number>>,
): FlopsEstimate {
  const byOperator = [...byOp.entries()]
    .map(([opType, v]) => ({ opType, ...v }))
    .filter((o) => o.flops > 0)
    .sort((a, b) => b.flops - a.flops || a.opType.localeCompare(b.opType));
  const lowerBound = byOperator.reduce((a, b) => a + b.flops, 0);
  const missing = [...unestimated.entries()].map(([opType, v]) => ({ opType, ...v })).sort((a, b) => b.nodes - a.nodes || a.opType.localeCompare(b.opType));
  return { total: missing.length ? null : lowerBound, lowerBound, byOperator, unestimated: missing, assumedDims };
}

type Shape = number[];

const ELEMENTWISE_ONE = new Set([
  'Relu', 'LeakyRelu', 'Sigmoid', 'Tanh', 'Abs', 'Neg', 'Exp', 'Log', 'Sqrt', 'Reciprocal', 'Erf', 'Clip', 'Elu', 'Selu',
  'HardSigmoid', 'HardSwish', 'Softplus', 'Floor', 'Ceil', 'Round', 'Sign', 'PRelu', 'Gelu', 'Not',
]);
const ELEMENTWISE_BINARY = new Set(['Add', 'Sub', 'Mul', 'Div', 'Pow', 'Max', 'Min', 'Equal', 'Less', 'Greater', 'And', 'Or', 'Where', 'Sum', 'Mean']);
const SHAPE_ONLY = new Set([
  'Identity', 'Cast', 'Dropout', 'Squeeze', 'Unsqueeze', 'Reshape', 'Flatten', 'Transpose', 'Shape', 'Constant', 'Concat', 'Gather', 'Slice', 'Expand',
  'Pad', 'Split', 'Tile', 'ConstantOfShape', 'Size', 'Range', 'NonZero', 'GatherElements', 'GatherND', 'ScatterND', 'DepthToSpace', 'SpaceToDepth',
]);
const CONTROL_FLOW = new Set(['If', 'Loop', 'Scan']);
const FORMULAS = new Set([
  'Conv', 'ConvTranspose', 'MatMul', 'Gemm', 'MaxPool', 'AveragePool', 'LpPool', 'GlobalAveragePool', 'GlobalMaxPool', 'BatchNormalization',
  'InstanceNormalization', 'LayerNormalization', 'Softmax', 'LogSoftmax', 'ReduceSum', 'ReduceMean', 'ReduceMax', 'ReduceMin',
]);
/** Per-element cost of activations heavier than one operation. */
const SOFTMAX_FLOPS_PER_ELEMENT = 5;

const size = (s: Shape) => s.reduce((a, b) => a * b, 1);

function broadcast(a: Shape, b: Shape): Shape {
  const n = Math.max(a.length, b.length);
  const out: Shape = [];
  for (let i = 0; i < n; i++) {
    const x = a[a.length - n + i] ?? 1;
    const y = b[b.length - n + i] ?? 1;
    out.push(Math.max(x, y));
  }
  return out;
}

function ints(v: unknown): number[] | undefined {
  return Array.isArray(v) ? (v as number[]) : undefined;
}

function int(v: unknown, fallback: number): number {
  return typeof v === 'number' ? v : fallback;
}

function poolOutput(input: Shape, node: OnnxNode, kernel: number[]): Shape | undefined {
  if (input.length < 3) return undefined;
  const spatial = input.length - 2;
  const strides = ints(node.attributes.strides) ?? new Array(spatial).fill(1);
  const pads = ints(node.attributes.pads) ?? new Array(spatial * 2).fill(0);
  const dilations = ints(node.attributes.dilations) ?? new Array(spatial).fill(1);
  const autoPad = node.attributes.auto_pad;
  const ceil = int(node.attributes.ceil_mode, 0) === 1;
  const out: Shape = [];
  for (let i = 0; i < spatial; i++) {
    const x = input[2 + i]!;
    const s = strides[i] ?? 1;
    if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
      out.push(Math.ceil(x / s));
      continue;
    }
    const k = ((kernel[i] ?? 1) - 1) * (dilations[i] ?? 1) + 1;
    const padded = x + (pads[i] ?? 0) + (pads[i + spatial] ?? 0) - k;
    out.push((ceil ? Math.ceil(padded / s) : Math.floor(padded / s)) + 1);
  }
  return out;
}

/**
 * Estimates the floating-point operations of one example by propagating shapes through the
 * graph (symbolic dimensions take the sizes of `dimSizes`, 1 when absent) and counting the common operators: Conv, ConvTranspose,
 * MatMul, Gemm (2 per multiply-add, plus the bias), pooling (one per window element),
 * BatchNormalization (2 per element), Softmax (5 per element), element-wise operators (1 per
 * output element; an operand of unknown shape is taken to broadcast). Reshapes, pads, casts and
 * gathers count 0. Weights may come from initializers or `Constant` nodes. `If`, `Loop` and
 * `Scan` depend on run-time values and are not estimated; an `If`'s output shapes are taken from
 * its branch so that what follows still is. Whatever is not estimated is listed with why, and the
 * total is then `null` (unknown) rather than a partial sum.
 */
export function estimateFlops(graph: OnnxGraph, dimSizes: Readonly<Record<string, number>> = {}): FlopsEstimate {
  const shapes = new Map<string, Shape>();
  const constants = new Map<string, number[]>();
  const assumedDims: Record<string, number> = {};
  const resolve = (dims: readonly OnnxDim[] | undefined): Shape | undefined => {
    if (!dims) return undefined;
    const out: Shape = [];
    for (const d of dims) {
      if (typeof d === 'number' && d >= 0) out.push(d);
      else {
        const key = typeof d === 'string' && d ? d : '?';
        const size = dimSizes[key] ?? 1;
        assumedDims[key] = size;
        out.push(size);
      }
    }
    return out;
  };
  for (const i of graph.initializers) {
    shapes.set(i.name, [...i.dims]);
    if (i.intValues) constants.set(i.name, [...i.intValues]);
  }
  for (const v of [...graph.inputs, ...graph.valueInfo]) {
    const s = resolve(v.shape);
    if (s) shapes.set(v.name, s);
  }
  const byOp = new Map<string, { nodes: number; flops: number }>();
  const unestimated = new Map<string, { nodes: number; reason: UnestimatedReason }>();
  for (const node of graph.nodes) {
    const inputs = node.inputs.map((n) => (n ? shapes.get(n) : undefined));
    const x = inputs[0];
    let out: Shape | undefined;
    let flops: number | undefined;
    let reason: UnestimatedReason = 'unknown-shapes';
    const op = node.opType;
    if (op === 'Constant') {
      const t = constantNodeTensor(node);
      if (t) out = [...t.dims];
      const v = node.attributes.value;
      const ints = isOnnxTensor(v) ? v.intValues : Array.isArray(node.attributes.value_ints) ? (node.attributes.value_ints as number[]) : typeof node.attributes.value_int === 'number' ? [node.attributes.value_int] : undefined;
      if (ints) constants.set(node.outputs[0] ?? '', [...ints]);
      flops = 0;
    } else if (CONTROL_FLOW.has(op)) {
      reason = 'control-flow';
      const branch = node.attributes.then_branch;
      if (op === 'If' && isOnnxGraph(branch)) {
        branch.outputs.forEach((o, i) => {
          const s = resolve(o.shape);
          if (s && node.outputs[i]) shapes.set(node.outputs[i]!, s);
        });
      }
    } else if (SHAPE_ONLY.has(op)) {
      flops = 0;
      if (x) out = shapeOnlyOutput(node, x, inputs, constants);
    } else if (!FORMULAS.has(op) && !ELEMENTWISE_ONE.has(op) && !ELEMENTWISE_BINARY.has(op)) {
      reason = 'no-formula';
    } else if (!x) {
      flops = undefined;
    } else if (op === 'Conv' || op === 'ConvTranspose') {
      const w = inputs[1];
      if (w && x.length >= 3) {
        const group = int(node.attributes.group, 1);
        const kernel = ints(node.attributes.kernel_shape) ?? w.slice(2);
        if (op === 'Conv') {
          const spatial = poolOutput(x, node, kernel);
          if (spatial) {
            out = [x[0]!, w[0]!, ...spatial];
            const macs = size(out) * (x[1]! / group) * size(kernel);
            flops = 2 * macs + (inputs[2] ? size(out) : 0);
          }
        } else {
          const strides = ints(node.attributes.strides) ?? kernel.map(() => 1);
          const spatial = x.slice(2).map((d, i) => (d - 1) * (strides[i] ?? 1) + (kernel[i] ?? 1));
          out = [x[0]!, w[1]! * group, ...spatial];
          flops = 2 * size(x) * (w[1]!) * size(kernel) + (inputs[2] ? size(out) : 0);
        }
      }
    } else if (op === 'MatMul') {
      const w = inputs[1];
      if (w) {
        const a = x.length === 1 ? [1, x[0]!] : x;
        const b = w.length === 1 ? [w[0]!, 1] : w;
        const m = a[a.length - 2]!;
        const k = a[a.length - 1]!;
        const n = b[b.length - 1]!;
        const batch = broadcast(a.slice(0, -2), b.slice(0, -2));
        out = [...batch, m, n];
        if (x.length === 1) out.splice(out.length - 2, 1);
        if (w.length === 1) out.pop();
        flops = 2 * size(batch) * m * k * n;
      }
    } else if (op === 'Gemm') {
      const w = inputs[1];
      if (w && x.length === 2 && w.length === 2) {
        const transA = int(node.attributes.transA, 0) === 1;
        const transB = int(node.attributes.transB, 0) === 1;
        const m = transA ? x[1]! : x[0]!;
        const k = transA ? x[0]! : x[1]!;
        const n = transB ? w[0]! : w[1]!;
        out = [m, n];
        flops = 2 * m * k * n + (inputs[2] ? m * n : 0);
      }
    } else if (op === 'MaxPool' || op === 'AveragePool' || op === 'LpPool') {
      const kernel = ints(node.attributes.kernel_shape);
      const spatial = kernel ? poolOutput(x, node, kernel) : undefined;
      if (kernel && spatial) {
        out = [x[0]!, x[1]!, ...spatial];
        flops = size(out) * size(kernel);
      }
    } else if (op === 'GlobalAveragePool' || op === 'GlobalMaxPool') {
      out = [x[0]!, x[1]!, ...x.slice(2).map(() => 1)];
      flops = size(x);
    } else if (op === 'BatchNormalization' || op === 'InstanceNormalization' || op === 'LayerNormalization') {
      out = x;
      flops = (op === 'BatchNormalization' ? 2 : 5) * size(x);
    } else if (op === 'Softmax' || op === 'LogSoftmax') {
      out = x;
      flops = SOFTMAX_FLOPS_PER_ELEMENT * size(x);
    } else if (ELEMENTWISE_ONE.has(op)) {
      out = x;
      flops = size(x);
    } else if (ELEMENTWISE_BINARY.has(op)) {
      out = inputs.reduce<Shape>((acc, s) => (s ? broadcast(acc, s) : acc), x);
      flops = size(out) * Math.max(1, inputs.length - 1);
    } else if (op === 'ReduceSum' || op === 'ReduceMean' || op === 'ReduceMax' || op === 'ReduceMin') {
      const axes = ints(node.attributes.axes) ?? (node.inputs[1] ? constants.get(node.inputs[1]) : undefined);
      const keep = int(node.attributes.keepdims, 1) === 1;
      if (axes) {
        const norm = new Set(axes.map((a) => (a < 0 ? a + x.length : a)));
        out = keep ? x.map((d, i) => (norm.has(i) ? 1 : d)) : x.filter((_, i) => !norm.has(i));
      }
      flops = size(x);
    }
    if (out && node.outputs[0]) shapes.set(node.outputs[0], out);
    if (flops === undefined) {
      const e = unestimated.get(op) ?? { nodes: 0, reason };
      e.nodes++;
      unestimated.set(op, e);
      continue;
    }
    const entry = byOp.get(op) ?? { nodes: 0, flops: 0 };
    entry.nodes++;
    entry.flops += flops;
    byOp.set(op, entry);
  }
  return finishEstimate(byOp, unestimated, assumedDims);
}

function shapeOnlyOutput(node: OnnxNode, x: Shape, inputs: readonly (Shape | undefined)[], constants: ReadonlyMap<string, number[]>): Shape | undefined {
  const op = node.opType;
  if (op === 'Flatten') {
    const axis = int(node.attributes.axis, 1);
    const a = axis < 0 ? axis + x.length : axis;
    return [size(x.slice(0, a)), size(x.slice(a))];
  }
  if (op === 'Reshape') {
    const target = node.inputs[1] ? constants.get(node.inputs[1]) : undefined;
    if (!target) return undefined;
    const copied = target.map((d, i) => (d === 0 ? x[i] ?? 1 : d));
    const known = copied.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
    return copied.map((d) => (d === -1 ? size(x) / known : d));
  }
  if (op === 'Transpose') {
    const perm = ints(node.attributes.perm) ?? x.map((_, i) => x.length - 1 - i);
    return perm.map((p) => x[p]!);
  }
  if (op === 'Identity' || op === 'Cast' || op === 'Dropout') return x;
  if (op === 'Pad') {
    const pads = ints(node.attributes.pads) ?? (node.inputs[1] ? constants.get(node.inputs[1]) : undefined);
    if (!pads || pads.length !== 2 * x.length) return undefined;
    return x.map((d, i) => d + pads[i]! + pads[i + x.length]!);
  }
  if (op === 'Concat') {
    const axis = int(node.attributes.axis, 0);
    const a = axis < 0 ? axis + x.length : axis;
    if (!inputs.every((s) => s)) return undefined;
    const out = [...x];
    out[a] = inputs.reduce((sum, s) => sum + s![a]!, 0);
    return out;
  }
  if (op === 'Unsqueeze' || op === 'Squeeze') {
    const axes = ints(node.attributes.axes) ?? (node.inputs[1] ? constants.get(node.inputs[1]) : undefined);
    if (op === 'Squeeze' && !axes) return x.filter((d) => d !== 1);
    if (!axes) return undefined;
    if (op === 'Squeeze') {
      const norm = new Set(axes.map((a) => (a < 0 ? a + x.length : a)));
      return x.filter((_, i) => !norm.has(i));
    }
    const rank = x.length + axes.length;
    const norm = new Set(axes.map((a) => (a < 0 ? a + rank : a)));
    const out: Shape = [];
    let k = 0;
    for (let i = 0; i < rank; i++) out.push(norm.has(i) ? 1 : x[k++]!);
    return out;
  }
  if (op === 'Gather') {
    const indices = inputs[1];
    const axis = int(node.attributes.axis, 0);
    const a = axis < 0 ? axis + x.length : axis;
    if (!indices) return undefined;
    return [...x.slice(0, a), ...indices, ...x.slice(a + 1)];
  }
  return undefined;
}
