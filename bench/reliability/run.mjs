// Reliability figures: N requests from C concurrent keep-alive clients (127.0.0.1 only) against
// the add_one model served by @servable/server in a child process. Every request carries an id
// and its own input; the script reconciles sent = received = succeeded + rejected + failed,
// checks every id is echoed and every output is exact (float32 x + 1), and prints the counts
// and the error classes seen. Exit code 1 when anything does not reconcile.
//
//   node bench/reliability/run.mjs [--requests 100000] [--clients 64] [--workers 1] [--maxBatchSize 32] [--maxQueueDelayMs 1]
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from '../lib/args.mjs';
import { fixtureModel } from '../lib/paths.mjs';

const args = parseArgs({ requests: 100_000, clients: 64, workers: 1, maxBatchSize: 32, maxQueueDelayMs: 1 });
if (!(args.clients >= 1 && args.clients <= 256)) throw new Error(`--clients: expected 1 to 256 (the load stays bounded), got ${args.clients}`);

const repository = mkdtempSync(join(tmpdir(), 'servable-reliability-'));
mkdirSync(join(repository, 'add_one', '1'), { recursive: true });
copyFileSync(fixtureModel('add_one.onnx'), join(repository, 'add_one', '1', 'model.onnx'));

const child = spawn(process.execPath, [fileURLToPath(new URL('./server.mjs', import.meta.url)), repository, String(args.workers), String(args.maxBatchSize), String(args.maxQueueDelayMs)], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
const exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
const url = await new Promise((resolve, reject) => {
  let out = '';
  child.stdout.on('data', (d) => {
    out += d;
    const m = /LISTENING (\S+)/.exec(out);
    if (m) resolve(m[1]);
  });
  child.on('exit', (code) => reject(new Error(`server exited with ${code} before listening`)));
});
const { hostname, port } = new URL(url);
if (hostname !== '127.0.0.1') throw new Error(`expected the server on 127.0.0.1, got ${hostname}`);

const agent = new Agent({ keepAlive: true, maxSockets: args.clients });
const counts = { sent: 0, received: 0, succeeded: 0, rejected: 0, failed: 0, idEchoed: 0, exact: 0 };
const classes = new Map();
const latencies = new Float64Array(args.requests);
const note = (cls) => classes.set(cls, (classes.get(cls) ?? 0) + 1);

/** The input of request i: three float32 values that differ per request. */
function inputOf(i) {
  return [Math.fround((i % 1000) * 0.5), Math.fround(-i), Math.fround(i / 7)];
}

function once(i) {
  const x = inputOf(i);
  const id = `r-${i}`;
  const body = JSON.stringify({ id, inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 3], data: x }] });
  const started = performance.now();
  counts.sent++;
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/v2/models/add_one/infer', method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        latencies[i] = performance.now() - started;
        counts.received++;
        const text = Buffer.concat(chunks).toString('utf8');
        let json;
        try {
          json = JSON.parse(text);
        } catch {
          counts.failed++;
          note(`${res.statusCode} unparsable body`);
          return resolve();
        }
        if (res.statusCode === 200) {
          const echoed = json.id === id;
          const out = json.outputs?.[0]?.data;
          const exact = Array.isArray(out) && out.length === 3 && out.every((v, k) => v === Math.fround(x[k] + 1));
          if (echoed) counts.idEchoed++;
          if (exact) counts.exact++;
          if (echoed && exact) counts.succeeded++;
          else {
            counts.failed++;
            note(echoed ? '200 wrong output' : '200 wrong id');
          }
        } else if (res.statusCode === 429 || res.statusCode === 503 || (res.statusCode >= 400 && res.statusCode < 500)) {
          counts.rejected++;
          note(`${res.statusCode} ${String(json.error ?? '').split(':')[0].slice(0, 60)}`);
        } else {
          counts.failed++;
          note(`${res.statusCode} ${String(json.error ?? '').slice(0, 60)}`);
        }
        resolve();
      });
      res.on('error', (e) => {
        counts.received++;
        counts.failed++;
        note(`response ${e.code ?? e.message}`);
        resolve();
      });
    });
    req.on('error', (e) => {
      counts.received++;
      counts.failed++;
      note(`socket ${e.code ?? e.message}`);
      resolve();
    });
    req.end(body);
  });
}

let next = 0;
const lane = async () => {
  while (next < args.requests) await once(next++);
};
const t0 = performance.now();
await Promise.all(Array.from({ length: args.clients }, lane));
const seconds = (performance.now() - t0) / 1000;
agent.destroy();
child.kill('SIGTERM');
const exitCode = await exited;
rmSync(repository, { recursive: true, force: true });

const sorted = Array.from(latencies.subarray(0, counts.received)).sort((a, b) => a - b);
const pct = (p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
const reconciled = counts.sent === args.requests && counts.received === counts.sent && counts.received === counts.succeeded + counts.rejected + counts.failed;

console.log(`reliability: ${args.requests} requests, ${args.clients} clients, add_one, workers ${args.workers}, maxBatchSize ${args.maxBatchSize}, maxQueueDelayMs ${args.maxQueueDelayMs}`);
console.log(`  sent       ${counts.sent}`);
console.log(`  received   ${counts.received}`);
console.log(`  succeeded  ${counts.succeeded}  (id echoed ${counts.idEchoed}, output exact ${counts.exact})`);
console.log(`  rejected   ${counts.rejected}`);
console.log(`  failed     ${counts.failed}`);
console.log(`  reconciled ${reconciled ? 'yes' : 'NO'}: received = succeeded + rejected + failed = ${counts.succeeded + counts.rejected + counts.failed}`);
console.log(`  error classes: ${classes.size === 0 ? 'none' : [...classes].map(([k, v]) => `${k} × ${v}`).join('; ')}`);
console.log(`  ${seconds.toFixed(1)} s, ${(counts.received / seconds).toFixed(0)} req/s, latency p50 ${pct(50).toFixed(2)} ms, p99 ${pct(99).toFixed(2)} ms, max ${pct(100).toFixed(2)} ms`);
console.log(`  server exit code after SIGTERM: ${exitCode}`);
process.exitCode = reconciled && counts.failed === 0 && exitCode === 0 ? 0 : 1;
