import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ServableError, type DType, type ModelFormat } from '@servable/core';
import { planSyntheticInputs } from '../measure/synthetic-shapes.js';
import { estimateFlops, type FlopsEstimate } from './flops.js';
import { countOnnxParameters, type ParameterGroup, type ParameterSources } from './onnx-parameters.js';
import { readOnnxModel, subgraphsOf, type OnnxDim } from './onnx-reader.js';
import { estimateTfjsLayersFlops, type TfjsLayerJson } from './tfjs-flops.js';

/** An input or output with its symbolic dimensions kept. */
export interface SummaryTensor {
  readonly name: string;
  readonly dtype: string;
  /** `null` marks a dimension the file leaves unknown; `undefined` shape: no shape given. */
  readonly shape: readonly OnnxDim[] | undefined;
}

export type { ParameterGroup, ParameterSources } from './onnx-parameters.js';

/** What the file says about a model, read without an engine. */
export interface ModelSummary {
  readonly format: ModelFormat;
  /** ONNX: `ir_version`, producer; TensorFlow.js: the converter or Keras version. */
  readonly producer: string;
  readonly irVersion?: number;
  /** Operator sets (ONNX), such as `ai.onnx 13`. */
  readonly opsets: readonly { readonly domain: string; readonly version: number }[];
  readonly inputs: readonly SummaryTensor[];
  readonly outputs: readonly SummaryTensor[];
  readonly parameters: {
    readonly total: number;
    readonly bytes: number;
    /** Bytes held in external data files (ONNX) or weight shards (TensorFlow.js). */
    readonly externalBytes: number;
    readonly byDtype: readonly ParameterGroup[];
    /** ONNX: where the constant tensors live (initializers, Constant nodes, subgraphs). */
    readonly sources?: ParameterSources;
  };
  /** Operator (ONNX) or layer / op (TensorFlow.js) counts, most frequent first. */
  readonly operators: readonly { readonly opType: string; readonly count: number }[];
  /** FLOPs per example (ONNX, and TensorFlow.js layers models). */
  readonly flops?: FlopsEstimate;
}

function histogram(names: readonly string[]): { opType: string; count: number }[] {
  const m = new Map<string, number>();
  for (const n of names) m.set(n, (m.get(n) ?? 0) + 1);
  return [...m.entries()].map(([opType, count]) => ({ opType, count })).sort((a, b) => b.count - a.count || a.opType.localeCompare(b.opType));
}

function group(entries: readonly { dtype: string; elements: number; bytes: number }[]): ParameterGroup[] {
  const m = new Map<string, ParameterGroup>();
  for (const e of entries) {
    const g = m.get(e.dtype) ?? { dtype: e.dtype, tensors: 0, parameters: 0, bytes: 0 };
    m.set(e.dtype, { dtype: e.dtype, tensors: g.tensors + 1, parameters: g.parameters + e.elements, bytes: g.bytes + e.bytes });
  }
  return [...m.values()].sort((a, b) => b.bytes - a.bytes);
}

/** Summarizes an ONNX file: signature, parameters by dtype, operator histogram, FLOPs. */
export function summarizeOnnx(bytes: Uint8Array, subject: string): ModelSummary {
  const model = readOnnxModel(bytes, subject);
  const g = model.graph;
  const allNodes: string[] = [];
  const walk = (nodes: typeof g.nodes) => {
    for (const n of nodes) {
      allNodes.push(n.domain && n.domain !== 'ai.onnx' ? `${n.domain}.${n.opType}` : n.opType);
      for (const sub of subgraphsOf(n)) walk(sub.nodes);
    }
  };
  walk(g.nodes);
  const parameters = countOnnxParameters(g);
  // FLOPs at the sizes the synthetic inputs of a measurement take: one example, 224×224 images.
  let unnamed = 0;
  const declared = { inputs: g.inputs.map((i) => ({ name: i.name, dtype: i.dtype as DType, shape: (i.shape ?? []).map((d) => (d === null ? `?${unnamed++}` : d)) })), outputs: [] };
  const plan = planSyntheticInputs(declared, [], [1], [1]);
  const dimSizes: Record<string, number> = Object.fromEntries([...Object.entries(plan.dims).map(([k, v]) => [k, v.size] as const), ...plan.batchDims.map((b) => [b, 1] as const)]);
  return {
    format: 'onnx',
    producer: [model.producerName, model.producerVersion].filter(Boolean).join(' ') || 'unknown',
    irVersion: model.irVersion,
    opsets: model.opsets.map((o) => ({ domain: o.domain || 'ai.onnx', version: o.version })),
    inputs: g.inputs.map(({ name, dtype, shape }) => ({ name, dtype, shape })),
    outputs: g.outputs.map(({ name, dtype, shape }) => ({ name, dtype, shape })),
    parameters,
    operators: histogram(allNodes),
    flops: estimateFlops(g, dimSizes),
  };
}

interface TfjsModelJson {
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  modelTopology?: {
    node?: { op?: string }[];
    model_config?: { config?: { layers?: TfjsLayerJson[] } };
    config?: { layers?: TfjsLayerJson[] };
    keras_version?: string;
  };
  weightsManifest?: { paths?: string[]; weights?: { name: string; shape: number[]; dtype: string }[] }[];
  signature?: { inputs?: Record<string, TfjsTensorInfo>; outputs?: Record<string, TfjsTensorInfo> };
}

interface TfjsTensorInfo {
  name?: string;
  dtype?: string;
  tensorShape?: { dim?: { size?: string }[] };
}

/** TensorFlow `DataType` names as tfjs maps them when it loads a graph. */
const TF_DATA_TYPES: Readonly<Record<string, string>> = {
  DT_FLOAT: 'float32',
  DT_HALF: 'float32',
  DT_DOUBLE: 'float32',
  DT_INT32: 'int32',
  DT_INT64: 'int32',
  DT_INT8: 'int32',
  DT_UINT8: 'int32',
  DT_INT16: 'int32',
  DT_UINT16: 'int32',
  DT_BOOL: 'bool',
  DT_STRING: 'string',
};

const TFJS_DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, string: 0, complex64: 8 };

/** Summarizes a TensorFlow.js model.json: weights by dtype, layer or op histogram, FLOPs for layers models. */
export function summarizeTfjs(path: string, format: ModelFormat): ModelSummary {
  let json: TfjsModelJson;
  try {
    json = JSON.parse(readFileSync(path, 'utf8')) as TfjsModelJson;
  } catch (cause) {
    throw new ServableError('MODEL_LOAD_FAILED', `model.json "${path}": expected TensorFlow.js model JSON, got text that does not parse — re-export the model`, { cause });
  }
  const weights = (json.weightsManifest ?? []).flatMap((g) => g.weights ?? []);
  const entries = weights.map((w) => {
    const elements = w.shape.reduce((a, b) => a * b, 1);
    return { dtype: w.dtype, elements, bytes: elements * (TFJS_DTYPE_BYTES[w.dtype] ?? 4) };
  });
  const byDtype = group(entries);
  const topo = json.modelTopology;
  const layers = topo?.model_config?.config?.layers ?? topo?.config?.layers ?? [];
  const ops = topo?.node ? topo.node.map((n) => n.op ?? '?') : layers.map((l) => l.class_name ?? '?');
  // Named as runtime-tfjs names them, so `inspect` and `predict` agree: the tensor name without
  // ":0", the dtype tfjs gives it, an unknown first dimension "batch" and any other "d<axis>".
  const toSummary = (m: Record<string, TfjsTensorInfo> | undefined): SummaryTensor[] =>
    Object.entries(m ?? {}).map(([key, t]) => ({
      name: (t.name ?? key).replace(/:0$/, ''),
      dtype: TF_DATA_TYPES[t.dtype ?? ''] ?? (t.dtype ?? 'unknown').replace(/^DT_/, '').toLowerCase(),
      shape: t.tensorShape?.dim?.map((d, i) => (Number(d.size ?? -1) >= 0 ? Number(d.size) : i === 0 ? 'batch' : `d${i}`)),
    }));
  const shardBytes = (json.weightsManifest ?? []).flatMap((g) => g.paths ?? []).reduce((sum, p) => {
    try {
      return sum + readFileSync(join(dirname(path), p)).length;
    } catch {
      return sum;
    }
  }, 0);
  return {
    format,
    producer: [json.generatedBy, json.convertedBy, topo?.keras_version ? `keras ${topo.keras_version}` : undefined].filter(Boolean).join(', ') || 'TensorFlow.js',
    opsets: [],
    inputs: toSummary(json.signature?.inputs),
    outputs: toSummary(json.signature?.outputs),
    parameters: {
      total: byDtype.reduce((a, b) => a + b.parameters, 0),
      bytes: byDtype.reduce((a, b) => a + b.bytes, 0),
      externalBytes: shardBytes,
      byDtype,
    },
    operators: histogram(ops),
    ...(topo?.node ? {} : { flops: estimateTfjsLayersFlops(layers) }),
  };
}
