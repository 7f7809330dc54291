import { ServableError, describeMismatch, throwIfAborted } from '../errors/servable-error.js';
import type { RunOptions } from '../model/runtime.js';
import type { ModelSignature, TensorSpec } from '../model/signature.js';
import { formatSpec } from '../model/signature.js';
import { bytesPerElement, dtypeOfData, typedArrayConstructor } from '../tensor/dtype.js';
import { formatShape, shapeSize, type Tensor, type TensorMap } from '../tensor/tensor.js';

function describeTensor(t: Tensor): string {
  return `${formatShape(t.shape)} (${t.dtype})`;
}

/**
 * Checks one tensor against its spec: dtype, rank, fixed dimensions, storage length, and
 * that a symbolic name means the same size everywhere (`bindings` is shared across inputs).
 * @throws ServableError `DTYPE_MISMATCH` or `SHAPE_MISMATCH`
 */
export function checkTensorAgainstSpec(tensor: Tensor, spec: TensorSpec, bindings: Map<string, { size: number; input: string }> = new Map()): void {
  const subject = `input "${spec.name}"`;
  if (tensor.dtype !== spec.dtype) {
    throw new ServableError('DTYPE_MISMATCH', describeMismatch(subject, formatSpec(spec), describeTensor(tensor), `convert the data to ${spec.dtype}`), {
      details: { subject: spec.name, expected: spec.dtype, received: tensor.dtype },
    });
  }
  if (tensor.shape.length !== spec.shape.length) {
    throw new ServableError(
      'SHAPE_MISMATCH',
      describeMismatch(subject, formatSpec(spec), describeTensor(tensor), `give ${spec.shape.length} dimensions`),
      { details: { subject: spec.name, expected: formatShape(spec.shape), received: formatShape(tensor.shape) } },
    );
  }
  for (let i = 0; i < spec.shape.length; i++) {
    const want = spec.shape[i]!;
    const got = tensor.shape[i]!;
    if (!Number.isSafeInteger(got) || got < 0) {
      throw new ServableError('SHAPE_MISMATCH', describeMismatch(subject, 'non-negative integer dimensions', formatShape(tensor.shape)));
    }
    if (typeof want === 'number' && want >= 0 && want !== got) {
      throw new ServableError(
        'SHAPE_MISMATCH',
        describeMismatch(subject, formatSpec(spec), describeTensor(tensor), `dimension ${i} must be ${want}`),
        { details: { subject: spec.name, expected: formatShape(spec.shape), received: formatShape(tensor.shape) } },
      );
    }
    if (typeof want === 'string') {
      const bound = bindings.get(want);
      if (bound && bound.size !== got) {
        throw new ServableError(
          'SHAPE_MISMATCH',
          `${subject}: dimension "${want}" is ${got} here but ${bound.size} in input "${bound.input}" — inputs that share "${want}" must agree`,
          { details: { subject: spec.name, expected: String(bound.size), received: String(got) } },
        );
      }
      bindings.set(want, { size: got, input: spec.name });
    }
  }
  const size = shapeSize(tensor.shape);
  if (tensor.data.length !== size) {
    throw new ServableError(
      'SHAPE_MISMATCH',
      describeMismatch(subject, `${size} elements for shape ${formatShape(tensor.shape)}`, `${tensor.data.length}`, 'make the data length the product of the shape'),
      { details: { subject: spec.name, expected: String(size), received: String(tensor.data.length) } },
    );
  }
  if (spec.dtype === 'string') {
    if (!Array.isArray(tensor.data) || !tensor.data.every((s) => typeof s === 'string')) {
      throw new ServableError('DTYPE_MISMATCH', describeMismatch(subject, 'an array of strings', 'other values'));
    }
  } else {
    const storage = dtypeOfData(tensor.data);
    const ok =
      storage !== undefined &&
      bytesPerElement(storage) === bytesPerElement(spec.dtype) &&
      (storage === spec.dtype || (spec.dtype === 'bool' && storage === 'uint8') || (spec.dtype === 'float16' && storage === 'uint16'));
    if (!ok) {
      throw new ServableError(
        'DTYPE_MISMATCH',
        describeMismatch(subject, `${spec.dtype} storage`, storage ? `${tensor.data.constructor.name}` : typeof tensor.data, 'use the typed array for the dtype or pass plain arrays to predict()'),
      );
    }
  }
}

/**
 * Validates a full set of feeds against a signature: every input present, no unknown names,
 * each tensor matching its spec.
 * @throws ServableError `MISSING_INPUT`, `UNKNOWN_INPUT`, `DTYPE_MISMATCH`, `SHAPE_MISMATCH`
 */
export function validateFeeds(signature: ModelSignature, feeds: TensorMap): void {
  if (typeof feeds !== 'object' || feeds === null) {
    throw new ServableError('INVALID_INPUT', describeMismatch('feeds', 'an object of tensors keyed by input name', String(feeds)));
  }
  // The common case (every input present, well formed) is checked without allocating; any doubt
  // goes to the detailed checks below, which name what is wrong.
  if (quickValid(signature, feeds)) return;
  const names = new Set(signature.inputs.map((s) => s.name));
  for (const key of Object.keys(feeds)) {
    if (!names.has(key)) {
      throw new ServableError('UNKNOWN_INPUT', `input "${key}": expected one of ${[...names].map((n) => `"${n}"`).join(', ')}, got an unknown name — check the spelling`, {
        details: { subject: key, expected: [...names].join(', ') },
      });
    }
  }
  const bindings = new Map<string, { size: number; input: string }>();
  for (const spec of signature.inputs) {
    const tensor = Object.prototype.hasOwnProperty.call(feeds, spec.name) ? feeds[spec.name] : undefined;
    if (!tensor) {
      throw new ServableError('MISSING_INPUT', `input "${spec.name}": expected ${formatSpec(spec)}, got nothing — the model needs every input`, {
        details: { subject: spec.name, expected: formatSpec(spec) },
      });
    }
    checkTensorAgainstSpec(tensor, spec, bindings);
  }
}


interface SignatureFacts {
  readonly count: number;
  readonly symbols: readonly string[];
}

const facts = new WeakMap<ModelSignature, SignatureFacts>();

function factsOf(signature: ModelSignature): SignatureFacts {
  let f = facts.get(signature);
  if (!f) {
    const symbols = new Set<string>();
    for (const spec of signature.inputs) for (const d of spec.shape) if (typeof d === 'string') symbols.add(d);
    f = { count: signature.inputs.length, symbols: [...symbols] };
    facts.set(signature, f);
  }
  return f;
}

/** True when the feeds certainly match; false when the detailed checks must look (and explain). */
function quickValid(signature: ModelSignature, feeds: TensorMap): boolean {
  const { count, symbols } = factsOf(signature);
  let keys = 0;
  for (const key in feeds) {
    if (!Object.prototype.hasOwnProperty.call(feeds, key)) return false;
    keys++;
  }
  if (keys !== count || symbols.length > 8) return false;
  const sizes = [-1, -1, -1, -1, -1, -1, -1, -1];
  for (const spec of signature.inputs) {
    if (!Object.prototype.hasOwnProperty.call(feeds, spec.name)) return false;
    const tensor = feeds[spec.name];
    if (!tensor || tensor.dtype !== spec.dtype) return false;
    const shape = tensor.shape;
    const want = spec.shape;
    if (!Array.isArray(shape) || shape.length !== want.length) return false;
    let size = 1;
    for (let i = 0; i < want.length; i++) {
      const got = shape[i]!;
      if (!Number.isSafeInteger(got) || got < 0) return false;
      const d = want[i]!;
      if (typeof d === 'number') {
        if (d >= 0 && d !== got) return false;
      } else {
        const k = symbols.indexOf(d);
        if (sizes[k] === -1) sizes[k] = got;
        else if (sizes[k] !== got) return false;
      }
      size *= got;
    }
    const data = tensor.data as { length: number; constructor: unknown };
    if (!data || data.length !== size) return false;
    if (spec.dtype === 'string') return false;
    if (data.constructor !== typedArrayConstructor(spec.dtype)) return false;
  }
  return true;
}

/**
 * The checks every `Model.run` makes before an engine sees the feeds: the model is live, the
 * signal is not aborted, the feeds match the signature and every requested output exists.
 * Shared by core's models and by models that proxy another thread (the server's workers).
 * @param model - the model: its signature, whether it was disposed, and `report.source` (its name for messages, never a host path)
 * @param feeds - the tensors to run
 * @param options - the run's options
 * @throws ServableError `DISPOSED`, `ABORTED`, `INVALID_ARGUMENT`, and the codes of {@link validateFeeds}
 */
export function validateRun(
  model: { readonly signature: ModelSignature; readonly disposed: boolean; readonly report: { readonly source: string } },
  feeds: TensorMap,
  options: RunOptions = {},
): void {
  if (model.disposed) throw new ServableError('DISPOSED', `model ${model.report.source}: expected a live model, got one that was disposed — load it again`);
  throwIfAborted(options.signal, 'run');
  validateFeeds(model.signature, feeds);
  if (options.outputs) {
    const names = new Set(model.signature.outputs.map((o) => o.name));
    for (const o of options.outputs) {
      if (!names.has(o)) throw new ServableError('INVALID_ARGUMENT', `output "${o}": expected one of ${[...names].join(', ')}, got an unknown name`);
    }
  }
}
