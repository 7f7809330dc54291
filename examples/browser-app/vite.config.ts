import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { servableOnnxWeb } from '@servable/runtime-web/vite';
import { defineConfig, type Plugin } from 'vite';

const VIRTUAL = '\0servable-runtime-tfjs-unavailable';

/**
 * The runtime switch imports @servable/runtime-tfjs on demand. When this checkout has no build of
 * it, the app still builds and the switch shows why that option is unavailable.
 */
function runtimeTfjsWhenBuilt(): Plugin {
  const require = createRequire(import.meta.url);
  let reason: string | undefined;
  try {
    const entry = require.resolve('@servable/runtime-tfjs/package.json').replace(/package\.json$/, 'dist/browser.js');
    if (!existsSync(entry)) reason = '@servable/runtime-tfjs has no build output in this checkout (dist/browser.js is missing) — run `pnpm --filter @servable/runtime-tfjs build` and rebuild the app';
  } catch (e) {
    reason = `@servable/runtime-tfjs is not installed (${(e as Error).message.split('\n')[0]})`;
  }
  return {
    name: 'servable-runtime-tfjs-when-built',
    resolveId(source) {
      return reason && source === '@servable/runtime-tfjs' ? VIRTUAL : null;
    },
    load(id) {
      return id === VIRTUAL ? `export const unavailableReason = ${JSON.stringify(reason)};` : null;
    },
  };
}

export default defineConfig({
  plugins: [servableOnnxWeb(), runtimeTfjsWhenBuilt()],
  build: { target: 'es2022', chunkSizeWarningLimit: 2000 },
  server: { host: '127.0.0.1' },
  preview: { host: '127.0.0.1' },
});
