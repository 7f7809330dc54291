import { ProtoWriter } from './protobuf-writer.js';

/** ONNX tensor element types used here. */
export const ONNX_FLOAT = 1;
/** ONNX int64 element type. */
export const ONNX_INT64 = 7;

/** An attribute value: an int, a float, a list of ints, or a string. */
export type AttributeValue = number | readonly number[] | string | { readonly float: number };

/** A node of the graph. */
export interface OnnxNode {
  readonly op: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attributes?: Readonly<Record<string, AttributeValue>>;
}

/** A constant tensor. */
export interface OnnxInitializer {
  readonly name: string;
  readonly dims: readonly number[];
  readonly data: Float32Array | BigInt64Array;
}

/** A graph input or output: float32 with fixed or symbolic dims. */
export interface OnnxValueInfo {
  readonly name: string;
  readonly shape: readonly (number | string)[];
}

function attribute(name: string, value: AttributeValue): ProtoWriter {
  const w = new ProtoWriter().string(1, name);
  if (typeof value === 'string') return w.int(20, 3).bytes(4, new TextEncoder().encode(value));
  if (typeof value === 'number') return w.int(20, 2).int(3, value);
  if (Array.isArray(value)) return w.int(20, 7).packedInts(8, value as number[]);
  return w.int(20, 1).float(2, (value as { float: number }).float);
}

function valueInfo(info: OnnxValueInfo): ProtoWriter {
  const shape = new ProtoWriter();
  for (const d of info.shape) shape.message(1, typeof d === 'number' ? new ProtoWriter().int(1, d) : new ProtoWriter().string(2, d));
  const tensorType = new ProtoWriter().int(1, ONNX_FLOAT).message(2, shape);
  return new ProtoWriter().string(1, info.name).message(2, new ProtoWriter().message(1, tensorType));
}

function initializer(t: OnnxInitializer): ProtoWriter {
  const w = new ProtoWriter().packedInts(1, t.dims).int(2, t.data instanceof Float32Array ? ONNX_FLOAT : ONNX_INT64).string(8, t.name);
  return w.bytes(9, new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
}

/**
 * Encodes an ONNX model (IR version 7, opset 13, default domain).
 * @param graph - nodes, constants, inputs and outputs
 */
export function encodeOnnxModel(graph: {
  readonly name: string;
  readonly nodes: readonly OnnxNode[];
  readonly initializers: readonly OnnxInitializer[];
  readonly inputs: readonly OnnxValueInfo[];
  readonly outputs: readonly OnnxValueInfo[];
  readonly producerVersion: string;
}): Uint8Array {
  const g = new ProtoWriter();
  graph.nodes.forEach((n, i) => {
    const node = new ProtoWriter();
    for (const input of n.inputs) node.string(1, input);
    for (const output of n.outputs) node.string(2, output);
    node.string(3, `${n.op.toLowerCase()}_${i}`).string(4, n.op);
    for (const [k, v] of Object.entries(n.attributes ?? {})) node.message(5, attribute(k, v));
    g.message(1, node);
  });
  g.string(2, graph.name);
  for (const t of graph.initializers) g.message(5, initializer(t));
  for (const i of graph.inputs) g.message(11, valueInfo(i));
  for (const o of graph.outputs) g.message(12, valueInfo(o));
  return new ProtoWriter()
    .int(1, 7)
    .string(2, 'servable')
    .string(3, graph.producerVersion)
    .message(7, g)
    .message(8, new ProtoWriter().string(1, '').int(2, 13))
    .finish();
}
