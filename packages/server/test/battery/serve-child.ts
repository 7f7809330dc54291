import { createServer, handleShutdownSignals } from '../../src/index.js';

const [repository, runtimeModule, delayMs] = process.argv.slice(2);
const server = await createServer({
  repository: repository!,
  inProcess: true,
  port: 0,
  runtimes: [{ module: runtimeModule!, factory: 'slowRuntime', options: { delayMs: Number(delayMs) } }],
  batching: { maxBatchSize: 8, maxQueueDelayMs: 1, maxQueueSize: 4096 },
});
handleShutdownSignals(server);
process.stdout.write(`LISTENING ${await server.listen()}\n`);
