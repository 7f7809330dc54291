import { ServableError } from '../errors/servable-error.js';
import type { ModelSignature, TensorSpec } from '../model/signature.js';
import { formatSpec } from '../model/signature.js';

const PAST = /^past_key_values\.(\d+)\.(key|value)$/;

/** One cache entry: the input that takes the past and the output that gives the present. */
export interface CacheEntry {
  /** `past_key_values.{layer}.{key|value}` */
  readonly input: string;
  /** `present.{layer}.{key|value}` */
  readonly output: string;
  /** Element type of the cache (`float32` or `float16`). */
  readonly dtype: 'float32' | 'float16';
  /** Attention heads (dimension 1). */
  readonly heads: number;
  /** Size of one head (dimension 3). */
  readonly headDim: number;
}

/**
 * How a decoder's inputs and outputs are named, found from its signature. The layout is the one
 * PyTorch/Optimum exports and transformers.js uses: `input_ids`, `attention_mask`,
 * `position_ids` (optional), `past_key_values.{i}.key|value` → `logits`, `present.{i}.key|value`,
 * and, in merged decoders, `use_cache_branch`.
 */
export interface DecoderLayout {
  /** The token-id input (`input_ids`). */
  readonly inputIds: string;
  /** dtype of `input_ids` (and of the mask and positions). */
  readonly idType: 'int64' | 'int32';
  /** The attention-mask input [batch, past_seq + seq], when the model has one. */
  readonly attentionMask: string | undefined;
  /** The position input [batch, seq], when the model has one. */
  readonly positionIds: string | undefined;
  /** The `use_cache_branch` input of merged decoders (bool [1]), when present. */
  readonly useCacheBranch: string | undefined;
  /** The logits output [batch, seq, vocab]. */
  readonly logits: string;
  /** Cache entries, layer by layer (key then value); empty for a decoder without a cache. */
  readonly cache: readonly CacheEntry[];
}

function unsupported(message: string, fix: string): ServableError {
  return new ServableError('UNSUPPORTED_CAPABILITY', `${message} — ${fix}`);
}

function idSpec(spec: TensorSpec | undefined, name: string): 'int64' | 'int32' | undefined {
  if (!spec) return undefined;
  if ((spec.dtype === 'int64' || spec.dtype === 'int32') && spec.shape.length === 2) return spec.dtype;
  throw unsupported(`decoder input "${name}": expected [batch, seq] (int64 or int32), got ${formatSpec(spec)}`, 'export the decoder with the Hugging Face / Optimum layout');
}

/**
 * Reads the decoder layout from a model signature.
 * @throws ServableError `UNSUPPORTED_CAPABILITY` when the model is not a decoder Servable can drive
 */
export function decoderLayout(signature: ModelSignature): DecoderLayout {
  const inputs = new Map(signature.inputs.map((s) => [s.name, s]));
  const outputs = new Map(signature.outputs.map((s) => [s.name, s]));
  const idType = idSpec(inputs.get('input_ids'), 'input_ids');
  if (!idType) {
    throw unsupported(
      `model: expected a text decoder with an "input_ids" input, got inputs ${signature.inputs.map((s) => `"${s.name}"`).join(', ') || 'none'}`,
      'generate() needs a decoder exported with input_ids → logits (and past_key_values.* → present.* for a KV cache)',
    );
  }
  const logits = outputs.get('logits');
  if (!logits || logits.shape.length !== 3 || (logits.dtype !== 'float32' && logits.dtype !== 'float16')) {
    throw unsupported(
      `decoder output "logits": expected [batch, seq, vocab] (float32 or float16), got ${logits ? formatSpec(logits) : `no such output (outputs: ${signature.outputs.map((s) => `"${s.name}"`).join(', ')})`}`,
      'export the decoder with a "logits" output',
    );
  }
  idSpec(inputs.get('attention_mask'), 'attention_mask');
  idSpec(inputs.get('position_ids'), 'position_ids');
  const cache: CacheEntry[] = [];
  const known = new Set(['input_ids', 'attention_mask', 'position_ids', 'use_cache_branch']);
  const pastNames = signature.inputs.map((s) => s.name).filter((n) => PAST.test(n));
  pastNames.sort((a, b) => {
    const [, la, ka] = PAST.exec(a)!;
    const [, lb, kb] = PAST.exec(b)!;
    return Number(la) - Number(lb) || (ka === 'key' ? -1 : 1) - (kb === 'key' ? -1 : 1);
  });
  for (const name of pastNames) {
    const [, layer, kind] = PAST.exec(name)!;
    const spec = inputs.get(name)!;
    const output = `present.${layer}.${kind}`;
    const present = outputs.get(output);
    if (!present) {
      throw unsupported(`decoder input "${name}": expected a matching output "${output}", got none`, 'export the decoder with use_cache=True so it returns present.* for every past_key_values.*');
    }
    const heads = spec.shape[1];
    const headDim = spec.shape[3];
    if (spec.shape.length !== 4 || (spec.dtype !== 'float32' && spec.dtype !== 'float16') || typeof heads !== 'number' || typeof headDim !== 'number') {
      throw unsupported(
        `decoder input "${name}": expected [batch, heads, past_seq, head_dim] (float32 or float16) with fixed heads and head_dim, got ${formatSpec(spec)}`,
        'export with a fixed number of heads and head size',
      );
    }
    cache.push({ input: name, output, dtype: spec.dtype, heads, headDim });
    known.add(name);
  }
  const unknown = signature.inputs.filter((s) => !known.has(s.name));
  if (unknown.length > 0) {
    throw unsupported(
      `decoder input ${unknown.map((s) => `"${s.name}"`).join(', ')}: expected only input_ids, attention_mask, position_ids, use_cache_branch and past_key_values.*, got this one too`,
      'export a text-only decoder (no encoder states, no image inputs)',
    );
  }
  return {
    inputIds: 'input_ids',
    idType,
    attentionMask: inputs.has('attention_mask') ? 'attention_mask' : undefined,
    positionIds: inputs.has('position_ids') ? 'position_ids' : undefined,
    useCacheBranch: inputs.has('use_cache_branch') ? 'use_cache_branch' : undefined,
    logits: 'logits',
    cache,
  };
}
