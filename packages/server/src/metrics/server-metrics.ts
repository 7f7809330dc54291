import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { BatchExecution } from '@servable/core';

/** What the in-flight and queue gauges read when `/metrics` is scraped: one entry per loaded version. */
export interface LoadSample {
  /** Model name. */
  readonly model: string;
  /** Version label. */
  readonly version: string;
  /** Inference requests this version is serving now (decoded, queued or running). */
  readonly inFlight: number;
  /** Examples waiting in its batching queue now (0 without batching). */
  readonly queued: number;
}

const DURATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * Prometheus metrics of one server instance, in a registry of its own (two servers in one
 * process never share counters).
 */
export class ServerMetrics {
  /** The prom-client registry served at `/metrics`. */
  readonly registry = new Registry();
  readonly #success: Counter<'model' | 'version' | 'protocol'>;
  readonly #failure: Counter<'model' | 'version' | 'protocol' | 'code'>;
  readonly #inferences: Counter<'model' | 'version'>;
  readonly #batches: Counter<'model' | 'version'>;
  readonly #queue: Histogram<'model' | 'version'>;
  readonly #compute: Histogram<'model' | 'version'>;
  readonly #batchSize: Histogram<'model' | 'version'>;
  readonly #ready: Gauge<'model' | 'version'>;
  #load: () => Iterable<LoadSample> = () => [];

  constructor() {
    const registers = [this.registry];
    this.#success = new Counter({ name: 'servable_request_success_total', help: 'Inference requests that succeeded', labelNames: ['model', 'version', 'protocol'], registers });
    this.#failure = new Counter({ name: 'servable_request_failure_total', help: 'Inference requests that failed, by error code', labelNames: ['model', 'version', 'protocol', 'code'], registers });
    this.#inferences = new Counter({ name: 'servable_inference_count_total', help: 'Examples inferred (a batch of n counts n)', labelNames: ['model', 'version'], registers });
    this.#batches = new Counter({ name: 'servable_batch_execution_total', help: 'Engine runs (batches executed)', labelNames: ['model', 'version'], registers });
    this.#queue = new Histogram({ name: 'servable_queue_duration_seconds', help: 'Longest wait in the batching queue per batch', labelNames: ['model', 'version'], buckets: DURATION_BUCKETS, registers });
    this.#compute = new Histogram({ name: 'servable_compute_duration_seconds', help: 'Engine time per batch', labelNames: ['model', 'version'], buckets: DURATION_BUCKETS, registers });
    this.#batchSize = new Histogram({ name: 'servable_batch_size', help: 'Examples per executed batch', labelNames: ['model', 'version'], buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256], registers });
    this.#ready = new Gauge({ name: 'servable_model_ready', help: '1 when the model version serves requests', labelNames: ['model', 'version'], registers });
    const load = this;
    // Read at scrape time, so an autoscaler sees the load of that moment and not a stale count.
    new Gauge({
      name: 'servable_inference_requests_in_flight',
      help: 'Inference requests being served now (decoded, queued or running), per model version',
      labelNames: ['model', 'version'],
      registers,
      collect() {
        this.reset();
        for (const s of load.#load()) this.set({ model: s.model, version: s.version }, s.inFlight);
      },
    });
    new Gauge({
      name: 'servable_queue_examples',
      help: 'Examples waiting in the batching queue now, per model version',
      labelNames: ['model', 'version'],
      registers,
      collect() {
        this.reset();
        for (const s of load.#load()) this.set({ model: s.model, version: s.version }, s.queued);
      },
    });
  }

  /** Sets where the in-flight and queue gauges read the load from (the server wires its model registry). */
  observeLoad(source: () => Iterable<LoadSample>): void {
    this.#load = source;
  }

  /** Records one request's outcome. */
  request(model: string, version: string, protocol: 'rest' | 'grpc' | 'predict' | 'explain', errorCode?: string): void {
    if (errorCode === undefined) this.#success.inc({ model, version, protocol });
    else this.#failure.inc({ model, version, protocol, code: errorCode });
  }

  /** Records one executed batch (wired to the batcher's `onBatch`). */
  batch(model: string, version: string, execution: BatchExecution): void {
    const labels = { model, version };
    this.#batches.inc(labels);
    if (!execution.failed) this.#inferences.inc(labels, execution.size);
    this.#queue.observe(labels, execution.queueMs / 1000);
    this.#compute.observe(labels, execution.computeMs / 1000);
    this.#batchSize.observe(labels, execution.size);
  }

  /** Sets whether a version is ready. */
  readiness(model: string, version: string, ready: boolean): void {
    this.#ready.set({ model, version }, ready ? 1 : 0);
  }
}
