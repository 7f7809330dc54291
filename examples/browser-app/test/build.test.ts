import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildApp, REPO_DIR } from './browser-harness.js';

// Builds the app without a browser: what Vite says while bundling the runtimes for the page.
describe('browser app build', () => {
  it('bundles core, runtime-web and runtime-tfjs without a warning, and no Node module reaches the page', async () => {
    const outDir = await mkdtemp(join(tmpdir(), 'servable-browser-build-'));
    try {
      // The browser entry of runtime-tfjs must exist for the app to offer it at all.
      expect(existsSync(join(REPO_DIR, 'packages/runtime-tfjs/dist/browser.js')), 'packages/runtime-tfjs/dist/browser.js: build runtime-tfjs first').toBe(true);
      const warnings = await buildApp(outDir);
      expect(warnings.filter((w) => /externalized for browser compatibility/.test(w))).toEqual([]);
      expect(warnings).toEqual([]);
      const assets = await readdir(join(outDir, 'assets'));
      for (const name of assets.filter((a) => a.endsWith('.js'))) {
        expect(name, 'a chunk of Vite\'s empty stand-ins for Node modules').not.toMatch(/__vite-browser-external/);
        const code = await readFile(join(outDir, 'assets', name), 'utf8');
        expect(code, name).not.toMatch(/["']node:(fs|path|module)/);
      }
    } finally {
      await rm(outDir, { recursive: true, force: true });
    }
  }, 180_000);
});
