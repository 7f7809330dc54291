import { loadModel, type Model } from '../model/load-model.js';
import type { LoadedModel, Runtime } from '../model/runtime.js';
import type { ModelSignature } from '../model/signature.js';
import type { Tensor, TensorMap } from '../tensor/tensor.js';

/** What the scripted decoder saw in one run. */
export interface ScriptedRun {
  /** The whole sequence the run covered (the cache's tokens, then the new input ids). */
  readonly sequence: number[];
  /** How many of those came from the cache. */
  readonly past: number;
}

/** Options of {@link loadScriptedDecoder}. */
export interface ScriptedDecoderOptions {
  /** Logits of the last position, from the whole sequence. */
  readonly next: (sequence: readonly number[]) => Float32Array;
  /** Build a decoder with past inputs (default true). */
  readonly cached?: boolean;
  /** Vocabulary size (default 256). */
  readonly vocab?: number;
  /** Waits this long in each run, so that other tasks can interleave. */
  readonly stepDelayMs?: number;
  /** Every run, in order. */
  readonly log?: ScriptedRun[];
}

/**
 * A decoder written in TypeScript, loaded through `loadModel` like any engine's. Its KV cache
 * stores the token ids themselves (layer 0, one head of size 1), so a step sees the whole
 * sequence only when the cache is fed back correctly.
 */
export async function loadScriptedDecoder(options: ScriptedDecoderOptions): Promise<Model> {
  const vocab = options.vocab ?? 256;
  const cached = options.cached ?? true;
  const cacheNames = cached ? (['key', 'value'] as const) : [];
  const signature: ModelSignature = {
    inputs: [
      { name: 'input_ids', dtype: 'int64', shape: ['batch', 'seq'] },
      { name: 'attention_mask', dtype: 'int64', shape: ['batch', 'total_seq'] },
      { name: 'position_ids', dtype: 'int64', shape: ['batch', 'seq'] },
      ...cacheNames.map((k) => ({ name: `past_key_values.0.${k}`, dtype: 'float32' as const, shape: ['batch', 1, 'past_seq', 1] })),
    ],
    outputs: [
      { name: 'logits', dtype: 'float32', shape: ['batch', 'seq', vocab] },
      ...cacheNames.map((k) => ({ name: `present.0.${k}`, dtype: 'float32' as const, shape: ['batch', 1, 'total_seq', 1] })),
    ],
  };
  const loaded: LoadedModel = {
    signature,
    device: 'cpu',
    async doRun(feeds: TensorMap, runOptions): Promise<TensorMap> {
      if (options.stepDelayMs) await new Promise((r) => setTimeout(r, options.stepDelayMs));
      const ids = Array.from(feeds.input_ids!.data as BigInt64Array, Number);
      const past = cached ? Array.from(feeds['past_key_values.0.key']!.data as Float32Array) : [];
      const sequence = [...past, ...ids];
      const mask = feeds.attention_mask!.data as BigInt64Array;
      if (mask.length !== sequence.length) throw new Error(`attention_mask has ${mask.length} entries for ${sequence.length} tokens`);
      const positions = Array.from(feeds.position_ids!.data as BigInt64Array, Number);
      positions.forEach((p, i) => {
        if (p !== past.length + i) throw new Error(`position_ids[${i}] is ${p}, expected ${past.length + i}`);
      });
      options.log?.push({ sequence, past: past.length });
      const logits = new Float32Array(ids.length * vocab);
      for (let i = 0; i < ids.length; i++) logits.set(options.next(sequence.slice(0, past.length + i + 1)), i * vocab);
      const out: TensorMap = { logits: { dtype: 'float32', shape: [1, ids.length, vocab], data: logits } };
      if (cached) {
        const present: Tensor = { dtype: 'float32', shape: [1, 1, sequence.length, 1], data: Float32Array.from(sequence) };
        out['present.0.key'] = present;
        out['present.0.value'] = present;
      }
      if (runOptions.outputs) for (const name of Object.keys(out)) if (!runOptions.outputs.includes(name)) delete out[name];
      return out;
    },
    dispose() {},
  };
  const runtime: Runtime = {
    specificationVersion: 'v1',
    name: 'scripted',
    device: 'cpu',
    formats: ['onnx'],
    probe: async () => ({ available: true }),
    doLoad: async () => loaded,
  };
  return loadModel(new Uint8Array([1]), { runtimes: [runtime] });
}

/** Logits that make `token` the most likely (by a wide margin) in a vocabulary of `vocab`. */
export function oneHot(token: number, vocab = 256): Float32Array {
  const logits = new Float32Array(vocab);
  logits[token] = 10;
  return logits;
}

/** Deterministic, sequence-dependent logits with no clear winner (for sampling tests). */
export function hashedLogits(sequence: readonly number[], vocab = 256): Float32Array {
  let h = 2166136261;
  for (const t of sequence) h = Math.imul(h ^ t, 16777619) >>> 0;
  const logits = new Float32Array(vocab);
  for (let i = 0; i < vocab; i++) {
    h = Math.imul(h ^ i, 2654435761) >>> 0;
    logits[i] = ((h % 1000) / 1000) * 4;
  }
  return logits;
}
