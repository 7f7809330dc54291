import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const main = fileURLToPath(new URL('../main.mjs', import.meta.url));
const jpeg = fileURLToPath(new URL('../../../fixtures/images/seven.jpg', import.meta.url));

describe('the quickstart', () => {
  it('reads the held-out "7" as a 7 with a trained model, and prints the report', () => {
    const run = spawnSync(process.execPath, [main], { encoding: 'utf8', timeout: 60_000 });
    expect(run.status, run.stderr).toBe(0);
    const [, label, score] = /28×28 PNG → "(\d)" \(([\d.]+) %\)/.exec(run.stdout) ?? [];
    expect(label).toBe('7');
    expect(Number(score)).toBeGreaterThan(50);
    expect(run.stdout).toMatch(/mnist@1: served by onnx-node on cpu/);
    expect(run.stdout).toMatch(/onnx-node\[cuda\] (unavailable|not-tried)/);
  });

  it('classifies the image named on the command line, a JPEG here', () => {
    const run = spawnSync(process.execPath, [main, jpeg], { encoding: 'utf8', timeout: 60_000 });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^28×28 JPEG → "7"/);
  });
});
