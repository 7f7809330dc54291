import { ServableError } from '@servable/core';
import { countPacked, fieldFloat, fieldInt, fieldText, ProtobufReader, pushInts, type ProtobufField } from './protobuf-reader.js';

/** ONNX `TensorProto.DataType` numbers and the names Servable uses for them. */
export const ONNX_DATA_TYPES: Readonly<Record<number, { readonly name: string; readonly bytes: number }>> = {
  1: { name: 'float32', bytes: 4 },
  2: { name: 'uint8', bytes: 1 },
  3: { name: 'int8', bytes: 1 },
  4: { name: 'uint16', bytes: 2 },
  5: { name: 'int16', bytes: 2 },
  6: { name: 'int32', bytes: 4 },
  7: { name: 'int64', bytes: 8 },
  8: { name: 'string', bytes: 0 },
  9: { name: 'bool', bytes: 1 },
  10: { name: 'float16', bytes: 2 },
  11: { name: 'float64', bytes: 8 },
  12: { name: 'uint32', bytes: 4 },
  13: { name: 'uint64', bytes: 8 },
  14: { name: 'complex64', bytes: 8 },
  15: { name: 'complex128', bytes: 16 },
  16: { name: 'bfloat16', bytes: 2 },
  17: { name: 'float8e4m3fn', bytes: 1 },
  18: { name: 'float8e4m3fnuz', bytes: 1 },
  19: { name: 'float8e5m2', bytes: 1 },
  20: { name: 'float8e5m2fnuz', bytes: 1 },
  21: { name: 'uint4', bytes: 0.5 },
  22: { name: 'int4', bytes: 0.5 },
  23: { name: 'float4e2m1', bytes: 0.5 },
};

/** The name of an ONNX data type number (`float32`, `int64`…), or `type<N>` when unknown. */
export function onnxDataTypeName(dataType: number): string {
  return ONNX_DATA_TYPES[dataType]?.name ?? `type${dataType}`;
}

/** A dimension as the file declares it: a size, a symbolic name (`dim_param`), or unknown (`null`). */
export type OnnxDim = number | string | null;

/** A graph input or output (`ValueInfoProto`). */
export interface OnnxValueInfo {
  readonly name: string;
  /** Element type name; `sequence`, `map` or `optional` for non-tensor types, `unknown` when absent. */
  readonly dtype: string;
  /** Dimensions, or `undefined` when the file gives no shape. */
  readonly shape: readonly OnnxDim[] | undefined;
}

/**
 * One attribute of a node, decoded for the types inspect reads: numbers, strings, lists of
 * numbers, a tensor (`t`, as a Constant node's `value`), a subgraph (`g`, as `If` branches and
 * `Loop`/`Scan` bodies) or several subgraphs (`graphs`).
 */
export type OnnxAttributeValue = number | string | readonly number[] | OnnxInitializer | OnnxGraph | readonly OnnxGraph[] | undefined;

/** Whether an attribute value is a subgraph. */
export function isOnnxGraph(v: OnnxAttributeValue): v is OnnxGraph {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && 'nodes' in v;
}

/** Whether an attribute value is a tensor. */
export function isOnnxTensor(v: OnnxAttributeValue): v is OnnxInitializer {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && 'dims' in v && 'elements' in v;
}

/** The subgraphs a node holds in its attributes (`If` branches, `Loop`/`Scan` bodies). */
export function subgraphsOf(node: OnnxNode): OnnxGraph[] {
  const out: OnnxGraph[] = [];
  for (const v of Object.values(node.attributes)) {
    if (isOnnxGraph(v)) out.push(v);
    else if (Array.isArray(v)) for (const g of v as readonly unknown[]) if (typeof g === 'object' && g !== null && 'nodes' in g) out.push(g as OnnxGraph);
  }
  return out;
}

/** One operator of a graph (`NodeProto`). */
export interface OnnxNode {
  readonly name: string;
  readonly opType: string;
  /** Operator domain; `""` is the default ONNX domain. */
  readonly domain: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attributes: Readonly<Record<string, OnnxAttributeValue>>;
}

/** One tensor (`TensorProto`): a weight in `graph.initializer` or a Constant node's `value`. */
export interface OnnxInitializer {
  readonly name: string;
  readonly dtype: string;
  readonly dims: readonly number[];
  /** Elements: the product of `dims`. */
  readonly elements: number;
  /** Bytes the data takes in the file or its external file. */
  readonly bytes: number;
  /** Where the data lives when it is external (`location` entry), relative to the model file. */
  readonly externalLocation?: string;
  /** Integer values, read for small int64/int32 tensors (Reshape targets, Pads). */
  readonly intValues?: readonly number[];
}

/** A graph (`GraphProto`), possibly a subgraph of `If`/`Loop`/`Scan`. */
export interface OnnxGraph {
  readonly name: string;
  readonly nodes: readonly OnnxNode[];
  readonly initializers: readonly OnnxInitializer[];
  readonly inputs: readonly OnnxValueInfo[];
  readonly outputs: readonly OnnxValueInfo[];
  /** Shapes of intermediate values that the exporter recorded. */
  readonly valueInfo: readonly OnnxValueInfo[];
}

/** An operator set the model imports. */
export interface OnnxOpset {
  /** `""` (or `ai.onnx`) is the default domain. */
  readonly domain: string;
  readonly version: number;
}

/** What `readOnnxModel` found in a `ModelProto`. */
export interface OnnxModelInfo {
  readonly irVersion: number;
  readonly producerName: string;
  readonly producerVersion: string;
  readonly opsets: readonly OnnxOpset[];
  readonly graph: OnnxGraph;
  readonly metadata: Readonly<Record<string, string>>;
}

const SMALL_INT_TENSOR = 64;

function readDim(bytes: Uint8Array, subject: string): OnnxDim {
  let dim: OnnxDim = null;
  for (const f of new ProtobufReader(bytes, subject).fields()) {
    if (f.field === 1) dim = fieldInt(f);
    else if (f.field === 2) dim = fieldText(f);
  }
  return dim;
}

function readShape(bytes: Uint8Array, subject: string): OnnxDim[] {
  const dims: OnnxDim[] = [];
  for (const f of new ProtobufReader(bytes, subject).fields()) {
    if (f.field === 1 && f.value instanceof Uint8Array) dims.push(readDim(f.value, subject));
  }
  return dims;
}

function readType(bytes: Uint8Array, subject: string): { dtype: string; shape: OnnxDim[] | undefined } {
  for (const f of new ProtobufReader(bytes, subject).fields()) {
    if (!(f.value instanceof Uint8Array)) continue;
    if (f.field === 1 || f.field === 8) {
      let dtype = 'unknown';
      let shape: OnnxDim[] | undefined;
      for (const g of new ProtobufReader(f.value, subject).fields()) {
        if (g.field === 1) dtype = onnxDataTypeName(fieldInt(g));
        else if (g.field === 2 && g.value instanceof Uint8Array) shape = readShape(g.value, subject);
      }
      return { dtype, shape };
    }
    if (f.field === 4) return { dtype: 'sequence', shape: undefined };
    if (f.field === 5) return { dtype: 'map', shape: undefined };
    if (f.field === 9) return { dtype: 'optional', shape: undefined };
  }
  return { dtype: 'unknown', shape: undefined };
}

function readValueInfo(bytes: Uint8Array, subject: string): OnnxValueInfo {
  let name = '';
  let type: { dtype: string; shape: OnnxDim[] | undefined } = { dtype: 'unknown', shape: undefined };
  for (const f of new ProtobufReader(bytes, subject).fields()) {
    if (f.field === 1) name = fieldText(f);
    else if (f.field === 2 && f.value instanceof Uint8Array) type = readType(f.value, subject);
  }
  return { name, ...type };
}

function readStringEntry(bytes: Uint8Array, subject: string): [string, string] {
  let key = '';
  let value = '';
  for (const f of new ProtobufReader(bytes, subject).fields()) {
    if (f.field === 1) key = fieldText(f);
    else if (f.field === 2) value = fieldText(f);
  }
  return [key, value];
}

function readTensor(bytes: Uint8Array, subject: string): OnnxInitializer {
  const dims: number[] = [];
  let dataType = 0;
  let name = '';
  let rawBytes = -1;
  let typedCount = 0;
  let stringBytes = 0;
  let location: string | undefined;
  let externalLength: number | undefined;
  let external = false;
  let rawData: Uint8Array | undefined;
  const ints: number[] = [];
  for (const f of new ProtobufReader(bytes, subject).fields()) {
    switch (f.field) {
      case 1:
        pushInts(f, dims, subject);
        break;
      case 2:
        dataType = fieldInt(f);
        break;
      case 4:
        typedCount += countPacked(f, 4);
        break;
      case 5:
        typedCount += countPacked(f, 'varint');
        if (f.value instanceof Uint8Array && countPacked(f, 'varint') <= SMALL_INT_TENSOR) pushInts(f, ints, subject);
        break;
      case 6:
        typedCount += 1;
        stringBytes += f.value instanceof Uint8Array ? f.value.length : 0;
        break;
      case 7:
        typedCount += countPacked(f, 'varint');
        if (countPacked(f, 'varint') <= SMALL_INT_TENSOR) pushInts(f, ints, subject);
        break;
      case 8:
        name = fieldText(f);
        break;
      case 9:
        if (f.value instanceof Uint8Array) {
          rawBytes = f.value.length;
          rawData = f.value;
        }
        break;
      case 10:
      case 11:
        typedCount += countPacked(f, f.field === 10 ? 8 : 'varint');
        break;
      case 13:
        if (f.value instanceof Uint8Array) {
          const [key, value] = readStringEntry(f.value, subject);
          if (key === 'location') location = value;
          else if (key === 'length') externalLength = Number(value);
        }
        break;
      case 14:
        external = fieldInt(f) === 1;
        break;
      default:
        break;
    }
  }
  const info = ONNX_DATA_TYPES[dataType];
  const elements = dims.reduce((a, b) => a * b, 1);
  let size: number;
  if (external || location !== undefined) size = externalLength ?? Math.ceil(elements * (info?.bytes ?? 0));
  else if (rawBytes >= 0) size = rawBytes;
  else if (dataType === 8) size = stringBytes;
  else size = Math.ceil(typedCount * (info?.bytes ?? 0));
  let intValues: number[] | undefined = ints.length > 0 ? ints : undefined;
  if (!intValues && rawData && (dataType === 7 || dataType === 6) && elements <= SMALL_INT_TENSOR && rawData.length === elements * (dataType === 7 ? 8 : 4)) {
    const view = new DataView(rawData.buffer, rawData.byteOffset, rawData.length);
    intValues = Array.from({ length: elements }, (_, i) => (dataType === 7 ? Number(view.getBigInt64(i * 8, true)) : view.getInt32(i * 4, true)));
  }
  return {
    name,
    dtype: onnxDataTypeName(dataType),
    dims,
    elements,
    bytes: size,
    ...(location !== undefined ? { externalLocation: location } : {}),
    ...(intValues ? { intValues } : {}),
  };
}

function readAttribute(bytes: Uint8Array, subject: string, depth: number): [string, OnnxAttributeValue] {
  let name = '';
  let value: OnnxAttributeValue;
  const ints: number[] = [];
  const floats: number[] = [];
  const graphs: OnnxGraph[] = [];
  for (const f of new ProtobufReader(bytes, subject).fields()) {
    switch (f.field) {
      case 1:
        name = fieldText(f);
        break;
      case 2:
        value = fieldFloat(f);
        break;
      case 3:
        value = fieldInt(f);
        break;
      case 4:
        value = fieldText(f);
        break;
      case 5:
        if (f.value instanceof Uint8Array) value = readTensor(f.value, subject);
        break;
      case 6:
        if (f.value instanceof Uint8Array) value = readGraph(f.value, subject, depth + 1);
        break;
      case 11:
        if (f.value instanceof Uint8Array) graphs.push(readGraph(f.value, subject, depth + 1));
        break;
      case 7:
        if (f.value instanceof Uint8Array) {
          const view = new DataView(f.value.buffer, f.value.byteOffset, f.value.length);
          for (let i = 0; i + 4 <= f.value.length; i += 4) floats.push(view.getFloat32(i, true));
        } else floats.push(fieldFloat(f as ProtobufField));
        break;
      case 8:
        pushInts(f, ints, subject);
        break;
      default:
        break;
    }
  }
  if (ints.length > 0) value = ints;
  else if (floats.length > 0) value = floats;
  else if (graphs.length > 0) value = graphs;
  return [name, value];
}

function readNode(bytes: Uint8Array, subject: string, depth: number): OnnxNode {
  const inputs: string[] = [];
  const outputs: string[] = [];
  const attributes: Record<string, OnnxAttributeValue> = {};
  let name = '';
  let opType = '';
  let domain = '';
  for (const f of new ProtobufReader(bytes, subject).fields()) {
    if (f.field === 1) inputs.push(fieldText(f));
    else if (f.field === 2) outputs.push(fieldText(f));
    else if (f.field === 3) name = fieldText(f);
    else if (f.field === 4) opType = fieldText(f);
    else if (f.field === 7) domain = fieldText(f);
    else if (f.field === 5 && f.value instanceof Uint8Array) {
      const [key, value] = readAttribute(f.value, subject, depth);
      attributes[key] = value;
    }
  }
  return { name, opType, domain, inputs, outputs, attributes };
}

function readGraph(bytes: Uint8Array, subject: string, depth = 0): OnnxGraph {
  if (depth > 32) throw new ServableError('MODEL_LOAD_FAILED', `${subject}: expected subgraphs nested at most 32 deep, got deeper — the file is malformed`);
  const nodes: OnnxNode[] = [];
  const initializers: OnnxInitializer[] = [];
  const inputs: OnnxValueInfo[] = [];
  const outputs: OnnxValueInfo[] = [];
  const valueInfo: OnnxValueInfo[] = [];
  let name = '';
  for (const f of new ProtobufReader(bytes, subject).fields()) {
    if (!(f.value instanceof Uint8Array)) continue;
    if (f.field === 1) nodes.push(readNode(f.value, subject, depth));
    else if (f.field === 2) name = fieldText(f);
    else if (f.field === 5) initializers.push(readTensor(f.value, subject));
    else if (f.field === 11) inputs.push(readValueInfo(f.value, subject));
    else if (f.field === 12) outputs.push(readValueInfo(f.value, subject));
    else if (f.field === 13) valueInfo.push(readValueInfo(f.value, subject));
  }
  const initializerNames = new Set(initializers.map((i) => i.name));
  return { name, nodes, initializers, inputs: inputs.filter((i) => !initializerNames.has(i.name)), outputs, valueInfo };
}

/**
 * Reads an ONNX `ModelProto`: opsets, graph inputs and outputs with symbolic dimensions,
 * nodes with their attributes, and initializers' types, dimensions and sizes (external data
 * sizes from their `length` entries). Weights themselves are not decoded.
 *
 * @param bytes - the `.onnx` file
 * @param subject - named in errors, such as the file name
 * @throws ServableError `MODEL_LOAD_FAILED` when the bytes are not a well-formed ONNX model
 */
export function readOnnxModel(bytes: Uint8Array, subject = 'model.onnx'): OnnxModelInfo {
  let irVersion = 0;
  let producerName = '';
  let producerVersion = '';
  const opsets: OnnxOpset[] = [];
  const metadata: Record<string, string> = {};
  let graph: OnnxGraph | undefined;
  for (const f of new ProtobufReader(bytes, subject).fields()) {
    if (f.field === 1) irVersion = fieldInt(f);
    else if (f.field === 2) producerName = fieldText(f);
    else if (f.field === 3) producerVersion = fieldText(f);
    else if (f.field === 7 && f.value instanceof Uint8Array) graph = readGraph(f.value, subject);
    else if (f.field === 8 && f.value instanceof Uint8Array) {
      let domain = '';
      let version = 0;
      for (const g of new ProtobufReader(f.value, subject).fields()) {
        if (g.field === 1) domain = fieldText(g);
        else if (g.field === 2) version = fieldInt(g);
      }
      opsets.push({ domain, version });
    } else if (f.field === 14 && f.value instanceof Uint8Array) {
      const [key, value] = readStringEntry(f.value, subject);
      metadata[key] = value;
    }
  }
  if (!graph || irVersion <= 0) {
    throw new ServableError(
      'MODEL_LOAD_FAILED',
      `${subject}: expected an ONNX ModelProto with ir_version and a graph, got ${graph ? 'no ir_version' : 'no graph'} — the file is truncated or not an ONNX model`,
      { details: { subject, expected: 'ModelProto', received: graph ? 'no ir_version' : 'no graph' } },
    );
  }
  return { irVersion, producerName, producerVersion, opsets, graph, metadata };
}
