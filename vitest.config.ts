import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (p: string) => fileURLToPath(new URL(p, import.meta.url));

// Tests import the packages' sources; bundle smoke tests import the built dist on purpose.
export default defineConfig({
  resolve: {
    alias: [
      { find: /^@servable\/core\/testing$/, replacement: src('./packages/core/src/testing/index.ts') },
      { find: /^@servable\/core$/, replacement: src('./packages/core/src/index.ts') },
      { find: /^@servable\/runtime-node$/, replacement: src('./packages/runtime-node/src/index.ts') },
      { find: /^@servable\/runtime-tfjs$/, replacement: src('./packages/runtime-tfjs/src/index.ts') },
      { find: /^@servable\/runtime-web$/, replacement: src('./packages/runtime-web/src/index.ts') },
      { find: /^@servable\/server$/, replacement: src('./packages/server/src/index.ts') },
    ],
  },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts', 'examples/*/test/**/*.test.ts', 'deploy/**/*.test.ts', 'docs/**/*.test.ts', 'scripts/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
    typecheck: { enabled: false, tsconfig: 'packages/core/tsconfig.test.json', include: ['packages/*/src/**/*.test-d.ts'] },
  },
});
