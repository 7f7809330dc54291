// Servable's server on a repository, started as a child process by run.mjs:
// node servable-server.mjs <repository> <port> <workers> <threads> <maxBatchSize> <maxQueueDelayMs>
import { createServer } from '@servable/server';

const [repository, port, workers, threads, maxBatchSize, maxQueueDelayMs] = process.argv.slice(2);
const server = await createServer({
  repository,
  port: Number(port),
  workers: Number(workers),
  runtimes: [{ module: '@servable/runtime-node', factory: 'onnxNode', options: Number(threads) > 0 ? { threads: Number(threads) } : {} }],
  batching: { maxBatchSize: Number(maxBatchSize), maxQueueDelayMs: Number(maxQueueDelayMs), maxQueueSize: 8192 },
});
await server.listen();
process.send?.('ready');
process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
