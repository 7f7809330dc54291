import type * as tf from '@tensorflow/tfjs';
import { ServableError } from '@servable/core';

type ModelArtifacts = tf.io.ModelArtifacts;
type ModelJSON = tf.io.ModelJSON;

/** The conventional file names of a tfjs model folder. */
export const MODEL_JSON_FILE = 'model.json';
/** The single weights file written by this package. */
export const WEIGHTS_FILE = 'weights.bin';

/** The weight specs of a model.json, flattened from its weights manifest. */
function weightSpecs(json: ModelJSON): tf.io.WeightsManifestEntry[] {
  return (json.weightsManifest ?? []).flatMap((group) => group.weights);
}

/** Shard paths of a model.json, in order. */
export function shardPaths(json: ModelJSON): string[] {
  return (json.weightsManifest ?? []).flatMap((group) => group.paths);
}

/**
 * Parses model.json bytes.
 * @throws ServableError `MODEL_LOAD_FAILED` when the text is not a tfjs model.json
 */
export function parseModelJson(bytes: Uint8Array, subject = MODEL_JSON_FILE): ModelJSON {
  let json: ModelJSON;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes)) as ModelJSON;
  } catch (cause) {
    throw new ServableError('MODEL_LOAD_FAILED', `${subject}: expected a TensorFlow.js model.json, got text that is not JSON (${(cause as Error).message})`, { cause });
  }
  if (typeof json !== 'object' || json === null || typeof json.modelTopology !== 'object' || json.modelTopology === null) {
    throw new ServableError('MODEL_LOAD_FAILED', `${subject}: expected an object with "modelTopology", got ${json === null ? 'null' : typeof json === 'object' ? `keys ${Object.keys(json).join(', ')}` : typeof json} — is this a tfjs model.json?`);
  }
  return json;
}

function concat(parts: readonly Uint8Array[]): ArrayBuffer {
  const total = parts.reduce((n, p) => n + p.byteLength, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.byteLength;
  }
  return out.buffer;
}

/**
 * Builds tfjs model artifacts from model.json and a reader of the files beside it.
 * @param json - parsed model.json
 * @param readSibling - reads a shard by its relative path
 */
export async function artifactsFromJson(json: ModelJSON, readSibling: (name: string) => Promise<Uint8Array>): Promise<ModelArtifacts> {
  const shards = await Promise.all(shardPaths(json).map((p) => readSibling(p)));
  const artifacts: ModelArtifacts = {
    modelTopology: json.modelTopology,
    format: json.format,
    generatedBy: json.generatedBy,
    convertedBy: json.convertedBy,
    weightSpecs: weightSpecs(json),
    weightData: concat(shards),
  };
  if (json.trainingConfig !== undefined) artifacts.trainingConfig = json.trainingConfig;
  if (json.signature !== undefined) artifacts.signature = json.signature;
  if (json.userDefinedMetadata !== undefined) artifacts.userDefinedMetadata = json.userDefinedMetadata;
  if (json.modelInitializer !== undefined) artifacts.modelInitializer = json.modelInitializer;
  if (json.initializerSignature !== undefined) artifacts.initializerSignature = json.initializerSignature;
  return artifacts;
}

/** model.json text and one weights file, as written by this package's save handlers. */
export interface SerializedModel {
  /** model.json bytes (UTF-8). */
  readonly modelJson: Uint8Array;
  /** weights.bin bytes. */
  readonly weights: Uint8Array;
}

/**
 * Serializes artifacts into model.json (pointing at a single `weights.bin`) and the weights.
 * @param artifacts - what tfjs hands a save handler
 */
export function serializeArtifacts(artifacts: ModelArtifacts): SerializedModel {
  const data = artifacts.weightData;
  const weights = data === undefined ? new Uint8Array(0) : Array.isArray(data) ? new Uint8Array(concat(data.map((b) => new Uint8Array(b)))) : new Uint8Array(data as ArrayBuffer);
  const json: ModelJSON = {
    modelTopology: artifacts.modelTopology as ModelJSON['modelTopology'],
    format: artifacts.format,
    generatedBy: artifacts.generatedBy,
    convertedBy: artifacts.convertedBy ?? null,
    weightsManifest: [{ paths: [WEIGHTS_FILE], weights: artifacts.weightSpecs ?? [] }],
  };
  if (artifacts.trainingConfig !== undefined) json.trainingConfig = artifacts.trainingConfig;
  if (artifacts.signature !== undefined) json.signature = artifacts.signature;
  if (artifacts.userDefinedMetadata !== undefined) json.userDefinedMetadata = artifacts.userDefinedMetadata;
  return { modelJson: new TextEncoder().encode(JSON.stringify(json)), weights };
}
