import { isOnnxTensor, subgraphsOf, type OnnxGraph, type OnnxInitializer, type OnnxNode } from './onnx-reader.js';

/** Parameters of one dtype. */
export interface ParameterGroup {
  readonly dtype: string;
  readonly tensors: number;
  readonly parameters: number;
  readonly bytes: number;
}

/** Where a model keeps its constant tensors, with what each place holds. */
export interface ParameterSources {
  /** `graph.initializer` of the main graph. */
  readonly initializers: { readonly tensors: number; readonly parameters: number };
  /** `Constant` nodes of the main graph (paddle2onnx and some TorchScript exports keep every weight there). */
  readonly constantNodes: { readonly tensors: number; readonly parameters: number };
  /** Initializers and `Constant` nodes inside subgraphs: `If` branches, `Loop` and `Scan` bodies. */
  readonly subgraphs: { readonly tensors: number; readonly parameters: number; readonly graphs: number };
}

/** Every constant tensor of a model, counted. */
export interface ParameterCount {
  readonly total: number;
  readonly bytes: number;
  /** Bytes held in external data files. */
  readonly externalBytes: number;
  readonly byDtype: readonly ParameterGroup[];
  readonly sources: ParameterSources;
}

const SCALAR_ATTRIBUTE_DTYPES: Readonly<Record<string, { dtype: string; bytes: number }>> = {
  value_float: { dtype: 'float32', bytes: 4 },
  value_floats: { dtype: 'float32', bytes: 4 },
  value_int: { dtype: 'int64', bytes: 8 },
  value_ints: { dtype: 'int64', bytes: 8 },
};

/** The tensor a `Constant` node makes, from whichever `value*` attribute it uses. */
export function constantNodeTensor(node: OnnxNode): Pick<OnnxInitializer, 'dtype' | 'elements' | 'bytes' | 'dims'> | undefined {
  const value = node.attributes.value;
  if (isOnnxTensor(value)) return value;
  for (const [name, kind] of Object.entries(SCALAR_ATTRIBUTE_DTYPES)) {
    const v = node.attributes[name];
    if (v === undefined) continue;
    const elements = Array.isArray(v) ? v.length : 1;
    return { dtype: kind.dtype, elements, bytes: elements * kind.bytes, dims: Array.isArray(v) ? [elements] : [] };
  }
  return undefined;
}

/**
 * Counts every constant tensor of an ONNX graph: the initializers, the tensors of `Constant`
 * nodes, and both again inside every subgraph (`If` branches, `Loop`/`Scan` bodies), recursively.
 * Exporters differ in where they put weights, so counting initializers alone reports 0 for
 * paddle2onnx models and misses the weights of TorchScript `If` branches.
 */
export function countOnnxParameters(graph: OnnxGraph): ParameterCount {
  const groups = new Map<string, { dtype: string; tensors: number; parameters: number; bytes: number }>();
  let externalBytes = 0;
  const top = { initializers: { tensors: 0, parameters: 0 }, constantNodes: { tensors: 0, parameters: 0 }, subgraphs: { tensors: 0, parameters: 0, graphs: 0 } };
  const add = (t: Pick<OnnxInitializer, 'dtype' | 'elements' | 'bytes'> & { externalLocation?: string }, bucket: { tensors: number; parameters: number }) => {
    const g = groups.get(t.dtype) ?? { dtype: t.dtype, tensors: 0, parameters: 0, bytes: 0 };
    g.tensors++;
    g.parameters += t.elements;
    g.bytes += t.bytes;
    groups.set(t.dtype, g);
    bucket.tensors++;
    bucket.parameters += t.elements;
    if (t.externalLocation !== undefined) externalBytes += t.bytes;
  };
  const walk = (g: OnnxGraph, nested: boolean) => {
    for (const init of g.initializers) add(init, nested ? top.subgraphs : top.initializers);
    for (const node of g.nodes) {
      if (node.opType === 'Constant' && (node.domain === '' || node.domain === 'ai.onnx')) {
        const t = constantNodeTensor(node);
        if (t) add(t, nested ? top.subgraphs : top.constantNodes);
      }
      for (const sub of subgraphsOf(node)) {
        top.subgraphs.graphs++;
        walk(sub, true);
      }
    }
  };
  walk(graph, false);
  const byDtype = [...groups.values()].sort((a, b) => b.bytes - a.bytes);
  return {
    total: byDtype.reduce((a, b) => a + b.parameters, 0),
    bytes: byDtype.reduce((a, b) => a + b.bytes, 0),
    externalBytes,
    byDtype,
    sources: top,
  };
}
