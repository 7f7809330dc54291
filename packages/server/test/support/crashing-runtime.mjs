import { addOneRuntime } from './add-one-runtime.mjs';

/**
 * A runtime for the crash test: "y = x + 1" over float32 `x` [batch, n], except that a run whose
 * first value is -1 ends the thread it runs in (in a worker thread, `process.exit` ends only
 * that thread), as a fatal engine error would.
 */
export function crashingRuntime() {
  return addOneRuntime('crashing-add-one', (x) => {
    if (x.data[0] === -1) process.exit(3);
  });
}
