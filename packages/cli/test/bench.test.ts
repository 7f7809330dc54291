import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, MODELS, ROOT, runCli } from './helpers/built-cli.js';

beforeAll(() => ensureBuilt(), 180_000);

describe('servable bench', () => {
  it('prints latency and throughput per batch size for each runtime that loads the model', async () => {
    const r = await runCli(['bench', join(MODELS, 'mlp.onnx'), '--batch', '1,4', '--seconds', '0.1', '--runtime', 'onnx-node:cpu,onnx-node:webgpu', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    const cpu = out.results.filter((x: { runtime: string; device: string }) => x.device === 'cpu');
    expect(cpu.map((x: { measurement: { batch: number } }) => x.measurement.batch)).toEqual([1, 4]);
    for (const { measurement } of cpu) {
      expect(measurement.runs).toBeGreaterThanOrEqual(5);
      expect(measurement.p50Ms).toBeGreaterThan(0);
      expect(measurement.p99Ms).toBeGreaterThanOrEqual(measurement.p50Ms);
      expect(measurement.examplesPerSecond).toBeCloseTo((measurement.batch * 1000) / measurement.meanMs, 0);
    }
    const webgpu = out.results.some((x: { device: string }) => x.device !== 'cpu');
    if (!webgpu) expect(out.notLoaded[0]).toMatchObject({ runtime: 'onnx-node', device: 'webgpu', status: 'unavailable' });
  });

  it('uses the fixed batch of a model that has one and prints a table', async () => {
    const r = await runCli(['bench', join(MODELS, 'fixed_batch.onnx'), '--batch', '1,8', '--seconds', '0.05', '--runtime', 'onnx-node']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^runtime\s+device\s+batch\s+runs\s+p50 ms\s+p99 ms\s+examples\/s$/m);
    expect(r.stdout.trim().split('\n')).toHaveLength(4);
    expect(r.stdout).toMatch(/onnx-node\s+cpu\s+1\s+\d+/);
    expect(r.stdout).toContain('synthetic inputs: x [1, 3]');
  });

  it('exits 1 when no runtime can load the model here and says why', async () => {
    const r = await runCli(['bench', join(MODELS, 'mlp.onnx'), '--seconds', '0.05', '--runtime', 'tfjs']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('not measured: tfjs:wasm skipped — does not load onnx models');
    expect(r.stderr).toContain('no runtime loaded the model');
  });

  it('exits 3 when the runtimes here refuse the file itself', async () => {
    const r = await runCli(['bench', join(MODELS, 'broken/garbage.onnx'), '--seconds', '0.05', '--runtime', 'onnx-node:cpu']);
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/not measured: onnx-node:cpu failed — .*garbage\.onnx/);
    expect(r.stderr).toContain('error MODEL_LOAD_FAILED');
  });

  it('runs a model whose state shares the batch name, and exits 1 with the reason when runs fail', async () => {
    const vad = join(ROOT, 'fixtures/inspect/if_branches.onnx');
    const ok = await runCli(['bench', vad, '--batch', '2', '--seconds', '0.05', '--runtime', 'onnx-node:cpu', '--shape', 'samples=512']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toContain('synthetic inputs: input [2, 512], state [2, 2, 16], sr []');
    const failing = await runCli(['bench', join(ROOT, 'fixtures/inspect/constant_weights.onnx'), '--seconds', '0.05', '--runtime', 'onnx-node:cpu', '--shape', 'x=1,3,8,8']);
    expect(failing.code).toBe(1);
    expect(failing.stdout).toMatch(/not measured: onnx-node:cpu failed while running synthetic inputs x \[1, 3, 8, 8\] — INFERENCE_FAILED: .*Pad reflect/);
    expect(failing.stderr).toContain('error INFERENCE_FAILED: runs failed on onnx-node:cpu');
    expect(failing.stderr).not.toContain('[E:onnxruntime');
  });
});

