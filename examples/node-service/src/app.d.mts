import type { FastifyInstance } from 'fastify';
import type { BatcherOptions, Runtime } from '@servable/core';

/** Options of {@link buildApp}. */
export interface BuildAppOptions {
  /** A model folder (servable.json) or a .onnx file. */
  readonly modelPath: string;
  /** Batcher settings (default `{ maxBatchSize: 32, maxQueueDelayMs: 2, maxQueueSize: 1024 }`). */
  readonly batching?: BatcherOptions;
  /** Runtime chain (default: onnx-node on the CPU). */
  readonly runtimes?: Runtime[];
  /** Fastify request logging. */
  readonly logger?: boolean;
}

/** Builds the Fastify app with an embedded, batching predictor. */
export function buildApp(options: BuildAppOptions): Promise<FastifyInstance>;
