// A tiny static file server for the built app: 127.0.0.1 only, COOP/COEP headers so the page is
// cross-origin isolated (WebAssembly threads), correct types for .wasm and .mjs.
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.onnx': 'application/octet-stream',
  '.bin': 'application/octet-stream',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.map': 'application/json; charset=utf-8',
};

/**
 * Serves `root` on 127.0.0.1.
 * @param {string} root folder to serve
 * @param {{ port?: number, isolate?: boolean, mounts?: Record<string, string>, cache?: boolean }} [options] port 0 picks a free one;
 *   isolate sends COOP/COEP (default true); mounts serves other folders under URL prefixes (`{ '/ort/': dir }`);
 *   cache lets the browser keep files for an hour (default: no-store, every load is cold)
 * @returns {Promise<{ url: string, close: () => Promise<void> }>}
 */
export async function serveStatic(root, options = {}) {
  const roots = [...Object.entries(options.mounts ?? {}).map(([prefix, dir]) => [prefix, resolve(dir)]), ['/', resolve(root)]];
  const isolate = options.isolate ?? true;
  const server = createServer(async (req, res) => {
    const headers = isolate
      ? { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp', 'Cross-Origin-Resource-Policy': 'same-origin' }
      : {};
    try {
      const path = decodeURIComponent(new URL(req.url ?? '/', 'http://127.0.0.1').pathname);
      const [prefix, base] = roots.find(([p]) => path.startsWith(p));
      let file = normalize(join(base, path.slice(prefix.length - 1)));
      if (file !== base && !file.startsWith(base + sep)) {
        res.writeHead(403, headers).end('forbidden');
        return;
      }
      if ((await stat(file).catch(() => undefined))?.isDirectory()) file = join(file, 'index.html');
      const body = await readFile(file);
      res.writeHead(200, { ...headers, 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream', 'Cache-Control': options.cache ? 'public, max-age=3600' : 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
    } catch {
      res.writeHead(404, headers).end('not found');
    }
  });
  await new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(options.port ?? 0, '127.0.0.1', ok);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise((ok) => { server.closeAllConnections?.(); server.close(() => ok()); }),
  };
}

