import { ServableError, type DType, type Dim, type ModelSignature, type TensorSpec } from '@servable/core';

/** Element types tfjs tensors can hold that Servable maps one to one. */
const TFJS_DTYPES: Readonly<Record<string, DType>> = { float32: 'float32', int32: 'int32', bool: 'bool', string: 'string' };

/**
 * Maps a tfjs shape to a Servable one: an unknown (`null` or `-1`) first dimension becomes the
 * symbolic `"batch"`, any other unknown dimension `"d<index>"`.
 */
export function toServableShape(shape: readonly (number | null | undefined)[] | undefined): Dim[] {
  if (!shape) return ['batch'];
  return shape.map((d, i) => (d === null || d === undefined || d < 0 ? (i === 0 ? 'batch' : `d${i}`) : d));
}

/**
 * Maps a tfjs dtype to a Servable one.
 * @throws ServableError `DTYPE_MISMATCH` for dtypes Servable does not carry (complex64)
 */
export function toServableDType(dtype: string | undefined, subject: string): DType {
  const mapped = TFJS_DTYPES[dtype ?? 'float32'];
  if (!mapped) {
    throw new ServableError('DTYPE_MISMATCH', `${subject}: expected a dtype of float32, int32, bool or string, got ${String(dtype)} — tfjs models served by Servable must use these dtypes`, {
      details: { subject, expected: 'float32 | int32 | bool | string', received: String(dtype) },
    });
  }
  return mapped;
}

/** TensorFlow `DataType` names in a model.json signature, mapped as tfjs maps them when it loads a graph. */
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
  DT_COMPLEX64: 'complex64',
};

/** An entry of a model.json `signature` (`inputs` or `outputs`), as the converter writes it. */
export interface GraphSignatureEntry {
  /** The tensor, `node:index`. */
  readonly name?: string;
  /** A TensorFlow `DataType` name such as `DT_FLOAT`. */
  readonly dtype?: string;
  readonly tensorShape?: { readonly dim?: readonly { readonly size?: string | number }[]; readonly unknownRank?: boolean };
}

/** The `signature` of a graph model.json. */
export interface GraphSignature {
  readonly inputs?: Readonly<Record<string, GraphSignatureEntry>>;
  readonly outputs?: Readonly<Record<string, GraphSignatureEntry>>;
}

/**
 * The name Servable gives a graph-model input or output: its tensor name without the `:0` of
 * the first output of a node (`input:0` → `input`), which is also the node name tfjs reports in
 * `model.inputs` and takes in `execute`. `servable inspect` and `predict` both use this rule.
 */
export function graphTensorName(tensor: string): string {
  return tensor.replace(/:0$/, '');
}

/** What a signature entry says about a tensor: its tfjs dtype and shape (`-1` as `null`). */
export function fromSignatureEntry(entry: GraphSignatureEntry): { dtype?: string; shape?: (number | null)[] } {
  const dtype = entry.dtype ? TF_DATA_TYPES[entry.dtype] ?? entry.dtype : undefined;
  const dims = entry.tensorShape?.unknownRank ? undefined : entry.tensorShape?.dim;
  const shape = dims?.map((d) => {
    const n = Number(d.size ?? -1);
    return n >= 0 ? n : null;
  });
  return { ...(dtype ? { dtype } : {}), ...(shape ? { shape } : {}) };
}

/** Finds the signature entry of a tensor by its name (`logits` matches `logits:0`). */
export function signatureEntryFor(entries: Readonly<Record<string, GraphSignatureEntry>> | undefined, name: string): GraphSignatureEntry | undefined {
  if (!entries) return undefined;
  for (const [key, e] of Object.entries(entries)) {
    const tensor = e.name ?? key;
    if (graphTensorName(tensor) === name || tensor === name) return e;
  }
  return undefined;
}

/** One tfjs input or output as the model reports it. */
export interface TfjsTensorInfo {
  readonly name: string;
  readonly shape?: readonly (number | null)[] | null;
  readonly dtype?: string;
}

/** Builds a {@link ModelSignature} from tfjs input and output descriptions. */
export function buildSignature(inputs: readonly TfjsTensorInfo[], outputs: readonly TfjsTensorInfo[]): ModelSignature {
  const spec = (info: TfjsTensorInfo, kind: string): TensorSpec => ({
    name: info.name,
    dtype: toServableDType(info.dtype, `${kind} "${info.name}"`),
    shape: toServableShape(info.shape ?? undefined),
  });
  return { inputs: inputs.map((i) => spec(i, 'input')), outputs: outputs.map((o) => spec(o, 'output')) };
}
