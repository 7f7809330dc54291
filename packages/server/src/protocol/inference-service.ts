import { ServableError, validateFeeds, type ModelSignature, type Tensor, type TensorMap } from '@servable/core';
import type { ModelRegistry } from '../repository/model-registry.js';
import { datatypeOfDtype, dtypeOfDatatype, type OipDatatype } from './datatypes.js';
import { checkDeclared, tensorFromJson, tensorFromRaw } from './tensor-codec.js';

/** One input of an inference request, whatever the wire (REST JSON, binary extension, gRPC). */
export interface InferInput {
  readonly name: string;
  readonly datatype: unknown;
  readonly shape: unknown;
  /** JSON `data` (flat or nested). */
  readonly data?: unknown;
  /** Raw little-endian bytes. */
  readonly raw?: Uint8Array;
  /** Already-typed values (gRPC `contents`), flat. */
  readonly values?: ArrayLike<unknown>;
}

/** One requested output. */
export interface InferRequestedOutput {
  readonly name: string;
  /** Whether this output goes back as raw bytes. */
  readonly binary?: boolean;
}

/** A protocol-neutral inference request. */
export interface InferRequest {
  readonly modelName: string;
  readonly modelVersion?: string;
  readonly inputs: readonly InferInput[];
  readonly outputs?: readonly InferRequestedOutput[];
  /** Default for outputs that do not say whether they go back as raw bytes. */
  readonly binaryOutputs?: boolean;
  /** Abort when the client goes away: a request still queued is dropped before it reaches the model. */
  readonly signal?: AbortSignal;
  /** Deadline of this request in ms (queue and run), overriding the model's `timeoutMs`; then `DEADLINE_EXCEEDED`. */
  readonly timeoutMs?: number;
}

/** One output of the answer. */
export interface InferOutput {
  readonly name: string;
  readonly datatype: OipDatatype;
  readonly shape: readonly number[];
  readonly tensor: Tensor;
  readonly binary: boolean;
}

/** A protocol-neutral inference answer. */
export interface InferResult {
  readonly modelName: string;
  readonly modelVersion: string;
  readonly outputs: readonly InferOutput[];
}

/** Limits applied while decoding a request. */
export interface InferLimits {
  /** Largest element count of one tensor. */
  readonly maxElements: number;
}

/**
 * Decodes the inputs of a request into tensors, checking every shape, dtype and byte count
 * against the signature before the tensor's storage is allocated, and requiring each input once.
 * @throws ServableError `INVALID_INPUT`, `SHAPE_MISMATCH`, `DTYPE_MISMATCH`, `MISSING_INPUT`, `UNKNOWN_INPUT`
 */
export function decodeFeeds(signature: ModelSignature, inputs: readonly InferInput[], limits: InferLimits): TensorMap {
  if (!Array.isArray(inputs) || inputs.length === 0) {
    throw new ServableError('INVALID_INPUT', `request inputs: expected a non-empty array of {name, shape, datatype, data}, got ${JSON.stringify(inputs)?.slice(0, 60)}`);
  }
  const feeds: TensorMap = {};
  for (const input of inputs) {
    if (typeof input !== 'object' || input === null || typeof input.name !== 'string') {
      throw new ServableError('INVALID_INPUT', `request input: expected an object with a string "name", got ${JSON.stringify(input)?.slice(0, 60)}`);
    }
    const spec = signature.inputs.find((s) => s.name === input.name);
    if (!spec) {
      throw new ServableError('UNKNOWN_INPUT', `input "${input.name}": expected one of ${signature.inputs.map((s) => `"${s.name}"`).join(', ')}, got an unknown name — check the model metadata`);
    }
    if (feeds[input.name]) throw new ServableError('INVALID_INPUT', `input "${input.name}": expected once, got twice — send each input once`);
    const subject = `input "${input.name}"`;
    const dtype = dtypeOfDatatype(input.datatype, subject);
    const size = checkDeclared(spec, dtype, input.shape, limits.maxElements);
    const shape = input.shape as number[];
    if (input.raw) feeds[input.name] = tensorFromRaw(subject, dtype, shape, size, input.raw);
    else if (input.values) feeds[input.name] = tensorFromJson(subject, dtype, shape, size, Array.isArray(input.values) ? input.values : Array.from(input.values));
    else if (input.data !== undefined) feeds[input.name] = tensorFromJson(subject, dtype, shape, size, input.data);
    else throw new ServableError('INVALID_INPUT', `${subject}: expected "data", binary data or contents, got none`);
  }
  for (const spec of signature.inputs) {
    if (!feeds[spec.name]) {
      throw new ServableError('MISSING_INPUT', `input "${spec.name}": expected it in the request, got nothing — the model needs every input (${signature.inputs.map((s) => s.name).join(', ')})`);
    }
  }
  return feeds;
}

/**
 * Decodes, checks and runs one inference through the version's batcher. Every shape, dtype and
 * byte count is checked against the signature before the tensor's storage is allocated; the
 * version is picked and the request queued without yielding, so a hot swap never sees it half-way.
 * @throws ServableError `MODEL_NOT_FOUND`, `INVALID_INPUT`, `SHAPE_MISMATCH`, `DTYPE_MISMATCH`, `MISSING_INPUT`, `UNKNOWN_INPUT`, `OVERLOADED`, `DEADLINE_EXCEEDED`
 */
export async function runInference(registry: ModelRegistry, request: InferRequest, limits: InferLimits): Promise<InferResult> {
  const served = registry.get(request.modelName, request.modelVersion);
  const predictor = served.predictor!;
  const signature = predictor.signature;
  const feeds = decodeFeeds(signature, request.inputs, limits);
  validateFeeds(signature, feeds);
  const outputNames = signature.outputs.map((o) => o.name);
  const requested = request.outputs ?? [];
  for (const o of requested) {
    if (typeof o?.name !== 'string' || !outputNames.includes(o.name)) {
      throw new ServableError('INVALID_ARGUMENT', `output "${String(o?.name)}": expected one of ${outputNames.map((n) => `"${n}"`).join(', ')}, got an unknown name`);
    }
  }
  served.active++;
  let raw: TensorMap;
  try {
    raw = predictor.batcher
      ? await predictor.batcher.run(feeds, { signal: request.signal, ...(request.timeoutMs !== undefined ? { timeoutMs: request.timeoutMs } : {}) })
      : await predictor.model.run(feeds, { signal: request.signal });
  } finally {
    served.active--;
  }
  const selected = requested.length > 0 ? requested : outputNames.map((name) => ({ name, binary: undefined }));
  return {
    modelName: served.name,
    modelVersion: served.version,
    outputs: selected.map((o) => {
      const tensor = raw[o.name]!;
      return { name: o.name, datatype: datatypeOfDtype(tensor.dtype), shape: tensor.shape, tensor, binary: o.binary ?? request.binaryOutputs ?? false };
    }),
  };
}
