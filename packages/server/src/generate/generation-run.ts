import { ServableError, type GenerationEvent, type Prompt } from '@servable/core';
import type { FastifyReply } from 'fastify';
import type { GenerationParameters } from './generation-parameters.js';
import type { ResolvedGenerator } from './generate-routes-options.js';

/** A generation started for one HTTP request, its first event already in hand. */
export interface GenerationRun {
  /** Every event, the first one included. */
  readonly events: AsyncGenerator<GenerationEvent, void, undefined>;
  /** Aborts the generation (also done when the client disconnects). */
  readonly abort: (reason: string) => void;
}

/**
 * Starts a generation tied to the request's connection: when the client goes away before the
 * response is complete the generation is aborted, so it stops within a step. The first event is
 * awaited here, so that a bad parameter, a full queue or an engine failure at the first step is
 * still an HTTP error rather than an event inside a stream that already answered 200.
 * @throws ServableError `OVERLOADED` when too many generations wait for the model, or whatever the first step throws
 */
export async function startGeneration(reply: FastifyReply, target: ResolvedGenerator, prompt: Prompt, parameters: GenerationParameters, maxQueued: number): Promise<GenerationRun> {
  if (target.generator.queued >= maxQueued) {
    throw new ServableError('OVERLOADED', `model ${target.generator.model.report.source}: expected fewer than ${maxQueued} generations waiting, got ${target.generator.queued} — retry later`, {
      details: { retryAfterMs: 1000 },
    });
  }
  const controller = new AbortController();
  const abort = (reason: string) => controller.abort(new ServableError('ABORTED', `generation: ${reason}`));
  const onClose = () => {
    if (!reply.raw.writableFinished) abort('the client disconnected');
  };
  reply.raw.once('close', onClose);
  const iterator = target.generator.generate(prompt, { ...parameters, signal: controller.signal });
  let first: IteratorResult<GenerationEvent, void>;
  try {
    first = await iterator.next();
  } catch (error) {
    reply.raw.off('close', onClose);
    throw error;
  }
  async function* events(): AsyncGenerator<GenerationEvent, void, undefined> {
    try {
      if (first.done) return;
      yield first.value;
      yield* iterator;
    } finally {
      reply.raw.off('close', onClose);
      if (!controller.signal.aborted) abort('the response ended');
      await iterator.return();
    }
  }
  return { events: events(), abort };
}
