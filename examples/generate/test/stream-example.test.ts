import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const coreDist = `${root}packages/core/dist/index.js`;
const built = existsSync(coreDist) && readFileSync(coreDist, 'utf8').includes('createGenerator') && existsSync(`${root}packages/runtime-node/dist/index.js`);

// The example imports the built packages, as a user's program would; `pnpm test` builds them first.
describe.skipIf(!built)('examples/generate/stream.mjs (needs the packages built: pnpm run build)', () => {
  it('streams the tiny decoder to stdout, the prompt first, and reports why it stopped', () => {
    const run = spawnSync(process.execPath, [`${root}examples/generate/stream.mjs`, '--prompt', 'Hi', '--max-tokens', '12', '--temperature', '0.8', '--seed', '1'], {
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.status).toBe(0);
    expect(run.stdout.startsWith('Hi')).toBe(true);
    expect(run.stderr).toMatch(/\[(length|stop)\] \d+ tokens, first after [\d.]+ ms/);
  });
});
