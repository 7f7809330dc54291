import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const main = fileURLToPath(new URL('../main.mjs', import.meta.url));

describe('the demo', () => {
  it('trains MNIST, writes the model folder, serves it and answers a held-out 7 over HTTP', () => {
    const run = spawnSync(process.execPath, [main, '--no-serve', '--port', '0'], { encoding: 'utf8', timeout: 240_000 });
    expect(run.stderr).not.toMatch(/Error/);
    expect(run.status).toBe(0);
    const accuracy = Number(/test accuracy ([\d.]+) %/.exec(run.stdout)?.[1]);
    expect(accuracy).toBeGreaterThanOrEqual(93);
    expect(run.stdout).toMatch(/POST \/predict with a held-out "7" → 200: label "7"/);
    expect(run.stdout).toMatch(/curl -s http:\/\/127\.0\.0\.1:\d+\/predict/);
  }, 300_000);
});
