import { ServableError } from '../errors/servable-error.js';
import { float16ToFloat32 } from '../tensor/float16.js';
import type { Tensor, TensorMap } from '../tensor/tensor.js';
import type { DecoderLayout } from './decoder-layout.js';

type IdArray = BigInt64Array | Int32Array;

/**
 * The feeds of one generation (batch 1), from its first step to its last.
 *
 * The ids, mask and positions live in buffers sized for the whole generation; each step feeds
 * views of them. The KV cache is never copied in JavaScript: the `present.*` tensors a step
 * returns are fed, as they are, as the next step's `past_key_values.*`.
 */
export class DecoderState {
  readonly #layout: DecoderLayout;
  readonly #cached: boolean;
  readonly #ids: IdArray;
  readonly #mask: IdArray;
  readonly #positions: IdArray;
  readonly #useCache = new Uint8Array(1);
  readonly #past = new Map<string, Tensor>();
  readonly #empty: TensorMap;
  readonly #outputs: readonly string[] | undefined;
  #length = 0;
  #pastLength = 0;

  /**
   * @param layout - the decoder's input and output names
   * @param capacity - prompt length + most new tokens
   * @param cached - feed the cache back (false: run the whole sequence each step)
   */
  constructor(layout: DecoderLayout, capacity: number, cached: boolean) {
    this.#layout = layout;
    this.#cached = cached && layout.cache.length > 0;
    const make = (n: number): IdArray => (layout.idType === 'int64' ? new BigInt64Array(n) : new Int32Array(n));
    this.#ids = make(capacity);
    this.#mask = make(capacity);
    this.#positions = make(capacity);
    if (this.#mask instanceof BigInt64Array) {
      this.#mask.fill(1n);
      for (let i = 0; i < capacity; i++) (this.#positions as BigInt64Array)[i] = BigInt(i);
    } else {
      this.#mask.fill(1);
      for (let i = 0; i < capacity; i++) (this.#positions as Int32Array)[i] = i;
    }
    const empty: TensorMap = {};
    for (const entry of layout.cache) {
      const data = entry.dtype === 'float16' ? new Uint16Array(0) : new Float32Array(0);
      empty[entry.input] = { dtype: entry.dtype, shape: [1, entry.heads, 0, entry.headDim], data };
    }
    this.#empty = empty;
    this.#outputs = this.#cached ? undefined : [layout.logits];
  }

  /** Tokens in the sequence so far (prompt and output). */
  get length(): number {
    return this.#length;
  }

  /**
   * The outputs a step asks the engine for: only the logits when the cache is not fed back;
   * `undefined` (every output, which saves checking the names at each step) when it is.
   */
  get outputs(): readonly string[] | undefined {
    return this.#outputs;
  }

  /** Appends tokens (the prompt, then one new token per step). */
  append(tokens: readonly number[] | number): void {
    const list = typeof tokens === 'number' ? [tokens] : tokens;
    if (this.#length + list.length > this.#ids.length) {
      throw new ServableError('INVALID_ARGUMENT', `generation: expected at most ${this.#ids.length} tokens in the sequence, got ${this.#length + list.length} — raise maxTokens`);
    }
    for (const t of list) {
      if (this.#ids instanceof BigInt64Array) this.#ids[this.#length++] = BigInt(t);
      else this.#ids[this.#length++] = t;
    }
  }

  /** The feeds of the next step: the tokens not yet seen by the cache, or all of them uncached. */
  feeds(): TensorMap {
    const layout = this.#layout;
    const from = this.#cached ? this.#pastLength : 0;
    const seq = this.#length - from;
    const idType = layout.idType;
    const feeds: TensorMap = {
      [layout.inputIds]: { dtype: idType, shape: [1, seq], data: this.#ids.subarray(from, this.#length) },
    };
    if (layout.attentionMask) feeds[layout.attentionMask] = { dtype: idType, shape: [1, this.#length], data: this.#mask.subarray(0, this.#length) };
    if (layout.positionIds) feeds[layout.positionIds] = { dtype: idType, shape: [1, seq], data: this.#positions.subarray(from, this.#length) };
    const past = this.#cached && this.#pastLength > 0;
    if (layout.useCacheBranch) feeds[layout.useCacheBranch] = { dtype: 'bool', shape: [1], data: this.#useCache.fill(past ? 1 : 0) };
    for (const entry of layout.cache) feeds[entry.input] = past ? this.#past.get(entry.input)! : this.#empty[entry.input]!;
    return feeds;
  }

  /**
   * Takes a step's outputs: keeps the present tensors as the next past, and returns the logits
   * of the last position (a view when they are float32).
   */
  advance(outputs: TensorMap): Float32Array {
    const layout = this.#layout;
    const logits = outputs[layout.logits];
    if (!logits || logits.shape.length !== 3) {
      throw new ServableError('INFERENCE_FAILED', `decoder output "${layout.logits}": expected [1, seq, vocab], got ${logits ? `[${logits.shape.join(', ')}]` : 'nothing'}`);
    }
    if (this.#cached) {
      for (const entry of layout.cache) {
        const present = outputs[entry.output];
        if (!present || present.shape[2] !== this.#length) {
          throw new ServableError(
            'INFERENCE_FAILED',
            `decoder output "${entry.output}": expected [1, ${entry.heads}, ${this.#length}, ${entry.headDim}], got ${present ? `[${present.shape.join(', ')}]` : 'nothing'} — the model's cache layout is not past_seq + seq`,
          );
        }
        this.#past.set(entry.input, present);
      }
      this.#pastLength = this.#length;
    }
    const seq = logits.shape[1]!;
    const vocab = logits.shape[2]!;
    const row = (logits.data as Float32Array | Uint16Array).subarray((seq - 1) * vocab, seq * vocab);
    return logits.dtype === 'float16' ? float16ToFloat32(row as Uint16Array) : (row as Float32Array);
  }

  /** Drops the cache tensors so the engine's buffers can be freed. */
  clear(): void {
    this.#past.clear();
  }
}
