import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { createTensor, decodeImage, isDType, isTensor, ServableError, float32ToFloat16, type DType, type PredictInput, type Tensor } from '@servable/core';

function jsonTensor(value: Record<string, unknown>, subject: string): Tensor {
  const dtype = value.dtype as DType;
  const shape = value.shape as number[];
  const data = value.data as unknown[];
  if (!isDType(dtype)) throw new ServableError('INVALID_INPUT', `${subject} dtype: expected a dtype such as "float32", got ${JSON.stringify(dtype)}`);
  const flat = (data as unknown[]).flat(Infinity as 1) as unknown[];
  try {
    switch (dtype) {
      case 'string':
        return createTensor('string', shape, flat.map(String));
      case 'int64':
        return createTensor('int64', shape, BigInt64Array.from(flat, (v) => BigInt(v as number)));
      case 'uint64':
        return createTensor('uint64', shape, BigUint64Array.from(flat, (v) => BigInt(v as number)));
      case 'bool':
        return createTensor('bool', shape, Uint8Array.from(flat, (v) => (v ? 1 : 0)));
      case 'float16':
        return createTensor('float16', shape, float32ToFloat16(flat as number[]));
      default: {
        const ctor = { float32: Float32Array, float64: Float64Array, int8: Int8Array, int16: Int16Array, int32: Int32Array, uint8: Uint8Array, uint16: Uint16Array, uint32: Uint32Array }[dtype];
        return createTensor(dtype, shape, ctor.from(flat as number[]) as never);
      }
    }
  } catch (e) {
    if (ServableError.isInstance(e)) throw new ServableError(e.code, `${subject}: ${e.message}`, { cause: e });
    throw e;
  }
}

function looksLikeJsonTensor(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && 'dtype' in v && 'shape' in v && 'data' in v && Array.isArray((v as { data: unknown }).data);
}

/**
 * Reads what `servable predict` takes: a PNG or JPEG (decoded to an image the manifest's
 * preprocessing applies to) or JSON — nested arrays, a record keyed by input name, or tensors
 * written as `{ "dtype", "shape", "data" }`.
 * @param path - the file
 * @param shown - the file as the user named it, for messages
 * @throws ServableError `INVALID_INPUT` naming the file and what is wrong with it
 */
export async function readInputFile(path: string, shown = basename(path)): Promise<PredictInput> {
  const name = shown;
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (cause) {
    throw new ServableError('INVALID_INPUT', `input file "${name}": expected a readable .json, .png or .jpg file, got ${(cause as NodeJS.ErrnoException).code ?? 'an error'} — check the path`, { cause });
  }
  const isPng = bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47;
  const isJpeg = bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
  if (isPng || isJpeg) {
    try {
      return await decodeImage(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    } catch (cause) {
      if (ServableError.isInstance(cause)) throw new ServableError(cause.code, cause.message.replace(/^image bytes/, `input file "${name}"`), { cause, details: cause.details });
      throw cause;
    }
  }
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch (cause) {
    throw new ServableError('INVALID_INPUT', `input file "${name}": expected JSON (nested arrays, a record by input name, or {dtype, shape, data}), a PNG or a JPEG, got text that does not parse (${(cause as Error).message})`, { cause });
  }
  if (looksLikeJsonTensor(value)) return jsonTensor(value, `input file "${name}"`);
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && !isTensor(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = looksLikeJsonTensor(v) ? jsonTensor(v, `input file "${name}" input "${k}"`) : v;
    return out as PredictInput;
  }
  return value as PredictInput;
}
