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
  return {
    specificationVersion: 'v1',
    name: 'slow-add-one',
    device: 'cpu',
    formats: ['onnx'],
    async probe() {
      return { available: true };
    },
    async doLoad() {
      return {
        signature: {
          inputs: [{ name: 'x', dtype: 'float32', shape: ['batch', 'n'] }],
          outputs: [{ name: 'y', dtype: 'float32', shape: ['batch', 'n'] }],
        },
        device: 'cpu',
        async doRun(feeds) {
          const x = feeds.x;
          const n = x.shape[1] ?? 0;
          for (let row = 0; row < x.shape[0]; row++) slowRuntimeRuns().push(x.data[row * n]);
          await new Promise((resolve) => setTimeout(resolve, delayMs));
          return { y: { dtype: 'float32', shape: [...x.shape], data: Float32Array.from(x.data, (v) => v + 1) } };
        },
        dispose() {},
      };
    },
  };
}
