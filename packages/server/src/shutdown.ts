import type { Server } from './create-server.js';

/** Options of {@link handleShutdownSignals}. */
export interface ShutdownOptions {
  /** Signals to handle (default SIGTERM and SIGINT). */
  readonly signals?: readonly NodeJS.Signals[];
  /** Called after the server closed (default `process.exit(0)`; `process.exit(1)` when closing failed). */
  readonly exit?: (code: number) => void;
}

/**
 * On SIGTERM (and SIGINT): readiness turns off, in-flight requests drain, models unload, then
 * the process exits 0 — what `servable serve` does in a Kubernetes pod. Returns a function that
 * removes the handlers.
 */
export function handleShutdownSignals(server: Pick<Server, 'close'>, options: ShutdownOptions = {}): () => void {
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let started = false;
  const onSignal = () => {
    if (started) return;
    started = true;
    server.close().then(
      () => exit(0),
      () => exit(1),
    );
  };
  for (const s of signals) process.on(s, onSignal);
  return () => {
    for (const s of signals) process.off(s, onSignal);
  };
}
