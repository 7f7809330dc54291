// Servable's server against a naive one with autocannon on 127.0.0.1: the MNIST MLP fixture and
// MobileNetV2 at 1, 16 and 64 clients, OIP infer on the MLP, and /v2/health/live under saturation.
// Build first: (cd packages/core && npx tsup) && (cd packages/runtime-node && npx tsup) && (cd packages/server && npx tsup)
import { fork } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { parseArgs } from '../lib/args.mjs';
import { benchModel, fixtureModel } from '../lib/paths.mjs';
import { fixed, printTable } from '../lib/table.mjs';

const args = parseArgs({
  duration: 5,
  clients: '1,16,64',
  workers: 1,
  threads: 1,
  'max-batch': 64,
  'queue-delay': 0,
  'mobilenet-batch': 8,
  'mobilenet-threads': 1,
  models: 'mlp,mobilenet',
  quick: false,
});
const duration = args.quick ? 2 : args.duration;
const clientCounts = String(args.clients).split(',').map(Number);
const here = (p) => fileURLToPath(new URL(p, import.meta.url));
const repository = benchModel('serve-repo');
const mobilenetPath = benchModel('mobilenet_v2.onnx');

function prepareRepository() {
  mkdirSync(join(repository, 'mlp', '1'), { recursive: true });
  cpSync(fixtureModel('mlp.onnx'), join(repository, 'mlp', '1', 'model.onnx'));
  if (existsSync(mobilenetPath)) {
    mkdirSync(join(repository, 'mobilenet', '1'), { recursive: true });
    cpSync(mobilenetPath, join(repository, 'mobilenet', '1', 'model.onnx'));
    const manifest = {
      schemaVersion: 1,
      name: 'mobilenet',
      version: '1',
      format: 'onnx',
      file: 'model.onnx',
      labels: Array.from({ length: 1000 }, (_, i) => `class_${i}`),
      preprocessing: { image: { scale: 1 / 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], layout: 'NCHW' } },
      postprocessing: { activation: 'softmax', topK: 5 },
    };
    writeFileSync(join(repository, 'mobilenet', '1', 'servable.json'), JSON.stringify(manifest));
    const runtime = { module: '@servable/runtime-node', factory: 'onnxNode', options: { threads: args['mobilenet-threads'] } };
    writeFileSync(join(repository, 'mobilenet', 'config.json'), JSON.stringify({ runtimes: [runtime], batching: { maxBatchSize: args['mobilenet-batch'] } }));
  }
}

function start(script, argv) {
  const child = fork(here(script), argv, { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('message', () => resolve(child));
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
}

async function stop(child) {
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

/** One autocannon run, then one more request of the same kind: it returns once the server's backlog is served, so runs do not overlap. */
async function cannon(url, connections, body, headers = { 'content-type': 'application/json' }, seconds = duration) {
  const result = await new Promise((resolve, reject) => {
    autocannon({ url, method: 'POST', connections, duration: seconds, body, headers }, (error, r) => (error ? reject(error) : resolve(r)));
  });
  await (await fetch(url, { method: 'POST', body, headers })).arrayBuffer();
  return result;
}

/** Sequential GET latencies (ms) while `load` runs. */
async function probe(url, until) {
  const latencies = [];
  while (!until()) {
    const t0 = performance.now();
    const r = await fetch(url);
    await r.text();
    latencies.push(performance.now() - t0);
    await new Promise((r2) => setTimeout(r2, 5));
  }
  latencies.sort((a, b) => a - b);
  return { p50: latencies[Math.floor(latencies.length / 2)], p99: latencies[Math.floor(latencies.length * 0.99)], n: latencies.length };
}

function mlpBody() {
  const rows = Array.from({ length: 28 }, (_, r) => Array.from({ length: 28 }, (_, c) => ((r * 28 + c) % 255) / 255));
  return { simple: JSON.stringify({ inputs: rows }), oip: JSON.stringify({ inputs: [{ name: 'pixels', shape: [1, 28, 28], datatype: 'FP32', data: rows.flat() }] }) };
}

function mlpBinaryBody() {
  const pixels = Float32Array.from({ length: 784 }, (_, i) => (i % 255) / 255);
  const header = Buffer.from(
    JSON.stringify({
      inputs: [{ name: 'pixels', shape: [1, 28, 28], datatype: 'FP32', parameters: { binary_data_size: pixels.byteLength } }],
      outputs: [{ name: 'probabilities', parameters: { binary_data: true } }],
    }),
  );
  return { body: Buffer.concat([header, Buffer.from(pixels.buffer)]), headerLength: header.length };
}

function mobilenetBody() {
  const pixels = Buffer.alloc(224 * 224 * 3);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 7) % 256;
  return JSON.stringify({ inputs: { image: { b64: pixels.toString('base64'), width: 224, height: 224, channels: 3 } } });
}

prepareRepository();
const models = String(args.models).split(',').filter((m) => m !== 'mobilenet' || existsSync(mobilenetPath));
if (!existsSync(mobilenetPath)) console.log('bench/models/mobilenet_v2.onnx missing: run /usr/bin/python3 bench/predict-overhead/export-mobilenet.py; MobileNetV2 rows skipped');
console.log(
  `servable: ${args.workers} worker(s); MLP: onnxruntime threads ${args.threads || 'default'}, maxBatchSize ${args['max-batch']}; ` +
    `MobileNetV2: threads ${args['mobilenet-threads']}, maxBatchSize ${args['mobilenet-batch']}; maxQueueDelayMs ${args['queue-delay']}; naive: onnxruntime defaults; ${duration} s per run`,
);

const rows = [];
const extra = [];
let port = 18400;
for (const model of models) {
  const body = model === 'mlp' ? mlpBody().simple : mobilenetBody();
  const naivePort = port++;
  const servablePort = port++;
  const naive = await start('naive-server.mjs', [model === 'mlp' ? fixtureModel('mlp.onnx') : mobilenetPath, model, String(naivePort)]);
  const servable = await start('servable-server.mjs', [repository, String(servablePort), String(args.workers), String(args.threads), String(args['max-batch']), String(args['queue-delay'])]);
  const naiveUrl = `http://127.0.0.1:${naivePort}/predict`;
  const servableUrl = `http://127.0.0.1:${servablePort}/v1/models/${model}:predict`;
  await cannon(naiveUrl, 4, body, undefined, 1);
  await cannon(servableUrl, 4, body, undefined, 1);
  for (const connections of clientCounts) {
    const n = await cannon(naiveUrl, connections, body);
    const s = await cannon(servableUrl, connections, body);
    const bad = n.non2xx + n.errors + s.non2xx + s.errors;
    rows.push([
      model,
      connections,
      fixed(n.requests.average, 0),
      fixed(n.latency.p50, 1),
      fixed(n.latency.p99, 1),
      fixed(s.requests.average, 0),
      fixed(s.latency.p50, 1),
      fixed(s.latency.p99, 1),
      `${fixed(s.requests.average / n.requests.average, 2)}×`,
      bad,
    ]);
  }
  if (model === 'mlp') {
    const oip = await cannon(`http://127.0.0.1:${servablePort}/v2/models/mlp/infer`, 64, mlpBody().oip);
    extra.push(['OIP infer JSON, MLP, 64 clients (servable)', `${fixed(oip.requests.average, 0)} req/s, p50 ${fixed(oip.latency.p50)} ms, p99 ${fixed(oip.latency.p99)} ms, non-2xx ${oip.non2xx}`]);
    const binary = mlpBinaryBody();
    const raw = await cannon(`http://127.0.0.1:${servablePort}/v2/models/mlp/infer`, 64, binary.body, { 'inference-header-content-length': String(binary.headerLength) });
    extra.push(['OIP infer binary tensors, MLP, 64 clients (servable)', `${fixed(raw.requests.average, 0)} req/s, p50 ${fixed(raw.latency.p50)} ms, p99 ${fixed(raw.latency.p99)} ms, non-2xx ${raw.non2xx}`]);
  }
  for (const [name, url, liveUrl] of [
    ['naive', naiveUrl, `http://127.0.0.1:${naivePort}/health`],
    ['servable', servableUrl, `http://127.0.0.1:${servablePort}/v2/health/live`],
  ]) {
    let done = false;
    const load = cannon(url, 64, body).then((r) => {
      done = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 500));
    const live = await probe(liveUrl, () => done);
    await load;
    extra.push([`live check under 64-client load, ${model} (${name})`, `p50 ${fixed(live.p50)} ms, p99 ${fixed(live.p99)} ms over ${live.n} probes`]);
  }
  await stop(naive);
  await stop(servable);
}

console.log('');
printTable(['model', 'clients', 'naive req/s', 'naive p50 ms', 'naive p99 ms', 'servable req/s', 'servable p50 ms', 'servable p99 ms', 'ratio', 'errors'], rows);
console.log('');
printTable(['measure', 'figure'], extra);
