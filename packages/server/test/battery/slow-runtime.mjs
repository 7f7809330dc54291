/**
 * A runtime for the battery: it loads any ONNX source as "y = x + 1" over float32 `x`
 * [batch, n] and answers each run after `delayMs` (a model slower than its deadline, or a
 * server kept busy). It needs no engine, so it runs in the main thread, in worker threads and
 * in child processes alike.
 */
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
          await new Promise((resolve) => setTimeout(resolve, delayMs));
          const x = feeds.x;
          return { y: { dtype: 'float32', shape: [...x.shape], data: Float32Array.from(x.data, (v) => v + 1) } };
        },
        dispose() {},
      };
    },
  };
}
