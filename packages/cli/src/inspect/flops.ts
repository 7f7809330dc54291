import type { OnnxDim, OnnxGraph, OnnxNode } from './onnx-reader.js';

/** FLOPs of one operator type, summed over its nodes. */
export interface OperatorFlops {
  readonly opType: string;
  readonly nodes: number;
  readonly flops: number;
}

/** The FLOPs estimate of one example. */
export interface FlopsEstimate {
  /** Floating-point operations for one example (a multiply-add counts 2). */
  readonly total: number;
  /** By operator type, largest first (only types with an estimate). */
  readonly byOperator: readonly OperatorFlops[];
  /** Operator types whose nodes had no estimate (unknown operator or unknown shapes), with counts. */
  readonly unestimated: Readonly<Record<string, number>>;
  /** Symbolic dimensions, and the size taken for each (1: one example). */
  readonly assumedDims: Readonly<Record<string, number>>;
}

type Shape = number[];

const ELEMENTWISE_ONE = new Set([
  'Relu', 'LeakyRelu', 'Sigmoid', 'Tanh', 'Abs', 'Neg', 'Exp', 'Log', 'Sqrt', 'Reciprocal', 'Erf', 'Clip', 'Elu', 'Selu',
  'HardSigmoid', 'HardSwish', 'Softplus', 'Floor', 'Ceil', 'Round', 'Sign', 'PRelu', 'Gelu', 'Not',
]);
const ELEMENTWISE_BINARY = new Set(['Add', 'Sub', 'Mul', 'Div', 'Pow', 'Max', 'Min', 'Equal', 'Less', 'Greater', 'And', 'Or', 'Where', 'Sum', 'Mean']);
const SHAPE_ONLY = new Set(['Identity', 'Cast', 'Dropout', 'Squeeze', 'Unsqueeze', 'Reshape', 'Flatten', 'Transpose', 'Shape', 'Constant', 'Concat', 'Gather', 'Slice', 'Expand']);
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
 * graph (symbolic dimensions taken as 1) and counting the common operators: Conv, ConvTranspose,
 * MatMul, Gemm (2 per multiply-add, plus the bias), pooling (one per window element),
 * BatchNormalization (2 per element), Softmax (5 per element), element-wise operators (1 per
 * output element; an operand of unknown shape is taken to broadcast). Reshapes, casts and gathers count 0. Nodes whose shapes cannot be worked out
 * are listed in `unestimated`.
 */
export function estimateFlops(graph: OnnxGraph): FlopsEstimate {
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
        assumedDims[key] = 1;
        out.push(1);
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
  const unestimated: Record<string, number> = {};
  for (const node of graph.nodes) {
    const inputs = node.inputs.map((n) => (n ? shapes.get(n) : undefined));
    const x = inputs[0];
    let out: Shape | undefined;
    let flops: number | undefined;
    const op = node.opType;
    if (op === 'Constant') {
      const v = node.attributes.value;
      if (Array.isArray(v)) {
        constants.set(node.outputs[0] ?? '', v as number[]);
        out = [v.length];
      }
      flops = 0;
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
    } else if (SHAPE_ONLY.has(op)) {
      flops = 0;
      if (op === 'Flatten') {
        const axis = int(node.attributes.axis, 1);
        const a = axis < 0 ? axis + x.length : axis;
        out = [size(x.slice(0, a)), size(x.slice(a))];
      } else if (op === 'Reshape') {
        const target = node.inputs[1] ? constants.get(node.inputs[1]) : undefined;
        if (target) {
          const copied = target.map((d, i) => (d === 0 ? x[i] ?? 1 : d));
          const known = copied.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
          out = copied.map((d) => (d === -1 ? size(x) / known : d));
        }
      } else if (op === 'Transpose') {
        const perm = ints(node.attributes.perm) ?? x.map((_, i) => x.length - 1 - i);
        out = perm.map((p) => x[p]!);
      } else if (op === 'Identity' || op === 'Cast' || op === 'Dropout') {
        out = x;
      } else if (op === 'Concat') {
        const axis = int(node.attributes.axis, 0);
        const a = axis < 0 ? axis + x.length : axis;
        if (inputs.every((s) => s)) {
          out = [...x];
          out[a] = inputs.reduce((sum, s) => sum + s![a]!, 0);
        }
      }
    }
    if (out && node.outputs[0]) shapes.set(node.outputs[0], out);
    if (flops === undefined) {
      unestimated[op] = (unestimated[op] ?? 0) + 1;
      continue;
    }
    const entry = byOp.get(op) ?? { nodes: 0, flops: 0 };
    entry.nodes++;
    entry.flops += flops;
    byOp.set(op, entry);
  }
  const byOperator = [...byOp.entries()]
    .map(([opType, v]) => ({ opType, ...v }))
    .filter((o) => o.flops > 0)
    .sort((a, b) => b.flops - a.flops || a.opType.localeCompare(b.opType));
  return { total: byOperator.reduce((a, b) => a + b.flops, 0), byOperator, unestimated, assumedDims };
}
