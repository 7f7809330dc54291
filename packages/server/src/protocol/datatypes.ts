import { ServableError, type DType } from '@servable/core';

/** Open Inference Protocol tensor datatypes. */
export type OipDatatype = 'BOOL' | 'UINT8' | 'UINT16' | 'UINT32' | 'UINT64' | 'INT8' | 'INT16' | 'INT32' | 'INT64' | 'FP16' | 'FP32' | 'FP64' | 'BYTES';

const TO_DTYPE: Record<OipDatatype, DType> = {
  BOOL: 'bool',
  UINT8: 'uint8',
  UINT16: 'uint16',
  UINT32: 'uint32',
  UINT64: 'uint64',
  INT8: 'int8',
  INT16: 'int16',
  INT32: 'int32',
  INT64: 'int64',
  FP16: 'float16',
  FP32: 'float32',
  FP64: 'float64',
  BYTES: 'string',
};

const TO_OIP = Object.fromEntries(Object.entries(TO_DTYPE).map(([k, v]) => [v, k])) as Record<DType, OipDatatype>;

/** The core dtype of an OIP datatype. */
export function dtypeOfDatatype(datatype: unknown, subject: string): DType {
  const d = typeof datatype === 'string' ? TO_DTYPE[datatype as OipDatatype] : undefined;
  if (!d) {
    throw new ServableError('INVALID_INPUT', `${subject} datatype: expected one of ${Object.keys(TO_DTYPE).join(', ')}, got ${JSON.stringify(datatype)}`);
  }
  return d;
}

/** The OIP datatype of a core dtype. */
export function datatypeOfDtype(dtype: DType): OipDatatype {
  return TO_OIP[dtype];
}

/** OIP model metadata shape: symbolic dimensions are -1. */
export function metadataShape(shape: readonly (number | string)[]): number[] {
  return shape.map((d) => (typeof d === 'number' && d >= 0 ? d : -1));
}
