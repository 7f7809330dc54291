import { parentPort } from 'node:worker_threads';
import { ServableError, createDecryptor, loadModel, type Model, type TensorMap } from '@servable/core';
import { instantiateRuntimes } from '../runtime/runtime-spec.js';
import { warmUp } from './warm-up.js';
import { transferables, type WireServableError, type WorkerRequest, type WorkerResponse } from './worker-protocol.js';

function wire(error: unknown): WireServableError {
  if (ServableError.isInstance(error)) return { code: error.code, message: error.message, details: JSON.parse(JSON.stringify(error.details ?? {})) as Record<string, unknown> };
  return { message: (error as Error)?.message ?? String(error) };
}

const port = parentPort;
if (!port) throw new Error('inference-worker: expected to run in a worker thread, got the main thread');

let model: Model | undefined;
const inFlight = new Set<Promise<void>>();

function post(message: WorkerResponse, transfer: ArrayBuffer[] = []): void {
  try {
    port!.postMessage(message, transfer);
  } catch {
    // Engines may hand back buffers that cannot be detached; those are copied instead.
    port!.postMessage(message);
  }
}

async function run(id: number, feeds: TensorMap, outputs: readonly string[] | undefined): Promise<void> {
  try {
    if (!model) throw new ServableError('DISPOSED', 'model worker: expected a loaded model, got none — load it first');
    const result = await model.run(feeds, outputs ? { outputs } : {});
    post({ type: 'result', id, outputs: result }, transferables(result));
  } catch (e) {
    post({ type: 'run-failed', id, error: wire(e) });
  }
}

port.on('message', (message: WorkerRequest) => {
  if (message.type === 'load') {
    void (async () => {
      try {
        const runtimes = await instantiateRuntimes(message.runtimes);
        model = await loadModel(message.source, { runtimes, ...(message.decrypt ? { decrypt: createDecryptor(message.decrypt) } : {}) });
        if (message.warmUp) await warmUp(model);
        post({ type: 'loaded', signature: model.signature, manifest: model.manifest, report: JSON.parse(JSON.stringify(model.report)) as never });
      } catch (e) {
        post({ type: 'load-failed', error: wire(e) });
      }
    })();
  } else if (message.type === 'run') {
    const p = run(message.id, message.feeds, message.outputs);
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
  } else if (message.type === 'close') {
    void (async () => {
      await Promise.allSettled([...inFlight]);
      try {
        await model?.dispose();
      } finally {
        post({ type: 'closed' });
        port.close();
        process.exit(0);
      }
    })();
  }
});
