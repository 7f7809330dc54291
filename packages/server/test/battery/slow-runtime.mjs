import { addOneRuntime } from '../support/add-one-runtime.mjs';

/**
 * A runtime for the battery: it loads any ONNX source as "y = x + 1" over float32 `x`
 * [batch, n] and answers each run after `delayMs` (a model slower than its deadline, or a
 * server kept busy). It needs no engine, so it runs in the main thread, in worker threads and
 * in child processes alike.
 */
const RUNS = Symbol.for('servable.battery.slowRuntimeRuns');

/**
 * The first value of every example each slow runtime ran, in order, in this thread (tests read
 * it to see which requests reached the model).
 */
export function slowRuntimeRuns() {
  globalThis[RUNS] ??= [];
  return globalThis[RUNS];
}

export function slowRuntime(options = {}) {
  const delayMs = Number(options.delayMs ?? 50);
  return addOneRuntime('slow-add-one', async (x) => {
    const n = x.shape[1] ?? 0;
    for (let row = 0; row < x.shape[0]; row++) slowRuntimeRuns().push(x.data[row * n]);
    await new Promise((resolve) => setTimeout(resolve, delayMs));
  });
}
