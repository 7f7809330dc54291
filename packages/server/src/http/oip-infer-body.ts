import { ServableError } from '@servable/core';
import type { InferInput, InferRequestedOutput, InferResult } from '../protocol/inference-service.js';
import { parseInferJson } from '../protocol/fast-infer-json.js';
import { parseJsonBody } from '../protocol/json-depth.js';
import { tensorDataJson, tensorToRaw } from '../protocol/tensor-codec.js';

/** An OIP REST inference request, decoded from JSON or from the binary tensor extension. */
export interface DecodedInferBody {
  readonly id?: string;
  readonly inputs: InferInput[];
  readonly outputs?: InferRequestedOutput[];
  readonly binaryOutputs: boolean;
  /** Deadline from `parameters.timeout` (microseconds, as Triton reads it), in ms. */
  readonly timeoutMs?: number;
  /** The request's `parameters` object, when it has one. */
  readonly parameters?: Readonly<Record<string, unknown>>;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function flag(parameters: unknown, key: string): boolean | undefined {
  if (!isObject(parameters)) return undefined;
  const v = parameters[key];
  return typeof v === 'boolean' ? v : undefined;
}

/**
 * Decodes an OIP REST inference body. With `Inference-Header-Content-Length: N` the first N
 * bytes are the JSON header and the rest holds, in input order, the raw tensors of the inputs
 * whose `parameters.binary_data_size` is set.
 * @throws ServableError `INVALID_INPUT` for malformed JSON, a bad header length or binary sizes that do not add up
 */
export function decodeInferBody(body: Buffer, headerLength: string | undefined, maxDepth: number): DecodedInferBody {
  let jsonEnd = body.length;
  if (headerLength !== undefined) {
    const n = Number(headerLength);
    if (!Number.isSafeInteger(n) || n < 0 || n > body.length) {
      throw new ServableError('INVALID_INPUT', `Inference-Header-Content-Length: expected an integer from 0 to the body length ${body.length}, got ${JSON.stringify(headerLength)}`);
    }
    jsonEnd = n;
  }
  if (jsonEnd === 0) throw new ServableError('INVALID_INPUT', 'request body: expected an inference request JSON object, got an empty body');
  const json = parseInferJson(body, jsonEnd, maxDepth) ?? parseJsonBody(body, maxDepth, jsonEnd);
  if (!isObject(json)) throw new ServableError('INVALID_INPUT', `request body: expected an inference request object {"inputs": [...]}, got ${Array.isArray(json) ? 'an array' : typeof json}`);
  if (!Array.isArray(json.inputs)) throw new ServableError('INVALID_INPUT', `request "inputs": expected an array of {name, shape, datatype, data}, got ${typeof json.inputs}`);
  if (json.id !== undefined && typeof json.id !== 'string') throw new ServableError('INVALID_INPUT', `request "id": expected a string, got ${typeof json.id}`);
  let offset = jsonEnd;
  const inputs: InferInput[] = json.inputs.map((raw: unknown, i: number) => {
    if (!isObject(raw)) throw new ServableError('INVALID_INPUT', `request inputs[${i}]: expected an object {name, shape, datatype, data}, got ${JSON.stringify(raw)?.slice(0, 40)}`);
    const size = isObject(raw.parameters) ? raw.parameters.binary_data_size : undefined;
    if (size === undefined) {
      if (raw.data === undefined) throw new ServableError('INVALID_INPUT', `input "${String(raw.name)}": expected "data" or parameters.binary_data_size, got neither`);
      return { name: raw.name as string, datatype: raw.datatype, shape: raw.shape, data: raw.data };
    }
    if (headerLength === undefined) throw new ServableError('INVALID_INPUT', `input "${String(raw.name)}": binary_data_size needs the Inference-Header-Content-Length header, got none`);
    if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0 || offset + size > body.length) {
      throw new ServableError('INVALID_INPUT', `input "${String(raw.name)}" binary_data_size: expected a byte count within the ${body.length - offset} bytes left, got ${JSON.stringify(size)}`);
    }
    const bytes = body.subarray(offset, offset + size);
    offset += size;
    return { name: raw.name as string, datatype: raw.datatype, shape: raw.shape, raw: bytes };
  });
  if (offset !== body.length) {
    throw new ServableError('INVALID_INPUT', `request body: expected ${offset} bytes (header and binary inputs), got ${body.length} — binary_data_size values must add up to the binary part`);
  }
  let outputs: InferRequestedOutput[] | undefined;
  if (json.outputs !== undefined) {
    if (!Array.isArray(json.outputs)) throw new ServableError('INVALID_INPUT', `request "outputs": expected an array of {name, parameters}, got ${typeof json.outputs}`);
    outputs = json.outputs.map((o: unknown, i: number) => {
      if (!isObject(o) || typeof o.name !== 'string') throw new ServableError('INVALID_INPUT', `request outputs[${i}]: expected {name, parameters}, got ${JSON.stringify(o)?.slice(0, 40)}`);
      return { name: o.name, binary: flag(o.parameters, 'binary_data') };
    });
  }
  const parameters = isObject(json.parameters) ? json.parameters : undefined;
  const timeout = parameters?.timeout;
  if (timeout !== undefined && (typeof timeout !== 'number' || !Number.isFinite(timeout) || timeout <= 0)) {
    throw new ServableError('INVALID_INPUT', `request parameters.timeout: expected a positive number of microseconds such as 250000, got ${JSON.stringify(timeout)?.slice(0, 40)}`);
  }
  return {
    id: json.id as string | undefined,
    inputs,
    outputs,
    binaryOutputs: flag(parameters, 'binary_data_output') ?? false,
    ...(timeout !== undefined ? { timeoutMs: Math.max(1, (timeout as number) / 1000) } : {}),
    ...(parameters ? { parameters } : {}),
  };
}

/** An encoded OIP REST answer: the JSON text, and the raw bytes appended after it when any output is binary. */
export interface EncodedInferResponse {
  readonly json: string;
  readonly binary: Uint8Array[];
}

/** Encodes an inference result as OIP REST JSON (with `binary_data_size` for binary outputs, and the response `parameters` when given). */
export function encodeInferResponse(result: InferResult, id: string | undefined, parameters?: Readonly<Record<string, unknown>>): EncodedInferResponse {
  const binary: Uint8Array[] = [];
  const outputs = result.outputs.map((o) => {
    const head = `{"name":${JSON.stringify(o.name)},"datatype":"${o.datatype}","shape":[${o.shape.join(',')}]`;
    if (o.binary) {
      const bytes = tensorToRaw(o.tensor);
      binary.push(bytes);
      return `${head},"parameters":{"binary_data_size":${bytes.byteLength}}}`;
    }
    return `${head},"data":${tensorDataJson(o.tensor)}}`;
  });
  const json = `{"model_name":${JSON.stringify(result.modelName)},"model_version":${JSON.stringify(result.modelVersion)}${id !== undefined ? `,"id":${JSON.stringify(id)}` : ''}${parameters ? `,"parameters":${JSON.stringify(parameters)}` : ''},"outputs":[${outputs.join(',')}]}`;
  return { json, binary };
}
