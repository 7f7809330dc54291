import { ServableError } from '../errors/servable-error.js';
import { isDType } from '../tensor/dtype.js';
import type { ModelSignature, TensorSpec } from './signature.js';

/** File formats a model can come in. */
export type ModelFormat = 'onnx' | 'tfjs-layers' | 'tfjs-graph';

/** Every format, for validation. */
export const MODEL_FORMATS: readonly ModelFormat[] = ['onnx', 'tfjs-layers', 'tfjs-graph'];

/** The manifest's name on disk. */
export const MANIFEST_FILE = 'servable.json';

/**
 * How image-like input is turned into the model's input tensor. Steps run in this order:
 * channel handling (alpha dropped), `grayscale`, `resize`, `invert`, `scale`, `mean`/`std`, `layout`.
 */
export interface ImagePreprocessing {
  /** Resize (bilinear) to this size. */
  readonly resize?: {
    /** Target width in pixels, a positive integer. */
    readonly width: number;
    /** Target height in pixels, a positive integer. */
    readonly height: number;
  };
  /** Convert to one luminance channel (0.299 R + 0.587 G + 0.114 B). */
  readonly grayscale?: boolean;
  /** Replace each value v by 255 − v before scaling (dark strokes on light paper → MNIST style). */
  readonly invert?: boolean;
  /** Multiply every value by this (for example 1/255). */
  readonly scale?: number;
  /** Subtract per channel (after scale). */
  readonly mean?: readonly number[];
  /** Divide per channel (after mean). */
  readonly std?: readonly number[];
  /** Tensor layout; inferred from the input's shape when omitted. `NHW` has no channel axis. */
  readonly layout?: 'NHWC' | 'NCHW' | 'NHW';
}

/** Preprocessing declared by the manifest, applied the same way by every client. */
export interface Preprocessing {
  /** The input the steps feed (the only input when omitted). */
  readonly input?: string;
  /** Steps for image-like input. */
  readonly image?: ImagePreprocessing;
}

/** How raw outputs become a prediction. */
export interface Postprocessing {
  /** The output to read (the first when omitted). */
  readonly output?: string;
  /** `softmax` for logits, `sigmoid` for independent scores, `none` for probabilities; `auto` guesses. */
  readonly activation?: 'auto' | 'none' | 'softmax' | 'sigmoid';
  /** How many top classes to report (default 3). */
  readonly topK?: number;
}

/**
 * Encryption header of an encrypted model file (see `encryptModel` and `createDecryptor`).
 * The file holds the AES-256-GCM ciphertext followed by its 16-byte tag.
 */
export interface EncryptionHeader {
  /** Only `AES-256-GCM`. */
  readonly algorithm: 'AES-256-GCM';
  /** Identifies the key, never the key itself. */
  readonly keyId: string;
  /** Base64 of the 12-byte IV. */
  readonly iv: string;
  /** Tag length in bytes; always 16. The tag is the last 16 bytes of the file. */
  readonly tagLength: 16;
  /**
   * What the additional authenticated data binds: `servable-model/1:name,version,format`, so a
   * file renamed to another model, version or format fails to decrypt. Absent means the same.
   */
  readonly aad?: 'servable-model/1:name,version,format';
  /** sha256 of the plaintext, checked after decryption when present. */
  readonly plaintextSha256?: string;
}

/** `servable.json`: what a model folder says about itself. */
export interface ModelManifest {
  /** Manifest schema version; 1. */
  readonly schemaVersion: 1;
  /** Model name (`[A-Za-z0-9._-]`). */
  readonly name: string;
  /** Version label (`1`, `2024-05-01`). */
  readonly version: string;
  /** Format of `file`. */
  readonly format: ModelFormat;
  /** The main file, relative to the folder, without `..`. */
  readonly file: string;
  /** Hex sha256 of `file` as stored (the ciphertext when encrypted). Checked before loading. */
  readonly sha256?: string;
  /** Inputs and outputs; when present, the runtime's signature must agree with it. */
  readonly signature?: ModelSignature;
  /** Input preprocessing. */
  readonly preprocessing?: Preprocessing;
  /** Output postprocessing. */
  readonly postprocessing?: Postprocessing;
  /** Class names by index. */
  readonly labels?: readonly string[];
  /** Present when `file` is encrypted. */
  readonly encryption?: EncryptionHeader;
  /** Other files the model reads (weight shards, external data), relative to the folder. */
  readonly files?: readonly string[];
  /** Free text. */
  readonly description?: string;
  /** Anything else a tool wants to keep (training metrics, provenance). */
  readonly metadata?: Record<string, unknown>;
}

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** True when `name` is a safe relative file name inside a model folder. */
export function isSafeRelativePath(name: string): boolean {
  if (typeof name !== 'string' || name.length === 0 || name.length > 512) return false;
  if (name.startsWith('/') || name.startsWith('\\') || /^[A-Za-z]:/.test(name) || name.includes('\0')) return false;
  return name.split(/[\\/]/).every((part) => part !== '..' && part !== '' && part !== '.');
}

function invalid(field: string, expected: string, received: unknown, fix?: string): ServableError {
  let got: string;
  try {
    got = received === undefined ? 'nothing' : (JSON.stringify(received)?.slice(0, 80) ?? typeof received);
  } catch {
    got = typeof received;
  }
  return new ServableError('MANIFEST_INVALID', `servable.json "${field}": expected ${expected}, got ${got}${fix ? ` — ${fix}` : ''}`, {
    details: { subject: field, expected, received: String(got) },
  });
}

function validateSpecs(list: unknown, field: string): TensorSpec[] {
  if (!Array.isArray(list)) throw invalid(field, 'an array of {name, dtype, shape}', list);
  return list.map((s: unknown, i) => {
    const spec = s as Record<string, unknown>;
    if (typeof spec !== 'object' || spec === null) throw invalid(`${field}[${i}]`, 'an object', s);
    if (typeof spec.name !== 'string' || !spec.name) throw invalid(`${field}[${i}].name`, 'a non-empty string', spec.name);
    if (!isDType(spec.dtype)) throw invalid(`${field}[${i}].dtype`, 'a dtype such as "float32"', spec.dtype);
    if (!Array.isArray(spec.shape)) throw invalid(`${field}[${i}].shape`, 'an array of sizes or names', spec.shape);
    for (const d of spec.shape) {
      const ok = (typeof d === 'number' && Number.isSafeInteger(d) && d >= 0) || (typeof d === 'string' && d.length > 0);
      if (!ok) throw invalid(`${field}[${i}].shape`, 'non-negative integers or symbolic names', spec.shape);
    }
    return { name: spec.name, dtype: spec.dtype, shape: spec.shape as (number | string)[] };
  });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The one AAD scheme encrypted models use (see {@link EncryptionHeader.aad}). */
export const ENCRYPTION_AAD_SCHEME = 'servable-model/1:name,version,format';

function validateImage(img: unknown): void {
  if (!isObject(img)) throw invalid('preprocessing.image', 'an object of image steps', img);
  if (img.scale !== undefined && !(typeof img.scale === 'number' && Number.isFinite(img.scale))) throw invalid('preprocessing.image.scale', 'a finite number', img.scale);
  if (img.layout !== undefined && !['NHWC', 'NCHW', 'NHW'].includes(img.layout as string)) throw invalid('preprocessing.image.layout', 'NHWC | NCHW | NHW', img.layout);
  for (const k of ['grayscale', 'invert'] as const) {
    if (img[k] !== undefined && typeof img[k] !== 'boolean') throw invalid(`preprocessing.image.${k}`, 'true or false', img[k]);
  }
  for (const k of ['mean', 'std'] as const) {
    const v = img[k];
    if (v !== undefined && (!Array.isArray(v) || v.length === 0 || !v.every((x) => typeof x === 'number' && Number.isFinite(x)))) {
      throw invalid(`preprocessing.image.${k}`, 'a non-empty array of finite numbers', v);
    }
  }
  if (Array.isArray(img.std) && img.std.some((x) => x === 0)) throw invalid('preprocessing.image.std', 'non-zero numbers', img.std);
  const r = img.resize;
  if (r !== undefined && !(isObject(r) && Number.isInteger(r.width) && Number.isInteger(r.height) && (r.width as number) > 0 && (r.height as number) > 0)) {
    throw invalid('preprocessing.image.resize', '{width, height} positive integers', r);
  }
}

function validateEncryption(e: unknown): void {
  if (!isObject(e)) throw invalid('encryption', 'an object {algorithm, keyId, iv, tagLength}', e);
  if (e.algorithm !== 'AES-256-GCM') throw invalid('encryption.algorithm', '"AES-256-GCM"', e.algorithm);
  if (typeof e.keyId !== 'string' || !e.keyId) throw invalid('encryption.keyId', 'a key id', e.keyId);
  if (typeof e.iv !== 'string' || !/^[A-Za-z0-9+/]{16}$/.test(e.iv)) throw invalid('encryption.iv', 'base64 of 12 bytes (16 characters)', e.iv);
  if (e.tagLength !== 16) throw invalid('encryption.tagLength', '16', e.tagLength, 'only 16-byte GCM tags are accepted');
  if (e.aad !== undefined && e.aad !== ENCRYPTION_AAD_SCHEME) throw invalid('encryption.aad', `"${ENCRYPTION_AAD_SCHEME}"`, e.aad);
  if (e.plaintextSha256 !== undefined && (typeof e.plaintextSha256 !== 'string' || !/^[0-9a-f]{64}$/.test(e.plaintextSha256))) {
    throw invalid('encryption.plaintextSha256', '64 lowercase hex digits', e.plaintextSha256);
  }
}

/**
 * Validates a parsed `servable.json` and returns it typed.
 * @param value - the parsed JSON
 * @throws ServableError `MANIFEST_INVALID` naming the first bad field
 */
export function validateManifest(value: unknown): ModelManifest {
  if (!isObject(value)) throw invalid('(root)', 'an object', value);
  const m = value;
  if (m.schemaVersion !== 1) throw invalid('schemaVersion', '1', m.schemaVersion);
  if (typeof m.name !== 'string' || !NAME_RE.test(m.name)) throw invalid('name', 'a name of letters, digits, ".", "_" or "-"', m.name);
  if (typeof m.version !== 'string' || !NAME_RE.test(m.version)) throw invalid('version', 'a version label such as "1"', m.version);
  if (!MODEL_FORMATS.includes(m.format as ModelFormat)) throw invalid('format', MODEL_FORMATS.join(' | '), m.format);
  if (typeof m.file !== 'string' || !isSafeRelativePath(m.file)) throw invalid('file', 'a relative path inside the folder', m.file, 'no "..", no absolute path');
  if (m.sha256 !== undefined && (typeof m.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(m.sha256))) throw invalid('sha256', '64 lowercase hex digits', m.sha256);
  if (m.signature !== undefined) {
    const s = m.signature;
    if (!isObject(s)) throw invalid('signature', '{inputs, outputs}', s);
    validateSpecs(s.inputs, 'signature.inputs');
    validateSpecs(s.outputs, 'signature.outputs');
  }
  if (m.labels !== undefined && (!Array.isArray(m.labels) || !m.labels.every((l) => typeof l === 'string'))) throw invalid('labels', 'an array of strings', m.labels);
  if (m.files !== undefined && (!Array.isArray(m.files) || !m.files.every((f) => typeof f === 'string' && isSafeRelativePath(f)))) {
    throw invalid('files', 'relative paths inside the folder', m.files, 'no "..", no absolute path');
  }
  const pre = m.preprocessing;
  if (pre !== undefined) {
    if (!isObject(pre)) throw invalid('preprocessing', 'an object', pre);
    if (pre.input !== undefined && (typeof pre.input !== 'string' || !pre.input)) throw invalid('preprocessing.input', 'the name of an input', pre.input);
    if (pre.image !== undefined) validateImage(pre.image);
  }
  const post = m.postprocessing;
  if (post !== undefined) {
    if (!isObject(post)) throw invalid('postprocessing', 'an object', post);
    if (post.output !== undefined && (typeof post.output !== 'string' || !post.output)) throw invalid('postprocessing.output', 'the name of an output', post.output);
    if (post.activation !== undefined && !['auto', 'none', 'softmax', 'sigmoid'].includes(post.activation as string)) {
      throw invalid('postprocessing.activation', 'auto | none | softmax | sigmoid', post.activation);
    }
    if (post.topK !== undefined && !(Number.isInteger(post.topK) && (post.topK as number) > 0)) throw invalid('postprocessing.topK', 'a positive integer', post.topK);
  }
  if (m.encryption !== undefined) validateEncryption(m.encryption);
  if (m.description !== undefined && typeof m.description !== 'string') throw invalid('description', 'a string', m.description);
  if (m.metadata !== undefined && !isObject(m.metadata)) throw invalid('metadata', 'an object', m.metadata);
  return value as unknown as ModelManifest;
}

/**
 * Parses and validates `servable.json` text.
 * @throws ServableError `MANIFEST_INVALID`
 */
export function parseManifest(text: string): ModelManifest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new ServableError('MANIFEST_INVALID', `servable.json: expected valid JSON, got a parse error (${(cause as Error).message})`, { cause });
  }
  return validateManifest(json);
}

/** Serializes a manifest (validated) with stable two-space indentation. */
export function stringifyManifest(manifest: ModelManifest): string {
  return JSON.stringify(validateManifest(manifest), null, 2) + '\n';
}
