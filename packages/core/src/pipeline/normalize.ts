import { ServableError, describeMismatch } from '../errors/servable-error.js';
import type { ImagePreprocessing, ModelManifest } from '../model/manifest.js';
import type { RuntimeWarning } from '../model/runtime.js';
import { formatSpec, type ModelSignature, type TensorSpec } from '../model/signature.js';
import { isFloatDType } from '../tensor/dtype.js';
import { float16BitsToFloat32 } from '../tensor/float16.js';
import { formatShape, isTensor, shapeSize, type Tensor, type TensorMap } from '../tensor/tensor.js';
import { coerceValues, flattenNested, type CoerceOptions } from './coerce.js';
import { isImageInput, preprocessImage, type ImageInput } from './image.js';
import { describeEncodedImage, stringIntoNumbersFix } from './encoded-input.js';
import type { PredictInput } from './predict-input.js';
import { checkTensorAgainstSpec } from './validate-feeds.js';

export type { PredictInput } from './predict-input.js';

/** The result of normalization: feeds ready for `model.run`, and whether the caller gave one example. */
export interface NormalizedInput {
  /** Tensors by input name, checked against the signature, with the batch axis first. */
  readonly feeds: TensorMap;
  /** True when the input was one example and the batch axis was added (and must be removed from outputs). */
  readonly single: boolean;
  /** Number of examples in the batch. */
  readonly batchSize: number;
  /** What the input went in as that is likely a mistake (an 8-bit image into a float input unscaled). */
  readonly warnings: readonly RuntimeWarning[];
}

/**
 * The warning for an 8-bit image that goes into a float input as raw 0–255 values because the
 * manifest declares no scale or mean/std: models are mostly trained on [0, 1] or normalized pixels.
 */
function rawPixelsWarning(spec: TensorSpec, steps: ImagePreprocessing | undefined): RuntimeWarning {
  return {
    type: 'degraded',
    setting: 'preprocessing.image',
    message:
      `input "${spec.name}": an 8-bit image went into this ${spec.dtype} input as raw 0–255 values, because ${steps ? 'preprocessing.image has no scale or mean/std' : 'the model has no preprocessing.image'} — ` +
      `if the model was trained on pixels in [0, 1], add "preprocessing": { "image": { "scale": 0.00392156862745098 } } to servable.json (or pass { manifest } to loadModel), or pass floats already scaled`,
  };
}

function subjectOf(spec: TensorSpec): string {
  return `input "${spec.name}"`;
}

function exampleDims(spec: TensorSpec): readonly (number | string)[] {
  return spec.shape.slice(1);
}

function batchable(spec: TensorSpec): boolean {
  const d0 = spec.shape[0];
  return spec.shape.length > 0 && (typeof d0 === 'string' || d0 === 1);
}

function rankHint(spec: TensorSpec, got: readonly number[]): string | undefined {
  const last = got[got.length - 1];
  if (got.length === spec.shape.length + 1 && (last === 3 || last === 4 || last === 1)) {
    return 'drop the channel axis, or pass an image {data, width, height, channels} so the manifest\'s preprocessing applies';
  }
  return `give one example ${formatShape(exampleDims(spec))} or a batch ${formatShape(spec.shape)}`;
}

/** True when `got` is one example with a trailing channel axis the input does not have ([28, 28, 3] for [batch, 28, 28]). */
function hasExtraChannelAxis(spec: TensorSpec, got: readonly number[]): boolean {
  const rank = spec.shape.length;
  const last = got[rank - 1];
  const want = spec.shape[rank - 1];
  if (got.length !== rank || rank < 3 || last === undefined || ![1, 3, 4].includes(last) || typeof want !== 'number' || want === last) return false;
  return exampleDims(spec).every((d, i) => typeof d === 'string' || d === got[i]);
}

function channelAxisError(spec: TensorSpec, got: readonly number[], dtype: string): ServableError {
  return new ServableError(
    'SHAPE_MISMATCH',
    describeMismatch(subjectOf(spec), formatSpec(spec), `${formatShape(got)} (${dtype})`, 'drop the channel axis or set preprocessing.image.grayscale, and pass an image {data, width, height, channels}'),
    { details: { subject: spec.name, expected: formatShape(spec.shape), received: formatShape(got) } },
  );
}

function convertTensor(t: Tensor, spec: TensorSpec, options: CoerceOptions): Tensor {
  if (t.dtype === spec.dtype) return t;
  if (t.dtype === 'string' || spec.dtype === 'string') {
    throw new ServableError('DTYPE_MISMATCH', describeMismatch(subjectOf(spec), formatSpec(spec), `${formatShape(t.shape)} (${t.dtype})`, `convert the data to ${spec.dtype}`));
  }
  const source: ArrayLike<unknown> = t.dtype === 'float16' ? Array.from(t.data as Uint16Array, float16BitsToFloat32) : (t.data as ArrayLike<unknown>);
  return { dtype: spec.dtype, shape: t.shape, data: coerceValues(source, spec.dtype, subjectOf(spec), options) };
}

/** Normalizes one value for one input. Returns the tensor with its batch axis, whether one was added, and a warning when the value looks mistaken. */
function normalizeValue(value: unknown, spec: TensorSpec, manifest: ModelManifest | undefined, options: CoerceOptions): { tensor: Tensor; single: boolean; warning?: RuntimeWarning } {
  const subject = subjectOf(spec);
  if (typeof value === 'string' && spec.dtype !== 'string') {
    throw new ServableError('INVALID_INPUT', describeMismatch(subject, formatSpec(spec), `the string ${JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}…` : value)}`, stringIntoNumbersFix(value)), {
      details: { subject: spec.name, expected: formatSpec(spec), received: 'a string' },
    });
  }
  const encoded = describeEncodedImage(value);
  if (encoded !== undefined && !(value instanceof Uint8Array)) throw encodedImageError(spec, encoded);
  if (encoded !== undefined) {
    // Bytes that start like a PNG or JPEG may still be raw pixels that fit; only a failure says otherwise.
    try {
      return normalizePlainValue(value, spec, manifest, options);
    } catch (cause) {
      throw encodedImageError(spec, encoded, cause);
    }
  }
  if (value instanceof ArrayBuffer || (typeof Blob !== 'undefined' && value instanceof Blob)) {
    throw new ServableError('INVALID_INPUT', describeMismatch(subject, formatSpec(spec), value instanceof ArrayBuffer ? 'an ArrayBuffer' : 'a Blob', `wrap the values in the typed array of the dtype (new ${spec.dtype === 'float32' ? 'Float32Array' : 'Uint8Array'}(buffer))`));
  }
  return normalizePlainValue(value, spec, manifest, options);
}

function encodedImageError(spec: TensorSpec, what: string, cause?: unknown): ServableError {
  const argument = what === 'a Blob' ? 'blob' : what === 'a URL' ? 'url' : 'bytes';
  return new ServableError('INVALID_INPUT', describeMismatch(subjectOf(spec), formatSpec(spec), `${what}, an encoded image`, `decode it first with await decodeImage(${argument}) and pass the image`), {
    details: { subject: spec.name, expected: formatSpec(spec), received: what },
    ...(cause ? { cause } : {}),
  });
}

function normalizePlainValue(value: unknown, spec: TensorSpec, manifest: ModelManifest | undefined, options: CoerceOptions): { tensor: Tensor; single: boolean; warning?: RuntimeWarning } {
  const subject = subjectOf(spec);
  const rank = spec.shape.length;
  const steps = manifest?.preprocessing?.image;
  if (isImageInput(value) || (Array.isArray(value) && value.length > 0 && value.every(isImageInput))) {
    const images: ImageInput[] = Array.isArray(value) ? value : [value];
    const parts = images.map((img) => preprocessImage(img, spec, steps));
    const exShape = parts[0]!.shape;
    const per = shapeSize(exShape);
    const all = new Float32Array(per * parts.length);
    parts.forEach((p, i) => {
      if (formatShape(p.shape) !== formatShape(exShape)) {
        throw new ServableError('SHAPE_MISMATCH', describeMismatch(`${subject} image ${i}`, formatShape(exShape), formatShape(p.shape), 'give images of one size or set preprocessing.image.resize'));
      }
      all.set(p.values, i * per);
    });
    const data = isFloatDType(spec.dtype) ? all : Array.from(all, (v) => Math.min(Math.max(Math.round(v), 0), 255));
    const tensor = { dtype: spec.dtype, shape: [parts.length, ...exShape], data: coerceValues(data, spec.dtype, subject, options) } as Tensor;
    checkTensorAgainstSpec(tensor, spec);
    const unscaled = isFloatDType(spec.dtype) && steps?.scale === undefined && !steps?.mean && !steps?.std && images.some((img) => !(img.data instanceof Float32Array));
    return { tensor, single: !Array.isArray(value), ...(unscaled ? { warning: rawPixelsWarning(spec, steps) } : {}) };
  }
  if (isTensor(value)) {
    if (hasExtraChannelAxis(spec, value.shape)) throw channelAxisError(spec, value.shape, value.dtype);
    const t = convertTensor(value, spec, options);
    if (t.shape.length === rank) return { tensor: t, single: false };
    if (t.shape.length === rank - 1 && batchable(spec)) return { tensor: { ...t, shape: [1, ...t.shape] }, single: true };
    throw new ServableError('SHAPE_MISMATCH', describeMismatch(subject, formatSpec(spec), `${formatShape(t.shape)} (${t.dtype})`, rankHint(spec, t.shape)), {
      details: { subject: spec.name, expected: formatShape(spec.shape), received: formatShape(t.shape) },
    });
  }
  const { shape, flat } = flattenNested(value, subject);
  if (hasExtraChannelAxis(spec, shape)) throw channelAxisError(spec, shape, Array.isArray(value) ? 'nested arrays' : spec.dtype);
  const data = coerceValues(flat, spec.dtype, subject, options);
  let tensorShape: number[];
  let single: boolean;
  if (shape.length === rank) {
    tensorShape = shape;
    single = false;
  } else if (shape.length === rank - 1 && batchable(spec)) {
    tensorShape = [1, ...shape];
    single = true;
  } else if (shape.length === 1 && rank > 1) {
    // A flat array: one example or a batch of examples laid end to end.
    const dims = exampleDims(spec);
    if (!dims.every((d) => typeof d === 'number')) {
      throw new ServableError(
        'SHAPE_MISMATCH',
        describeMismatch(subject, formatSpec(spec), `a flat array of ${shape[0]} values`, 'the example shape has symbolic dimensions, so pass nested arrays or a tensor {dtype, shape, data}'),
      );
    }
    const per = shapeSize(dims as number[]);
    const n = shape[0]!;
    if (n === per && batchable(spec)) {
      tensorShape = [1, ...(dims as number[])];
      single = true;
    } else if (per > 0 && n % per === 0 && n > 0 && typeof spec.shape[0] === 'string') {
      tensorShape = [n / per, ...(dims as number[])];
      single = false;
    } else {
      throw new ServableError(
        'SHAPE_MISMATCH',
        describeMismatch(subject, `${per} values per example ${formatSpec(spec)}`, `a flat array of ${n} values`, `give a multiple of ${per} values, or nested arrays`),
        { details: { subject: spec.name, expected: String(per), received: String(n) } },
      );
    }
  } else {
    throw new ServableError('SHAPE_MISMATCH', describeMismatch(subject, formatSpec(spec), `${formatShape(shape)} (${Array.isArray(value) ? 'nested arrays' : typeof value})`, rankHint(spec, shape)), {
      details: { subject: spec.name, expected: formatShape(spec.shape), received: formatShape(shape) },
    });
  }
  const tensor = { dtype: spec.dtype, shape: tensorShape, data } as Tensor;
  checkTensorAgainstSpec(tensor, spec);
  return { tensor, single };
}

function isPlainRecord(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || ArrayBuffer.isView(value)) return false;
  if (isTensor(value) || isImageInput(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * Turns what a user naturally has into validated feeds for the signature: adds the batch axis
 * for one example, converts dtypes with checks, applies the manifest's image steps.
 * @throws ServableError `INVALID_INPUT`, `SHAPE_MISMATCH`, `DTYPE_MISMATCH`, `MISSING_INPUT`, `UNKNOWN_INPUT`
 */
export function normalizeInput(input: PredictInput, signature: ModelSignature, manifest?: ModelManifest, options: CoerceOptions = {}): NormalizedInput {
  const inputs = signature.inputs;
  const names = inputs.map((s) => s.name);
  let values: Record<string, unknown>;
  if (isPlainRecord(input)) {
    const unknown = Object.keys(input).filter((k) => !names.includes(k));
    if (unknown.length > 0) {
      throw new ServableError('UNKNOWN_INPUT', `input "${unknown[0]}": expected one of ${names.map((n) => `"${n}"`).join(', ')}, got an unknown name — check the spelling`, {
        details: { subject: unknown[0], expected: names.join(', '), received: unknown.join(', ') },
      });
    }
    values = input;
  } else {
    const target = manifest?.preprocessing?.input ?? (inputs.length === 1 ? inputs[0]!.name : undefined);
    if (!target) {
      throw new ServableError(
        'INVALID_INPUT',
        `input: expected a record keyed by input name (${names.map((n) => `"${n}"`).join(', ')}), got ${Array.isArray(input) ? 'an array' : typeof input} — this model has ${inputs.length} inputs`,
      );
    }
    if (!names.includes(target)) {
      throw new ServableError(
        'MANIFEST_INVALID',
        `servable.json "preprocessing.input": expected one of ${names.map((n) => `"${n}"`).join(', ')}, got "${target}" — name an input of the model`,
      );
    }
    if (input === undefined || input === null) {
      throw new ServableError('MISSING_INPUT', `input "${target}": expected ${formatSpec(inputs.find((s) => s.name === target)!)}, got ${String(input)}`);
    }
    values = { [target]: input };
  }
  const feeds: TensorMap = {};
  const warnings: RuntimeWarning[] = [];
  let single: boolean | undefined;
  let batchSize = 0;
  for (const spec of inputs) {
    if (!Object.prototype.hasOwnProperty.call(values, spec.name) || values[spec.name] === undefined) {
      throw new ServableError('MISSING_INPUT', `input "${spec.name}": expected ${formatSpec(spec)}, got nothing — the model needs every input`, {
        details: { subject: spec.name, expected: formatSpec(spec) },
      });
    }
    const r = normalizeValue(values[spec.name], spec, manifest, options);
    if (single !== undefined && r.single !== single) {
      throw new ServableError('SHAPE_MISMATCH', `input "${spec.name}": expected ${single ? 'one example' : 'a batch'} like the other inputs, got ${r.single ? 'one example' : 'a batch'} — give every input the same form`);
    }
    single = r.single;
    feeds[spec.name] = r.tensor;
    if (r.warning) warnings.push(r.warning);
    batchSize = r.tensor.shape[0] ?? 1;
  }
  const check = new Map<string, { size: number; input: string }>();
  for (const spec of inputs) checkTensorAgainstSpec(feeds[spec.name]!, spec, check);
  return { feeds, single: single ?? false, batchSize, warnings };
}
