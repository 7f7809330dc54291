import type * as Ort from 'onnxruntime-node';

/** Timings of one decode. */
export interface DecodeTiming {
  /** Time to the first token (prefill + first pick), ms. */
  readonly firstMs: number;
  /** Time from the first token to the last, per token, ms. */
  readonly perTokenMs: number;
  readonly tokens: number[];
}

function argmax(data: Float32Array, offset: number, vocab: number): number {
  let best = 0;
  for (let v = 1; v < vocab; v++) if (data[offset + v]! > data[offset + best]!) best = v;
  return best;
}

/**
 * The baseline: a greedy decode written directly against onnxruntime-node, the way a careful
 * user would — `present.*` fed back as `past_key_values.*` without copying (cached), or the whole
 * sequence every step (uncached, `cache` undefined). `copyCache` copies each present tensor
 * through a new JS array before feeding it back, to show what copying the cache costs.
 */
export async function rawDecode(
  ort: typeof Ort,
  session: Ort.InferenceSession,
  prompt: readonly number[],
  steps: number,
  cache: { readonly layers: number; readonly heads: number; readonly headDim: number } | undefined,
  copyCache = false,
): Promise<DecodeTiming> {
  const t0 = performance.now();
  const tokens: number[] = [];
  const ids = [...prompt];
  let past: Record<string, Ort.Tensor> = {};
  if (cache) {
    for (let i = 0; i < cache.layers; i++) {
      for (const kv of ['key', 'value']) past[`past_key_values.${i}.${kv}`] = new ort.Tensor('float32', new Float32Array(0), [1, cache.heads, 0, cache.headDim]);
    }
  }
  let pastLength = 0;
  let firstMs = 0;
  for (let step = 0; step < steps; step++) {
    const fresh = cache ? ids.slice(pastLength) : ids;
    const from = cache ? pastLength : 0;
    const n = fresh.length;
    const feeds: Record<string, Ort.Tensor> = {
      input_ids: new ort.Tensor('int64', BigInt64Array.from(fresh, BigInt), [1, n]),
      attention_mask: new ort.Tensor('int64', new BigInt64Array(ids.length).fill(1n), [1, ids.length]),
      position_ids: new ort.Tensor('int64', BigInt64Array.from(fresh, (_, i) => BigInt(from + i)), [1, n]),
      ...past,
    };
    const out = await session.run(feeds);
    const logits = out.logits!;
    const vocab = logits.dims[2]!;
    const token = argmax(logits.data as Float32Array, (n - 1) * vocab, vocab);
    tokens.push(token);
    if (step === 0) firstMs = performance.now() - t0;
    if (cache) {
      past = {};
      for (let i = 0; i < cache.layers; i++) {
        for (const kv of ['key', 'value']) {
          const present = out[`present.${i}.${kv}`]!;
          past[`past_key_values.${i}.${kv}`] = copyCache ? new ort.Tensor('float32', Float32Array.from(present.data as Float32Array), present.dims) : present;
        }
      }
      pastLength = ids.length;
    }
    ids.push(token);
  }
  const total = performance.now() - t0;
  return { firstMs, perTokenMs: (total - firstMs) / Math.max(1, steps - 1), tokens };
}
