import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { createRequire } from 'node:module';
import { byteTokenizer, createGenerator, loadModel, type Generator, type Model } from '@servable/core';
import { onnxNode } from '@servable/runtime-node';
import type { FastifyInstance } from 'fastify';
import * as ort from 'onnxruntime-node';
import { registerGenerateRoutes } from '../../packages/server/src/generate/index.js';
import { rawDecode, type DecodeTiming } from './raw-decode-loop.js';

const require = createRequire(new URL('../../packages/server/package.json', import.meta.url));
const Fastify = require('fastify') as (opts?: object) => FastifyInstance;

interface Decoder {
  readonly label: string;
  readonly cached: string;
  readonly uncached: string;
  readonly layers: number;
  readonly heads: number;
  readonly headDim: number;
  readonly runs: number;
}

const TOKENS = Number(process.env.BENCH_TOKENS ?? 64);
const THREADS = Number(process.env.BENCH_THREADS ?? 2);
const ONLY = process.env.BENCH_MODELS?.split(',');
const PROMPT = Array.from(new TextEncoder().encode('The quick brown fox jumps over'));
const root = new URL('../../', import.meta.url).pathname;

const decoders: Decoder[] = [
  { label: 'tiny (50 k)', cached: `${root}fixtures/decoder/decoder.onnx`, uncached: `${root}fixtures/decoder/decoder-nocache.onnx`, layers: 2, heads: 2, headDim: 16, runs: 40 },
  { label: '20M', cached: `${root}bench/models/decoder-20m/decoder.onnx`, uncached: `${root}bench/models/decoder-20m/decoder-nocache.onnx`, layers: 6, heads: 8, headDim: 64, runs: 11 },
];

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/**
 * Runs each contender `runs` times, interleaved (a, b, c, a, b, c, …) after two warm-up rounds,
 * so that a busy machine slows them alike; returns each one's median.
 */
async function interleaved<T extends Array<() => Promise<DecodeTiming>>>(runs: number, contenders: [...T]): Promise<{ [K in keyof T]: Timing }> {
  const samples: Timing[][] = contenders.map(() => []);
  for (let round = 0; round < runs + 2; round++) {
    for (let i = 0; i < contenders.length; i++) {
      const cpu = process.cpuUsage();
      const result = await contenders[i]!();
      const used = process.cpuUsage(cpu);
      if (round >= 2) samples[i]!.push({ ...result, cpuMs: (used.user + used.system) / 1000 });
    }
  }
  return samples.map((list) => ({
    firstMs: median(list.map((r) => r.firstMs)),
    perTokenMs: median(list.map((r) => r.perTokenMs)),
    cpuMs: median(list.map((r) => r.cpuMs)),
    tokens: list[0]!.tokens,
  })) as { [K in keyof T]: Timing };
}

/** A timing plus the CPU time this process spent (all its threads, the engine's included). */
interface Timing extends DecodeTiming {
  readonly cpuMs: number;
}

async function viaGenerate(generator: Generator, cache: boolean): Promise<DecodeTiming> {
  const t0 = performance.now();
  let firstMs = 0;
  const tokens: number[] = [];
  for await (const event of generator.generate(PROMPT, { maxTokens: TOKENS, cache })) {
    if (tokens.length === 0) firstMs = performance.now() - t0;
    tokens.push(event.token);
  }
  const total = performance.now() - t0;
  return { firstMs, perTokenMs: (total - firstMs) / Math.max(1, tokens.length - 1), tokens };
}

/** A generate_stream client in another process (it would otherwise share this event loop). */
function httpClient(base: string): { run: () => Promise<DecodeTiming>; close: () => void } {
  const body = JSON.stringify({ text_input: new TextDecoder().decode(Uint8Array.from(PROMPT)), parameters: { max_tokens: TOKENS, temperature: 0 } });
  const child = spawn(process.execPath, [`${root}bench/generate/http-client.mjs`, `${base}/v2/models/bench/generate_stream`, body, String(TOKENS)], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
  return {
    async run() {
      child.stdin!.write('go\n');
      const { value } = await lines.next();
      const r = JSON.parse(value as string) as { firstMs: number; perTokenMs: number };
      return { ...r, tokens: [] };
    },
    close: () => child.stdin!.end(),
  };
}

/** Bytes of output tensors the engine hands back per step of a generate() run (its fresh allocations). */
async function engineOutputBytesPerStep(model: Model): Promise<number> {
  let bytes = 0;
  let steps = 0;
  const counting: Model = Object.assign(Object.create(null) as Model, {
    signature: model.signature,
    manifest: model.manifest,
    report: model.report,
    loaded: model.loaded,
    disposed: false,
    async run(feeds: Parameters<Model['run']>[0], options: Parameters<Model['run']>[1]) {
      const out = await model.run(feeds, options);
      steps++;
      for (const t of Object.values(out)) bytes += (t.data as Float32Array).byteLength;
      return out;
    },
    dispose: () => Promise.resolve(),
    [Symbol.asyncDispose]: () => Promise.resolve(),
  });
  for await (const _ of createGenerator(counting, { tokenizer: byteTokenizer({ eosTokenId: null }) }).generate(PROMPT, { maxTokens: TOKENS })) void _;
  return bytes / steps;
}

function ratio(a: Timing, b: Timing): string {
  return `${(a.perTokenMs / b.perTokenMs).toFixed(2)}× / ${(a.cpuMs / b.cpuMs).toFixed(2)}×`;
}

function kvBytesPerStep(d: Decoder, sequence: number): number {
  return 2 * d.layers * d.heads * d.headDim * sequence * 4;
}

const rows: string[][] = [];
const row = (label: string, path: string, t: Timing | undefined, versus: string, note: string) =>
  rows.push([label, path, t ? t.perTokenMs.toFixed(3) : '—', t ? (t.cpuMs / TOKENS).toFixed(3) : '—', t ? t.firstMs.toFixed(3) : '—', versus, note]);

for (const d of decoders) {
  if (ONLY && !ONLY.some((name) => d.label.startsWith(name))) continue;
  if (!existsSync(d.cached)) {
    console.error(`skipping ${d.label}: ${d.cached} is missing (run bench/generate/run.mjs, which exports it)`);
    continue;
  }
  const options = { intraOpNumThreads: THREADS };
  const rawCached = await ort.InferenceSession.create(d.cached, options);
  const rawUncached = await ort.InferenceSession.create(d.uncached, options);
  const cache = { layers: d.layers, heads: d.heads, headDim: d.headDim };
  const model = await loadModel(d.cached, { runtimes: [onnxNode({ threads: THREADS })] });
  const plain = await loadModel(d.uncached, { runtimes: [onnxNode({ threads: THREADS })] });
  const generator = createGenerator(model, { tokenizer: byteTokenizer({ eosTokenId: null }) });
  const uncachedGenerator = createGenerator(plain, { tokenizer: byteTokenizer({ eosTokenId: null }) });
  const [raw, gen, prefill] = await interleaved(d.runs, [
    () => rawDecode(ort, rawCached, PROMPT, TOKENS, cache),
    () => viaGenerate(generator, true),
    () => rawDecode(ort, rawCached, PROMPT, 1, cache),
  ]);
  const [rawCopy] = await interleaved(Math.max(2, Math.ceil(d.runs / 3)), [() => rawDecode(ort, rawCached, PROMPT, TOKENS, cache, true)]);
  const engineBytes = await engineOutputBytesPerStep(model);
  const [rawNo, genNo] = await interleaved(Math.max(2, Math.ceil(d.runs / 3)), [
    () => rawDecode(ort, rawUncached, PROMPT, TOKENS, undefined),
    () => viaGenerate(uncachedGenerator, true),
  ]);
  if (gen.tokens.join() !== raw.tokens.join()) throw new Error(`${d.label}: generate() and the raw loop disagree on greedy tokens`);
  if (genNo.tokens.join() !== raw.tokens.join()) throw new Error(`${d.label}: uncached and cached tokens disagree`);

  const app = Fastify();
  registerGenerateRoutes(app, { resolveGenerator: () => ({ generator, version: '1' }) });
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  const client = httpClient(base);
  const [rawAgain, http] = await interleaved(d.runs, [() => rawDecode(ort, rawCached, PROMPT, TOKENS, cache), client.run]);
  client.close();
  await app.close();

  row(d.label, 'raw session.run, cached', raw, '1.00×', '');
  row(d.label, 'generate(), cached', gen, ratio(gen, raw), `TTFT − prefill = ${(gen.firstMs - prefill.firstMs).toFixed(2)} ms`);
  row(d.label, 'HTTP generate_stream (OIP)', http, ratio(http, rawAgain), `client in another process (CPU: server only); raw in the same rounds: ${rawAgain.perTokenMs.toFixed(3)} ms/token, ${(rawAgain.cpuMs / TOKENS).toFixed(3)} CPU ms/token`);
  row(d.label, 'raw, cache copied through JS', rawCopy, ratio(rawCopy, raw), 'what generate() avoids');
  row(d.label, 'raw session.run, uncached', rawNo, ratio(rawNo, raw), '');
  row(d.label, 'generate(), uncached', genNo, ratio(genNo, raw), '');
  rows.push([d.label, 'raw prefill (1 step)', '—', '—', prefill.firstMs.toFixed(3), '', `KV cache at the last step ${(kvBytesPerStep(d, PROMPT.length + TOKENS) / 1024).toFixed(0)} KiB; generate() copies 0 B of it per step in JS, the engine allocates ${(engineBytes / 1024).toFixed(0)} KiB of outputs per step`]);
  await model.dispose();
  await plain.dispose();
  await rawCached.release();
  await rawUncached.release();
}

const header = ['model', 'path', 'ms/token', 'CPU ms/token', 'TTFT ms', 'vs raw (wall / CPU)', 'note'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
console.log(`\ngenerate() benchmark: ${TOKENS} new tokens after a ${PROMPT.length}-token prompt, greedy, onnxruntime-node ${ort.env.versions.node} on the CPU (${THREADS} threads), median of interleaved runs\n`);
console.log(line(header));
console.log(line(widths.map((w) => '-'.repeat(w))));
for (const r of rows) console.log(line(r));
