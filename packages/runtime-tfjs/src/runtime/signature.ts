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
