import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, MODELS, runCli } from './helpers/built-cli.js';

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
});
