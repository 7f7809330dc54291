// The server under test, started as a child process by run.mjs:
// node server.mjs <repository> <workers> <maxBatchSize> <maxQueueDelayMs>
// Prints "LISTENING <url>" once ready; SIGTERM drains and exits 0.
import { createServer, handleShutdownSignals } from '@servable/server';

const [repository, workers, maxBatchSize, maxQueueDelayMs] = process.argv.slice(2);
const server = await createServer({
  repository,
  port: 0,
  workers: Number(workers),
  runtimes: [{ module: '@servable/runtime-node', factory: 'onnxNode', options: { threads: 1 } }],
  batching: { maxBatchSize: Number(maxBatchSize), maxQueueDelayMs: Number(maxQueueDelayMs), maxQueueSize: 8192 },
});
handleShutdownSignals(server);
process.stdout.write(`LISTENING ${await server.listen()}\n`);
