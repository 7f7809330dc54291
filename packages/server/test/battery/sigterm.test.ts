import { spawn } from 'node:child_process';
import { request, Agent } from 'node:http';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestRepository, type TestRepository } from '../support/test-repository.js';

const SLOW_RUNTIME = fileURLToPath(new URL('./slow-runtime.mjs', import.meta.url));
const CLIENTS = 32;
const BEFORE_SIGNAL = 300;

let repo: TestRepository;
let childScript: string;

beforeAll(async () => {
  repo = createTestRepository();
  repo.addVersion('add_one', '1', 'add_one.onnx');
  const esbuild = await import('esbuild');
  childScript = fileURLToPath(new URL(`../../node_modules/.cache/servable-server/serve-child-${process.pid}.mjs`, import.meta.url));
  await esbuild.build({
    entryPoints: [fileURLToPath(new URL('./serve-child.ts', import.meta.url))],
    outfile: childScript,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    alias: { '@servable/core': fileURLToPath(new URL('../../../core/src/index.ts', import.meta.url)) },
    logLevel: 'silent',
  });
}, 60_000);

afterAll(() => repo?.remove());

interface Outcome {
  readonly status?: number;
  readonly error?: string;
  readonly startedBeforeSignal: boolean;
  readonly exact?: boolean;
}

function post(port: number, agent: Agent, id: number, signalled: () => boolean): Promise<Outcome> {
  const startedBeforeSignal = !signalled();
  const body = JSON.stringify({ id: String(id), inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 2], data: [id, 0.5] }] });
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/v2/models/add_one/infer', method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
      let text = '';
      res.on('data', (c: Buffer) => (text += c.toString()));
      res.on('end', () => {
        let exact: boolean | undefined;
        if (res.statusCode === 200) {
          const json = JSON.parse(text) as { id: string; outputs: { data: number[] }[] };
          exact = json.id === String(id) && json.outputs[0]!.data[0] === Math.fround(id + 1) && json.outputs[0]!.data[1] === 1.5;
        }
        resolve({ status: res.statusCode, startedBeforeSignal, exact });
      });
    });
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message, startedBeforeSignal }));
    req.end(body);
  });
}

describe('SIGTERM under load', () => {
  it('answers every accepted request, refuses new ones, and exits 0', async () => {
    const child = spawn(process.execPath, [childScript, repo.root, SLOW_RUNTIME, '20'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /LISTENING (\S+)/.exec(out);
        if (m) resolve(m[1]!);
      });
      child.on('exit', (code) => reject(new Error(`child exited ${code} before listening: ${stderr}`)));
    });
    const port = Number(new URL(url).port);
    const agent = new Agent({ keepAlive: true, maxSockets: CLIENTS });
    let signalled = false;
    let signalledAt = 0;
    let answeredBeforeSignal = 0;
    let next = 0;
    const outcomes: Outcome[] = [];
    const lane = async () => {
      while (!signalled) {
        const outcome = await post(port, agent, next++, () => signalled);
        outcomes.push(outcome);
        if (outcome.status === 200 && ++answeredBeforeSignal === BEFORE_SIGNAL) {
          signalled = true;
          signalledAt = Date.now();
          child.kill('SIGTERM');
        }
      }
    };
    await Promise.all(Array.from({ length: CLIENTS }, lane));
    const late = await Promise.all(Array.from({ length: 8 }, (_, i) => post(port, new Agent(), 100_000 + i, () => true)));
    const code = await exited;

    const inFlight = outcomes.filter((o) => o.startedBeforeSignal);
    const failures = inFlight.filter((o) => o.status === undefined || o.status >= 500 && o.status !== 503);
    console.log(`SIGTERM battery: ${outcomes.length} requests, ${outcomes.filter((o) => o.status === 200).length} answered 200, ${outcomes.filter((o) => o.status === 503).length} 503 while closing, late: ${JSON.stringify(late.map((o) => o.status ?? o.error))}, exit ${Date.now() - signalledAt} ms after the signal`);
    expect(code, stderr).toBe(0);
    expect(failures).toEqual([]);
    expect(inFlight.filter((o) => o.status === 200).every((o) => o.exact)).toBe(true);
    expect(inFlight.filter((o) => o.status === 200).length).toBeGreaterThanOrEqual(BEFORE_SIGNAL);
    for (const o of late) expect(o.status === 503 || o.error === 'ECONNREFUSED' || o.error === 'ECONNRESET').toBe(true);
  });
});
