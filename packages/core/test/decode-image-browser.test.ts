import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeImage } from '../src/image/decode-image.js';

// decodeImage bundled for the browser (esbuild, platform "browser") and run in Debian's Chromium:
// the same pixels as in Node, from fetched bytes, a Blob, a relative URL string and a URL object.

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_MISSING = existsSync(CHROMIUM) ? undefined : `no Chromium at ${CHROMIUM} — apt-get install chromium (or set CHROMIUM_PATH) to run them`;
if (CHROMIUM_MISSING) console.warn(`browser tests skipped: ${CHROMIUM_MISSING}`);

const images = fileURLToPath(new URL('../../../fixtures/images/', import.meta.url));
const FILES = ['rgb.png', 'palette-2bit.png', 'gray-16bit.png', 'rgb.jpg', 'gray.jpg', 'progressive.jpg'];
const ENTRY = `
import { decodeImage } from ${JSON.stringify(fileURLToPath(new URL('../src/image/decode-image.ts', import.meta.url)))};
const summary = (img) => ({ width: img.width, height: img.height, channels: img.channels, format: img.format, data: Array.from(img.data) });
window.decodeAll = async (files) => {
  const out = {};
  for (const file of files) {
    const bytes = new Uint8Array(await (await fetch(file)).arrayBuffer());
    out[file] = {
      bytes: summary(await decodeImage(bytes)),
      blob: summary(await decodeImage(new Blob([bytes]))),
      relative: summary(await decodeImage(file)),
      url: summary(await decodeImage(new URL(file, location.href))),
    };
  }
  return out;
};
`;

let server: Server;
let base: string;
let browser: Browser;
let bundle: string;

beforeAll(async () => {
  const result = await build({ stdin: { contents: ENTRY, resolveDir: fileURLToPath(new URL('.', import.meta.url)), loader: 'js' }, bundle: true, format: 'esm', platform: 'browser', write: false, logLevel: 'silent' });
  bundle = result.outputFiles[0]!.text;
  server = createServer((req, res) => {
    const name = (req.url ?? '/').slice(1);
    if (name === '' || name === 'index.html') res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><script type="module" src="decode.js"></script>');
    else if (name === 'decode.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(bundle);
    else if (FILES.includes(name)) res.writeHead(200, { 'content-type': name.endsWith('.png') ? 'image/png' : 'image/jpeg' }).end(readFileSync(`${images}${name}`));
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--headless', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic'] });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
});

describe.skipIf(CHROMIUM_MISSING)('decodeImage in Chromium', () => {
  it('bundles for the browser without Node built-ins in its static imports', () => {
    expect(bundle).not.toMatch(/from\s*["']node:/);
    expect(bundle).not.toMatch(/require\(["'](node:)?(fs|path|zlib)["']\)/);
  });

  it('decodes PNG and JPEG to the same pixels as in Node, from bytes, a Blob and URLs', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(base);
    await page.waitForFunction(() => typeof (window as unknown as { decodeAll?: unknown }).decodeAll === 'function');
    const decoded = (await page.evaluate((files) => (window as unknown as { decodeAll(f: string[]): Promise<unknown> }).decodeAll(files), FILES)) as Record<string, Record<string, { width: number; height: number; channels: number; format: string; data: number[] }>>;
    for (const file of FILES) {
      const node = await decodeImage(`${images}${file}`);
      const want = { width: node.width, height: node.height, channels: node.channels, format: node.format, data: Array.from(node.data) };
      for (const [how, got] of Object.entries(decoded[file]!)) expect(got, `${file} from ${how}`).toEqual(want);
    }
    expect(errors).toEqual([]);
    await page.close();
  });
});
