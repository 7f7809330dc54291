import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, MODELS, ROOT, runCli } from './helpers/built-cli.js';

const INSPECT = join(ROOT, 'fixtures/inspect');
const expected = JSON.parse(readFileSync(join(INSPECT, 'expected.json'), 'utf8')) as Record<string, Record<string, number>>;

beforeAll(() => ensureBuilt(), 180_000);

describe('servable inspect', () => {
  it('describes the MLP as JSON: opset, symbolic signature, parameters, operators, FLOPs, runtimes tried', async () => {
    const r = await runCli(['inspect', join(MODELS, 'mlp.onnx'), '--json', '--seconds', '0']);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.summary.opsets).toEqual([{ domain: 'ai.onnx', version: 13 }]);
    expect(report.summary.inputs).toEqual([{ name: 'pixels', dtype: 'float32', shape: ['batch', 28, 28] }]);
    expect(report.summary.parameters).toMatchObject({ total: 784 * 128 + 128 + 128 * 10 + 10, bytes: 4 * (784 * 128 + 128 + 128 * 10 + 10) });
    expect(report.summary.parameters.byDtype).toEqual([{ dtype: 'float32', tensors: 4, parameters: 101770, bytes: 407080 }]);
    expect(report.summary.operators).toContainEqual({ opType: 'Gemm', count: 2 });
    expect(report.summary.flops.total).toBe(2 * 784 * 128 + 128 + 2 * 128 * 10 + 10 + 128 + 50);
    const tried = Object.fromEntries(report.runtimes.map((t: { runtime: string; device: string; status: string }) => [`${t.runtime}:${t.device}`, t.status]));
    expect(tried['onnx-node:cpu']).toBe('loads');
    expect(['loads', 'unavailable']).toContain(tried['onnx-node:cuda']);
    expect(['loads', 'unavailable']).toContain(tried['onnx-node:webgpu']);
    expect(tried['tfjs:wasm']).toBe('skipped');
    for (const t of report.runtimes) if (t.status !== 'loads') expect(t.reason.length).toBeGreaterThan(10);
    expect(report.recommendation).toBeUndefined();
  });

  it('measures the runtimes that load the model and recommends one with a batch size', async () => {
    const r = await runCli(['inspect', join(MODELS, 'cnn.onnx'), '--runtime', 'onnx-node:cpu', '--seconds', '0.05', '--batch', '1,4']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Format:   onnx (ir_version 7), produced by pytorch 1.13.0');
    expect(r.stdout).toMatch(/input\s+image\s+float32\s+\[batch, 1, 28, 28\]/);
    expect(r.stdout).toContain('FLOPs per example: 608.4 K (608,394)');
    expect(r.stdout).toMatch(/Measured on onnx-node:cpu:\n.*batch.*\n.*\n\s+1\s+\d+/);
    expect(r.stdout).toMatch(/Recommendation: onnx-node on cpu, batch size (1|4)/);
  });

  it('reports external data sizes', async () => {
    const r = await runCli(['inspect', join(MODELS, 'external'), '--json', '--seconds', '0', '--runtime', 'onnx-node:cpu']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).summary.parameters).toMatchObject({ total: 16, bytes: 64, externalBytes: 64 });
  });

  it('exits 3 for a file that is not a model', async () => {
    const r = await runCli(['inspect', join(MODELS, 'broken/garbage.onnx'), '--seconds', '0']);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('error MODEL_LOAD_FAILED: garbage.onnx: expected a well-formed protobuf message');
    const missing = await runCli(['inspect', join(MODELS, 'nope.onnx')]);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain('MODEL_NOT_FOUND');
  });

  it('counts weights held in Constant nodes (paddle2onnx style) and measures at image sizes, not 8', async () => {
    const r = await runCli(['inspect', join(INSPECT, 'constant_weights.onnx'), '--json', '--runtime', 'onnx-node:cpu', '--seconds', '0.05', '--batch', '1']);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    const e = expected['constant_weights.onnx']!;
    expect(report.summary.parameters.total).toBe(e.allConstantValues);
    expect(report.summary.parameters.byDtype.find((g: { dtype: string }) => g.dtype === 'float32').parameters).toBe(e.float32Weights);
    expect(report.summary.parameters.sources.constantNodes.parameters).toBe(e.allConstantValues);
    expect(report.summary.parameters.sources.initializers.parameters).toBe(0);
    expect(report.syntheticInputs['onnx-node:cpu']).toEqual({ x: [1, 3, 224, 224] });
    expect(report.measurements[0].measurements[0].runs).toBeGreaterThan(0);
    // The head behind a reflect pad sized at run time has no estimate: the total is unknown, not a partial sum.
    expect(report.summary.flops.total).toBeNull();
    expect(report.summary.flops.lowerBound).toBeGreaterThan(1_000_000);
  });

  it('counts weights inside If branches and keeps a shared "batch" consistent across inputs', async () => {
    const r = await runCli(['inspect', join(INSPECT, 'if_branches.onnx'), '--runtime', 'onnx-node:cpu', '--seconds', '0.05', '--batch', '1,4']);
    expect(r.code, r.stderr).toBe(0);
    const e = expected['if_branches.onnx']!;
    expect(r.stdout).toContain(`Parameters: ${e.allConstantValues} (${e.allConstantValues})`);
    expect(r.stdout).toContain(`held in: initializers ${e.topLevelInitializers} (5 tensors), Constant nodes 0 (0), subgraphs ${e.inSubgraphs} (4 tensors in 2 If/Loop/Scan bodies)`);
    expect(r.stdout).toMatch(/FLOPs per example: at least [\d.]+ \(\d+\), the rest unknown/);
    expect(r.stdout).toContain('If ×1 (control flow: cost depends on run-time values)');
    expect(r.stdout).toContain('Synthetic inputs: input [1, 64], state [2, 1, 16], sr []');
    expect(r.stdout).toMatch(/Measured on onnx-node:cpu:\n.*\n.*\n\s+1\s+\d+.*\n\s+4\s+\d+/);
  });

  it('prints the whole static report when measuring fails, exits 1 (an engine failure, not usage) and keeps onnxruntime quiet', async () => {
    const r = await runCli(['inspect', join(INSPECT, 'constant_weights.onnx'), '--runtime', 'onnx-node:cpu', '--seconds', '0.05', '--shape', 'x=1,3,8,8']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('Parameters: 3.87 K (3,869)');
    expect(r.stdout).toContain('Measuring on onnx-node:cpu failed with synthetic inputs x [1, 3, 8, 8]:');
    expect(r.stdout).toMatch(/INFERENCE_FAILED: .*Pad reflect/);
    expect(r.stdout).toContain('Recommendation: none — measuring failed (see above).');
    expect(r.stderr).toContain('error INFERENCE_FAILED: measuring failed on onnx-node:cpu');
    expect(r.stderr).not.toContain('[E:onnxruntime');
  });

  it('refuses a --shape that does not fit the model as a usage error before loading anything', async () => {
    const r = await runCli(['inspect', join(INSPECT, 'if_branches.onnx'), '--shape', 'state=2,1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/error INVALID_ARGUMENT: flag --shape state: expected 3 size\(s\) for input "state" \[2, batch, 16\]/);
    expect(r.stdout).toBe('');
  });

  it('keeps the tfjs banner and the WebGPU probe\'s Dawn output off stderr, and says where the GPU check ran', async () => {
    const r = await runCli(['inspect', join(ROOT, 'packages/runtime-tfjs/fixtures/mlp'), '--seconds', '0.05', '--batch', '1']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
    const onnx = await runCli(['inspect', join(MODELS, 'mlp.onnx'), '--seconds', '0', '--runtime', 'onnx-node:webgpu']);
    expect(onnx.code, onnx.stderr).toBe(0);
    expect(onnx.stderr).toBe('');
    expect(onnx.stdout).toMatch(/onnx-node\s+webgpu\s+(loads\s+on webgpu in \d+ ms \(child process\)|unavailable)/);
  });

  it('reads a tfjs graph model\'s signature with the names, dtypes and shapes predict uses, and measures its dynamic ops', async () => {
    const r = await runCli(['inspect', join(ROOT, 'packages/runtime-tfjs/fixtures/graph_dynamic'), '--json', '--runtime', 'tfjs:cpu', '--seconds', '0.05', '--batch', '2']);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.summary.inputs).toEqual([{ name: 'boxes', dtype: 'float32', shape: ['batch', 4] }]);
    expect(report.summary.outputs).toEqual([
      { name: 'logits', dtype: 'float32', shape: ['batch', 5] },
      { name: 'summary', dtype: 'float32', shape: [1, 5] },
      { name: 'selected', dtype: 'int32', shape: ['batch'] },
      { name: 'positive', dtype: 'int32', shape: ['batch', 1] },
    ]);
    expect(report.measurementFailures).toEqual([]);
    expect(report.measurements[0].measurements[0]).toMatchObject({ batch: 2 });
  });
});

