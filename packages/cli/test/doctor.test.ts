import { beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt, runCli } from './helpers/built-cli.js';

beforeAll(() => ensureBuilt(), 180_000);

describe('servable doctor', () => {
  it('reports Node, threads, onnxruntime-node, CUDA, WebGPU, tfjs backends and Chromium', async () => {
    const r = await runCli(['doctor', '--json']);
    expect(r.code, r.stderr).toBe(0);
    // Neither tfjs's "install the node backend" banner nor Dawn's Vulkan diagnostics reach stderr.
    expect(r.stderr).toBe('');
    const checks = Object.fromEntries((JSON.parse(r.stdout).checks as { check: string; status: string; detail: string }[]).map((c) => [c.check, c]));
    expect(checks['Node.js']).toMatchObject({ status: 'ok' });
    expect(checks['Node.js']!.detail).toContain(process.version);
    expect(checks['CPU threads']!.detail).toMatch(/^\d+ /);
    expect(checks['onnxruntime-node']!.detail).toMatch(/^1\.\d+\.\d+ /);
    const cuda = checks['CUDA provider libraries']!;
    if (cuda.status === 'missing') expect(cuda.detail).toContain('ONNXRUNTIME_NODE_INSTALL=cuda12');
    expect(checks['onnx-node cpu']).toMatchObject({ status: 'ok', detail: 'ran a test model on cpu' });
    expect(['ok', 'failed']).toContain(checks['onnx-node webgpu (WebGPU adapter in Node)']!.status);
    expect(checks['tfjs backend cpu']!.status).toBe('ok');
    expect(checks['tfjs backend cpu']!.detail).toContain('@tensorflow/tfjs-node');
    const webgpu = checks['onnx-node webgpu (WebGPU adapter in Node)']!;
    if (webgpu.status === 'failed') expect(webgpu.detail).toMatch(/WebGPU adapter/);
    else expect(webgpu.detail).toContain('in a child process');
    expect(checks['Chromium (browser tests)']).toBeDefined();
  });

  it('prints one line per check', async () => {
    const r = await runCli(['doctor']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\[ok\]\s+onnx-node cpu: ran a test model on cpu$/m);
  });
});
