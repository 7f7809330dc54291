// Runs @servable/core's conformance suite against onnx-web in this page. The fixtures are fetched
// from /fixtures/ (the repository's fixtures folder); results land in window.conformanceResults.
import type { DType } from '@servable/core';
import { runConformanceSuite, type ConformanceFixture, type GoldenCase } from '@servable/core/testing';
import { onnxWeb } from '@servable/runtime-web';

interface Result {
  readonly name: string;
  readonly ok: boolean;
  readonly error?: string;
  readonly ms: number;
}

const chain = new URLSearchParams(location.search).get('chain') === 'webgpu' ? 'webgpu' : 'wasm';
const log = document.getElementById('log')!;

async function bytes(path: string): Promise<Uint8Array> {
  const res = await fetch(path);
  if (!res.ok) throw new Error(`fixture ${path}: expected HTTP 200, got ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

async function fixture(name: string, golden?: string): Promise<ConformanceFixture> {
  return {
    source: await bytes(`/fixtures/models/${name}.onnx`),
    golden: golden ? ((await (await fetch(`/fixtures/golden/${golden}.json`)).json()) as GoldenCase) : undefined,
  };
}

const identity: Partial<Record<DType, ConformanceFixture>> = {};
for (const dtype of ['float32', 'float64', 'float16', 'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64', 'bool', 'string'] as const) {
  identity[dtype] = await fixture(`identity_${dtype}`);
}

const tests: { name: string; fn: () => Promise<void> }[] = [];
const scope: string[] = [];
runConformanceSuite({
  name: 'onnx-web',
  runtimes: () => (chain === 'webgpu' ? [onnxWeb({ device: 'webgpu' }), onnxWeb({ device: 'wasm' })] : [onnxWeb({ device: 'wasm' })]),
  fixtures: { mlp: await fixture('mlp', 'mlp'), multiIo: await fixture('multi_io', 'multi_io'), fixedBatch: await fixture('fixed_batch', 'fixed_batch'), identity },
  test: {
    describe(name, fn) {
      scope.push(name);
      fn();
      scope.pop();
    },
    it(name, fn) {
      tests.push({ name: [...scope, name].join(' > '), fn });
    },
  },
});

const results: Result[] = [];
for (const t of tests) {
  const started = performance.now();
  try {
    await t.fn();
    results.push({ name: t.name, ok: true, ms: performance.now() - started });
  } catch (e) {
    results.push({ name: t.name, ok: false, error: String((e as Error)?.stack ?? e), ms: performance.now() - started });
  }
  log.textContent += `${results.at(-1)!.ok ? 'ok  ' : 'FAIL'} ${t.name}\n`;
}
(window as unknown as { conformanceResults: Result[] }).conformanceResults = results;
document.body.dataset.state = 'done';
