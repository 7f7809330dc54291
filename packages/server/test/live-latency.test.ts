import { afterAll, beforeAll, expect, it } from 'vitest';
import { createServer, type Server } from '../src/index.js';
import { createTestRepository, workerRuntime, type TestRepository } from './support/test-repository.js';

let repo: TestRepository;
let server: Server;
let url: string;

beforeAll(async () => {
  repo = createTestRepository();
  repo.addVersion('cnn', '1', 'cnn.onnx');
  server = await createServer({ repository: repo.root, runtimes: [{ ...(await workerRuntime()), options: { threads: 1 } }], port: 0, batching: { maxBatchSize: 256 } });
  url = await server.listen();
});

afterAll(async () => {
  await server.close();
  repo.remove();
});

/** Load generator in its own thread, so the server's event loop is not shared with the clients. */
const LOAD = `
const { parentPort, workerData } = require('node:worker_threads');
const { url, lanes, rows } = workerData;
const pixels = Buffer.from(new Float32Array(rows * 28 * 28).fill(0.5).buffer);
const header = Buffer.from(JSON.stringify({ inputs: [{ name: 'image', shape: [rows, 1, 28, 28], datatype: 'FP32', parameters: { binary_data_size: pixels.length } }], outputs: [{ name: 'logits', parameters: { binary_data: true } }] }));
const body = Buffer.concat([header, pixels]);
let stop = false;
let served = 0;
const failures = [];
parentPort.on('message', () => { stop = true; });
const lane = async () => {
  while (!stop) {
    const r = await fetch(url + '/v2/models/cnn/infer', { method: 'POST', headers: { 'inference-header-content-length': String(header.length) }, body });
    if (r.status !== 200) failures.push(r.status + ' ' + (await r.text()));
    else await r.arrayBuffer();
    served++;
    if (served === lanes) parentPort.postMessage({ warm: true });
  }
};
Promise.all(Array.from({ length: lanes }, lane)).then(() => parentPort.postMessage({ served, failures }));
`;

it('answers /v2/health/live quickly while the model is saturated (inference runs in a worker thread)', async () => {
  const { Worker } = await import('node:worker_threads');
  const rows = 128;
  const load = new Worker(LOAD, { eval: true, workerData: { url, lanes: 3, rows } });
  const done = new Promise<{ served: number; failures: string[] }>((resolve) => load.on('message', (m) => 'served' in m && resolve(m)));
  await new Promise<void>((resolve) => load.on('message', (m) => 'warm' in m && resolve()));
  const latencies: number[] = [];
  for (let i = 0; i < 300; i++) {
    const t0 = performance.now();
    const r = await fetch(`${url}/v2/health/live`);
    await r.text();
    latencies.push(performance.now() - t0);
    expect(r.status).toBe(200);
  }
  load.postMessage('stop');
  const { served, failures } = await done;
  await load.terminate();
  latencies.sort((a, b) => a - b);
  const p99 = latencies[Math.floor(latencies.length * 0.99)]!;
  const stats = server.registry.get('cnn').predictor!.batcher!.stats;
  console.log(`live p50 ${latencies[Math.floor(latencies.length / 2)]!.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms while ${served} inferences of ${rows} images ran (${stats.batches} batches)`);
  expect(failures).toEqual([]);
  expect(stats.batches).toBeGreaterThan(4);
  expect(p99).toBeLessThan(200);
});
