/**
 * An engine-free runtime for server tests: it loads any ONNX source as "y = x + 1" over float32
 * `x` [batch, n]. `beforeRun(x)` runs first on every call (to wait, record or crash), so test
 * runtimes differ only there. Plain JavaScript: it loads in the main thread, worker threads and
 * child processes alike.
 */
export function addOneRuntime(name, beforeRun) {
  return {
    specificationVersion: 'v1',
    name,
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
          await beforeRun(x);
          return { y: { dtype: 'float32', shape: [...x.shape], data: Float32Array.from(x.data, (v) => v + 1) } };
        },
        dispose() {},
      };
    },
  };
}
