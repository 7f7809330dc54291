/**
 * A runtime for the crash test: "y = x + 1" over float32 `x` [batch, n], except that a run whose
 * first value is -1 ends the thread it runs in (in a worker thread, `process.exit` ends only
 * that thread), as a fatal engine error would.
 */
export function crashingRuntime() {
  return {
    specificationVersion: 'v1',
    name: 'crashing-add-one',
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
          if (x.data[0] === -1) process.exit(3);
          return { y: { dtype: 'float32', shape: [...x.shape], data: Float32Array.from(x.data, (v) => v + 1) } };
        },
        dispose() {},
      };
    },
  };
}
