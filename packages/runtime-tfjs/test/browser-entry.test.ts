import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

// The browser build (the `browser` export condition), as bundlers see it: the built file, not the sources.

const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));
const REPO_DIR = join(PACKAGE_DIR, '..', '..');
const BROWSER = join(PACKAGE_DIR, 'dist', 'browser.js');

function newest(dir: string): number {
  return Math.max(0, ...readdirSync(dir, { withFileTypes: true }).map((e) => (e.isDirectory() ? newest(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs)));
}

beforeAll(() => {
  if (existsSync(BROWSER) && statSync(BROWSER).mtimeMs >= newest(join(PACKAGE_DIR, 'src'))) return;
  execFileSync(process.execPath, [join(REPO_DIR, 'node_modules', 'tsup', 'dist', 'cli-default.js')], { cwd: PACKAGE_DIR, stdio: 'pipe' });
}, 180_000);

describe('browser entry', () => {
  it('is what the browser condition of package.json points at, and imports no Node built-in', () => {
    const pkg = JSON.parse(readFileSync(join(PACKAGE_DIR, 'package.json'), 'utf8')) as { exports: Record<string, Record<string, unknown>> };
    expect(Object.keys(pkg.exports['.']!)[0]).toBe('browser');
    expect(pkg.exports['.']!.browser).toEqual({ types: './dist/index.d.ts', default: './dist/browser.js' });
    const code = readFileSync(BROWSER, 'utf8');
    expect(code).not.toMatch(/\bimport\s*\(\s*["'](node:)?(fs|fs\/promises|path|module|os|url)["']\s*\)/);
    expect(code).not.toMatch(/\bfrom\s*["'](node:)?(fs|fs\/promises|path|module|os|url)["']/);
  });

  it('exports the same API as the Node entry, and file paths fail with UNSUPPORTED_CAPABILITY', () => {
    const out = execFileSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `
        const browser = await import(${JSON.stringify(BROWSER)});
        const node = await import(${JSON.stringify(join(PACKAGE_DIR, 'dist', 'index.js'))});
        const error = await browser.fileSystem('models/mnist/1').load().catch((e) => e);
        console.log(JSON.stringify({ same: Object.keys(browser).sort().join() === Object.keys(node).sort().join(), code: error.code, message: error.message }));
        `,
      ],
      { cwd: PACKAGE_DIR, encoding: 'utf8', timeout: 60_000 },
    );
    const r = JSON.parse(out.trim().split('\n').pop()!) as { same: boolean; code: string; message: string };
    expect(r.same).toBe(true);
    expect(r.code).toBe('UNSUPPORTED_CAPABILITY');
    expect(r.message).toContain('use an http(s):// or indexeddb:// URL in browsers');
  });
});
