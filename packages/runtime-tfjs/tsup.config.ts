import { fileURLToPath } from 'node:url';
import { defineConfig } from 'tsup';
import type { Plugin } from 'esbuild';

/** The browser build swaps the one module that names Node built-ins for its browser twin. */
const browserBuiltins: Plugin = {
  name: 'servable-browser-builtins',
  setup(build) {
    build.onResolve({ filter: /\/platform\/node-builtins\.js$/ }, () => ({ path: fileURLToPath(new URL('./src/platform/node-builtins.browser.ts', import.meta.url)) }));
  },
};

export default defineConfig([
  {
    entry: ['src/index.ts'],
    format: ['esm', 'cjs'],
    dts: true,
    clean: true,
    sourcemap: true,
    target: 'node20',
    treeshake: true,
  },
  {
    // The `browser` export condition: no Node built-in is imported, so bundlers have nothing to externalize.
    entry: { browser: 'src/index.ts' },
    format: ['esm'],
    dts: false,
    clean: false,
    sourcemap: true,
    platform: 'browser',
    target: 'es2022',
    treeshake: true,
    esbuildPlugins: [browserBuiltins],
  },
]);
