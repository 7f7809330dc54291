import { ServableError, float16BitsToFloat32, type ImageInput, type Tensor } from '@servable/core';

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function imageFrom(spec: Record<string, unknown>, subject: string): ImageInput {
  const { width, height, channels } = spec;
  if (typeof width !== 'number' || typeof height !== 'number' || !Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new ServableError('INVALID_INPUT', `${subject}: expected positive integer "width" and "height", got ${JSON.stringify(width)} × ${JSON.stringify(height)}`);
  }
  if (channels !== undefined && channels !== 1 && channels !== 3 && channels !== 4) {
    throw new ServableError('INVALID_INPUT', `${subject} channels: expected 1, 3 or 4, got ${JSON.stringify(channels)}`);
  }
  const c = (channels as 1 | 3 | 4 | undefined) ?? undefined;
  const expected = width * height * (c ?? 1);
  let data: Uint8Array;
  if (typeof spec.b64 === 'string') {
    data = new Uint8Array(Buffer.from(spec.b64, 'base64'));
  } else if (Array.isArray(spec.data)) {
    if (spec.data.length > width * height * 4) {
      throw new ServableError('INVALID_INPUT', `${subject} data: expected at most ${width * height * 4} pixel values for ${width}×${height}, got ${spec.data.length}`);
    }
    data = new Uint8Array(spec.data.length);
    for (let i = 0; i < spec.data.length; i++) {
      const v = spec.data[i];
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 255) {
        throw new ServableError('INVALID_INPUT', `${subject} data[${i}]: expected an integer pixel value 0–255, got ${JSON.stringify(v)?.slice(0, 20)}`);
      }
      data[i] = v;
    }
  } else {
    throw new ServableError('INVALID_INPUT', `${subject}: expected "data" (pixel values 0–255) or "b64" (base64 of raw pixels), got neither`);
  }
  if (c !== undefined && data.length !== expected) {
    throw new ServableError('INVALID_INPUT', `${subject}: expected ${expected} bytes for ${width}×${height}×${c}, got ${data.length}`);
  }
  return c === undefined ? { data, width, height } : { data, width, height, channels: c };
}

/**
 * Turns a JSON value of the simple route into what the predictor takes: `{"image": {...}}` and
 * `{"b64": ..., "width", "height"}` objects become images (raw pixels, interleaved channels);
 * everything else passes through.
 */
export function convertSimpleValue(value: unknown, subject: string): unknown {
  if (Array.isArray(value)) {
    if (value.length > 0 && isObject(value[0])) return value.map((v, i) => convertSimpleValue(v, `${subject}[${i}]`));
    return value;
  }
  if (!isObject(value)) return value;
  if (isObject(value.image) && Object.keys(value).length === 1) return imageFrom(value.image, `${subject} image`);
  if (typeof value.b64 === 'string') return imageFrom(value, `${subject} b64 image`);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = convertSimpleValue(v, `input "${k}"`);
  return out;
}

/**
 * The predictor input of a simple-route body: `{"inputs": X}` as is, or `{"instances": [...]}`
 * (TF Serving style) as a batch — records keyed by input name are turned into one record of batches.
 * @throws ServableError `INVALID_INPUT` when neither key is present
 */
export function simpleBodyToInput(body: Record<string, unknown>): unknown {
  if ('inputs' in body) return convertSimpleValue(body.inputs, 'inputs');
  if ('instances' in body) {
    const instances = body.instances;
    if (!Array.isArray(instances) || instances.length === 0) {
      throw new ServableError('INVALID_INPUT', `instances: expected a non-empty array of examples, got ${JSON.stringify(instances)?.slice(0, 40)}`);
    }
    const converted = instances.map((v, i) => convertSimpleValue(v, `instances[${i}]`));
    const first = converted[0];
    const isRecord = (v: unknown): v is Record<string, unknown> =>
      isObject(v) && !('data' in v && 'width' in v && 'height' in v);
    if (isRecord(first)) {
      const batch: Record<string, unknown[]> = {};
      converted.forEach((inst, i) => {
        if (!isRecord(inst)) throw new ServableError('INVALID_INPUT', `instances[${i}]: expected a record like instances[0], got ${typeof inst}`);
        for (const [k, v] of Object.entries(inst)) (batch[k] ??= []).push(v);
      });
      return batch;
    }
    return converted;
  }
  throw new ServableError('INVALID_INPUT', 'request body: expected {"inputs": ...} or {"instances": [...]}, got neither key');
}

function element(t: Tensor, i: number): unknown {
  const v = (t.data as ArrayLike<unknown>)[i];
  if (typeof v === 'bigint') return Number(v);
  if (t.dtype === 'float16') return float16BitsToFloat32(v as number);
  if (t.dtype === 'bool') return v === 1;
  return v;
}

/** A tensor as nested JSON arrays following its shape. */
export function tensorToNested(t: Tensor): unknown {
  const shape = t.shape;
  if (shape.length === 0) return element(t, 0);
  let index = 0;
  const build = (axis: number): unknown[] => {
    const n = shape[axis]!;
    const out: unknown[] = new Array(n);
    for (let i = 0; i < n; i++) out[i] = axis === shape.length - 1 ? element(t, index++) : build(axis + 1);
    return out;
  };
  return build(0);
}
