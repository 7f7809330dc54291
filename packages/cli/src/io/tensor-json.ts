import { float16ToFloat32, type Tensor, type TensorMap } from '@servable/core';

/** A tensor as plain JSON: 64-bit integers as numbers when safe, as strings otherwise; float16 as floats. */
export function tensorToJson(t: Tensor): { dtype: string; shape: number[]; data: (number | string | boolean)[] } {
  let data: (number | string | boolean)[];
  if (t.dtype === 'int64' || t.dtype === 'uint64') {
    data = Array.from(t.data as BigInt64Array, (v: bigint) => (v <= BigInt(Number.MAX_SAFE_INTEGER) && v >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(v) : v.toString()));
  } else if (t.dtype === 'float16') data = Array.from(float16ToFloat32(t.data as Uint16Array));
  else if (t.dtype === 'bool') data = Array.from(t.data as Uint8Array, (v) => v !== 0);
  else if (t.dtype === 'string') data = [...(t.data as string[])];
  else data = Array.from(t.data as ArrayLike<number>);
  return { dtype: t.dtype, shape: [...t.shape], data };
}

/** Every tensor of a map as JSON. */
export function tensorMapToJson(map: TensorMap): Record<string, ReturnType<typeof tensorToJson>> {
  return Object.fromEntries(Object.entries(map).map(([k, v]) => [k, tensorToJson(v)]));
}

/** `name float32 [1, 10]: 0.1, 0.2, … (10 values)` with at most `limit` values. */
export function formatTensorLine(name: string, t: Tensor, limit = 16): string {
  const j = tensorToJson(t);
  const shown = j.data.slice(0, limit).map((v) => (typeof v === 'number' && !Number.isInteger(v) ? Number(v.toPrecision(6)) : v));
  const more = j.data.length > limit ? `, … (${j.data.length} values)` : '';
  return `${name}  ${t.dtype}  [${t.shape.join(', ')}]  ${shown.join(', ')}${more}`;
}
