import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { markdownFiles } from './markdown.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

describe('documentation', () => {
  it('every relative link in the markdown files points at a file or folder that exists', () => {
    const broken: string[] = [];
    const files = markdownFiles(root);
    expect(files.length).toBeGreaterThan(15);
    for (const file of files) {
      const text = readFileSync(join(root, file), 'utf8').replace(/```[\s\S]*?```/g, '');
      for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = m[1]!.split('#')[0]!;
        if (!target || /^[a-z]+:/i.test(target)) continue;
        if (!existsSync(resolve(root, dirname(file), decodeURIComponent(target)))) broken.push(`${file} → ${m[1]}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('every example has a README', () => {
    const missing = readdirSync(join(root, 'examples'), { withFileTypes: true })
      .filter((d) => d.isDirectory() && !existsSync(join(root, 'examples', d.name, 'README.md')))
      .map((d) => d.name);
    expect(missing).toEqual([]);
  });

  it('the API reference and guides build with typedoc without a warning', () => {
    const out = mkdtempSync(join(tmpdir(), 'servable-docs-'));
    const run = spawnSync(process.execPath, [join(root, 'node_modules/typedoc/bin/typedoc'), '--out', out], { cwd: root, encoding: 'utf8', timeout: 240_000 });
    expect(run.stdout + run.stderr).not.toMatch(/\[warning\]|\[error\]/);
    expect(run.status).toBe(0);
    expect(existsSync(join(out, 'index.html'))).toBe(true);
    expect(readdirSync(join(out, 'documents')).length).toBeGreaterThanOrEqual(8);
  }, 300_000);
});
