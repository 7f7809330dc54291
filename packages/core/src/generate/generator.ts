import { ServableError, throwIfAborted } from '../errors/servable-error.js';
import type { Model } from '../model/load-model.js';
import { decoderLayout, type DecoderLayout } from './decoder-layout.js';
import { DecoderState } from './decoder-state.js';
import { EventQueue } from './event-queue.js';
import { resolveGenerateOptions, type FinishReason, type GenerateOptions, type ResolvedGenerateOptions } from './generate-options.js';
import { lockOf } from './model-lock.js';
import { createRandom, randomSeed } from '../random/seeded-random.js';
import { Sampler } from './sampler.js';
import { StopSequenceMatcher } from './stop-sequences.js';
import { TokenTextStream } from './token-text-stream.js';
import { eosTokenIds, type Tokenizer } from './tokenizer.js';

/** Tokens read and written by one generation. */
export interface GenerationUsage {
  /** Tokens of the prompt. */
  readonly promptTokens: number;
  /** Tokens generated, the final stop token included. */
  readonly completionTokens: number;
}

/** One step of a generation, as the async iterator yields it. */
export interface GenerationEvent {
  /** The token chosen at this step. */
  readonly token: number;
  /**
   * Text that became complete at this step: `''` while a character's bytes are still arriving
   * or while the text might be the start of a stop sequence.
   */
  readonly text: string;
  /** True on the last event. */
  readonly done: boolean;
  /** On the last event: why the generation ended. */
  readonly finishReason?: FinishReason;
  /** On the last event: token counts. */
  readonly usage?: GenerationUsage;
  /** With `returnLogits`: this step's logits (a copy, float32). */
  readonly logits?: Float32Array;
}

/** What {@link Generator.generateText} returns. */
export interface GenerationResult {
  /** The generated text, without stop sequences or end-of-sequence tokens. */
  readonly text: string;
  /** Every generated token, the final stop token included. */
  readonly tokens: readonly number[];
  /** Why the generation ended. */
  readonly finishReason: FinishReason;
  /** Token counts. */
  readonly usage: GenerationUsage;
}

/** A prompt: text for the tokenizer, or token ids. */
export type Prompt = string | readonly number[];

/** Options of {@link createGenerator}. */
export interface GeneratorOptions {
  /** Turns prompts into ids and ids into text. */
  readonly tokenizer: Tokenizer;
}

/**
 * A text generator over a decoder model. Generations on the same model (from this generator or
 * any other) are queued: each runs alone from its first step to its last.
 */
export interface Generator {
  /** The decoder. */
  readonly model: Model;
  /** Its tokenizer. */
  readonly tokenizer: Tokenizer;
  /** Input and output names found in the model's signature. */
  readonly layout: DecoderLayout;
  /** Generations waiting for the model. */
  readonly queued: number;
  /**
   * Streams a generation, one event per token.
   * @throws ServableError `INVALID_ARGUMENT`, `INVALID_INPUT`, `ABORTED`, `INFERENCE_FAILED`, `DISPOSED`
   */
  generate(prompt: Prompt, options?: GenerateOptions): AsyncGenerator<GenerationEvent, void, undefined>;
  /** Runs a generation to its end and returns the text. */
  generateText(prompt: Prompt, options?: GenerateOptions): Promise<GenerationResult>;
}

/**
 * Creates a generator over a decoder model loaded by any runtime, as long as its signature has
 * the Hugging Face / Optimum decoder layout: `input_ids`, `attention_mask`, optional
 * `position_ids`, `past_key_values.{i}.key|value` → `logits`, `present.{i}.key|value`. A
 * decoder without past inputs works too, uncached (each step runs the whole sequence).
 *
 * @example
 * ```ts
 * const model = await loadModel('fixtures/decoder/decoder.onnx', { runtimes: [onnxNode()] });
 * const generator = createGenerator(model, { tokenizer: byteTokenizer() });
 * for await (const event of generator.generate('Hello', { maxTokens: 32, temperature: 0.8, seed: 1 })) {
 *   process.stdout.write(event.text);
 * }
 * ```
 * @throws ServableError `UNSUPPORTED_CAPABILITY` when the model is not such a decoder
 */
export function createGenerator(model: Model, options: GeneratorOptions): Generator {
  if (!model || typeof model.run !== 'function' || !model.signature) {
    throw new ServableError('INVALID_ARGUMENT', `createGenerator(model): expected a model from loadModel(), got ${model === null ? 'null' : typeof model} — load the decoder first`);
  }
  const tokenizer = options?.tokenizer;
  if (!tokenizer || typeof tokenizer.encode !== 'function' || typeof tokenizer.decode !== 'function') {
    throw new ServableError(
      'INVALID_ARGUMENT',
      `createGenerator option "tokenizer": expected a Tokenizer with encode() and decode(), got ${tokenizer === null ? 'null' : typeof tokenizer} — pass byteTokenizer() or huggingFaceTokenizer(…)`,
    );
  }
  const layout = decoderLayout(model.signature);
  const generator: Generator = {
    model,
    tokenizer,
    layout,
    get queued() {
      return lockOf(model).waiting;
    },
    generate: (prompt, generateOptions) => stream(model, tokenizer, layout, prompt, resolveGenerateOptions(generateOptions)),
    async generateText(prompt, generateOptions) {
      let text = '';
      const tokens: number[] = [];
      for await (const event of generator.generate(prompt, generateOptions)) {
        text += event.text;
        tokens.push(event.token);
        if (event.done) return { text, tokens, finishReason: event.finishReason!, usage: event.usage! };
      }
      throw new ServableError('INFERENCE_FAILED', 'generation: expected a final event, got an iterator that ended without one');
    },
  };
  return generator;
}

/**
 * Streams one generation over a decoder (see {@link createGenerator}).
 * @example
 * ```ts
 * for await (const e of generate(model, 'Hi', { tokenizer: byteTokenizer(), maxTokens: 8 })) process.stdout.write(e.text);
 * ```
 */
export function generate(model: Model, prompt: Prompt, options: GenerateOptions & GeneratorOptions): AsyncGenerator<GenerationEvent, void, undefined> {
  return createGenerator(model, options).generate(prompt, options);
}

/** Runs one generation to its end and returns its text (see {@link createGenerator}). */
export function generateText(model: Model, prompt: Prompt, options: GenerateOptions & GeneratorOptions): Promise<GenerationResult> {
  return createGenerator(model, options).generateText(prompt, options);
}

function promptIds(tokenizer: Tokenizer, prompt: Prompt): number[] {
  if (typeof prompt === 'string') {
    const ids = tokenizer.encode(prompt);
    if (ids.length === 0) {
      throw new ServableError('INVALID_INPUT', 'prompt: expected text that encodes to at least one token, got an empty prompt — give the model some text to continue');
    }
    return ids;
  }
  if (!Array.isArray(prompt) || prompt.length === 0 || prompt.some((t) => !Number.isInteger(t) || t < 0)) {
    throw new ServableError('INVALID_INPUT', `prompt: expected a string or a non-empty array of token ids, got ${Array.isArray(prompt) ? `[${prompt.slice(0, 8).join(', ')}${prompt.length > 8 ? ', …' : ''}]` : typeof prompt} — pass text or ids from the tokenizer`);
  }
  return [...prompt];
}

async function* stream(model: Model, tokenizer: Tokenizer, layout: DecoderLayout, prompt: Prompt, options: ResolvedGenerateOptions): AsyncGenerator<GenerationEvent, void, undefined> {
  const ids = promptIds(tokenizer, prompt);
  throwIfAborted(options.signal, 'generation');
  const queue = new EventQueue<GenerationEvent>();
  const stop = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
  void produce(model, tokenizer, layout, ids, options, signal, queue).then(
    () => queue.end(),
    (error: unknown) => queue.fail(error),
  );
  try {
    yield* queue.read();
  } finally {
    stop.abort(new ServableError('ABORTED', 'generation: the reader stopped iterating'));
  }
}

async function produce(
  model: Model,
  tokenizer: Tokenizer,
  layout: DecoderLayout,
  prompt: number[],
  options: ResolvedGenerateOptions,
  signal: AbortSignal,
  queue: EventQueue<GenerationEvent>,
): Promise<void> {
  const release = await lockOf(model).acquire(signal);
  const state = new DecoderState(layout, prompt.length + options.maxTokens, options.cache);
  try {
    const stopIds = new Set([...eosTokenIds(tokenizer), ...options.stopTokenIds]);
    const text = new TokenTextStream(tokenizer, stopIds);
    const stops = new StopSequenceMatcher(options.stop);
    const sampler = new Sampler(options, createRandom(options.seed ?? randomSeed()));
    sampler.remember(prompt);
    state.append(prompt);
    const runOptions = { signal, outputs: state.outputs };
    for (let produced = 1; ; produced++) {
      throwIfAborted(signal, 'generation');
      const outputs = await model.run(state.feeds(), runOptions);
      throwIfAborted(signal, 'generation');
      const logits = state.advance(outputs);
      const token = sampler.pick(logits);
      sampler.remember([token]);
      let finishReason: FinishReason | undefined;
      let piece: string;
      if (stopIds.has(token)) {
        finishReason = 'stop';
        piece = stops.push(text.flush()).text + stops.flush();
      } else {
        const match = stops.push(text.push(token));
        piece = match.text;
        if (match.stopped) finishReason = 'stop';
        else if (produced >= options.maxTokens) {
          const tail = stops.push(text.flush());
          piece += tail.text + (tail.stopped ? '' : stops.flush());
          finishReason = tail.stopped ? 'stop' : 'length';
        }
      }
      const copy = options.returnLogits ? { logits: Float32Array.from(logits) } : undefined;
      if (finishReason) {
        queue.push({ token, text: piece, done: true, finishReason, usage: { promptTokens: prompt.length, completionTokens: produced }, ...copy });
        return;
      }
      queue.push({ token, text: piece, done: false, ...copy });
      state.append(token);
    }
  } finally {
    state.clear();
    release();
  }
}
