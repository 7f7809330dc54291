import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
// @ts-expect-error plain ESM script without types
import { closingLine, summarize } from './test-summary.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const file = (name: string, status: string, tests: string[], message = '') => ({
  name: join(root, name),
  status,
  message,
  assertionResults: tests.map((s, i) => ({ title: `t${i}`, status: s })),
});

describe('the closing line of the test command', () => {
  it('counts a file that failed outside any test as a failure, not its tests as skipped', () => {
    const report = {
      testResults: [
        file('a.test.ts', 'passed', ['passed', 'passed', 'skipped']),
        file('browser.test.ts', 'failed', ['skipped', 'skipped'], 'expected a browser at /usr/bin/chromium\n  at …'),
        file('broken-import.test.ts', 'failed', [], "Cannot find module './gone.js'"),
        file('b.test.ts', 'failed', ['passed', 'failed']),
      ],
    };
    const counts = summarize([report], root);
    expect(closingLine(counts)).toBe('tests: 3 passed, 3 failed, 1 skipped');
    expect(counts.failedFiles).toEqual([
      { file: 'browser.test.ts', message: 'expected a browser at /usr/bin/chromium' },
      { file: 'broken-import.test.ts', message: "Cannot find module './gone.js'" },
    ]);
  });

  it('adds the type-level run and counts a missing report as a failure', () => {
    const counts = summarize([{ testResults: [file('x.test.ts', 'passed', ['passed'])] }, undefined], root);
    expect(closingLine(counts)).toBe('tests: 1 passed, 1 failed, 0 skipped');
  });
});

describe('the test command on a machine without Chromium', () => {
  it('skips the browser tests with the reason printed, and passes', () => {
    const reports = mkdtempSync(join(tmpdir(), 'servable-test-reports-'));
    try {
      const run = spawnSync(process.execPath, [join(root, 'scripts/test.mjs'), 'examples/browser-app/test/', '-t', 'Chromium|in the page'], {
        cwd: root,
        encoding: 'utf8',
        env: { ...process.env, CHROMIUM_PATH: join(reports, 'no-chromium'), SERVABLE_TEST_REPORT_DIR: reports, FORCE_COLOR: '0', NO_COLOR: '1' },
        timeout: 180_000,
      });
      const output = run.stdout + run.stderr;
      expect(run.status, output).toBe(0);
      expect(output).toContain(`browser tests skipped: no Chromium at ${join(reports, 'no-chromium')} — apt-get install chromium (or set CHROMIUM_PATH) to run them`);
      const line = output.split('\n').find((l) => l.startsWith('tests: '));
      expect(line).toMatch(/^tests: 0 passed, 0 failed, [1-9]\d* skipped$/);
      const report = JSON.parse(readFileSync(join(reports, 'vitest.json'), 'utf8')) as { testResults: { name: string }[] };
      expect(report.testResults.map((r) => r.name.slice(root.length + 1))).toEqual(expect.arrayContaining(['examples/browser-app/test/app.test.ts', 'examples/browser-app/test/chromium-webgpu.test.ts']));
    } finally {
      rmSync(reports, { recursive: true, force: true });
    }
  }, 200_000);
});
