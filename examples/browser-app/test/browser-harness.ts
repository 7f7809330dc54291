import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { build, createLogger } from 'vite';
// @ts-expect-error plain ESM script without types
import { readDigits } from '../scripts/export-digits.mjs';
// @ts-expect-error plain ESM script without types
import { prepareModels } from '../scripts/prepare-model.mjs';
// @ts-expect-error plain ESM script without types
import { serveStatic } from '../scripts/static-server.mjs';

/** The example app's folder. */
export const APP_DIR = fileURLToPath(new URL('..', import.meta.url));
/** The workspace root. */
export const REPO_DIR = join(APP_DIR, '..', '..');

/** Chromium from Debian (`apt-get install chromium`), or `CHROMIUM_PATH`. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * Why the browser tests cannot run here (no Chromium), or undefined when they can. The reason
 * is printed once per test file, and the files skip their browser tests with it.
 */
export const CHROMIUM_MISSING: string | undefined = existsSync(CHROMIUM) ? undefined : `no Chromium at ${CHROMIUM} — apt-get install chromium (or set CHROMIUM_PATH) to run them`;
if (CHROMIUM_MISSING) console.warn(`browser tests skipped: ${CHROMIUM_MISSING}`);

const BASE_ARGS = ['--no-sandbox', '--headless', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-quic'];
/** Flags that give headless Chromium a WebGPU adapter on SwiftShader (CPU Vulkan). */
export const WEBGPU_ARGS = ['--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-webgpu-adapter=swiftshader'];

/** A static server handle. */
export interface Served {
  readonly url: string;
  close(): Promise<void>;
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/**
 * Builds a package's dist with tsup when it is missing, or, for runtime-web, older than its
 * sources (core is built by the workspace build; a dist being rewritten right now is waited for).
 */
export async function ensureBuilt(packageName: 'core' | 'runtime-web'): Promise<void> {
  const dir = join(REPO_DIR, 'packages', packageName);
  const entry = join(dir, 'dist', 'index.js');
  for (let i = 0; i < 30 && !existsSync(entry) && existsSync(join(dir, 'dist')); i++) await new Promise((r) => setTimeout(r, 1000));
  const stale = packageName === 'runtime-web' && existsSync(entry) && statSync(entry).mtimeMs < newestMtime(join(dir, 'src'));
  if (existsSync(entry) && !stale) return;
  execFileSync(process.execPath, [join(REPO_DIR, 'node_modules', 'tsup', 'dist', 'cli-default.js')], { cwd: dir, stdio: 'pipe' });
}

/**
 * Writes the committed trained model into public/ and builds the app with Vite into `outDir`.
 * @returns the warnings Vite logged (module externalized for the browser, chunk sizes…)
 */
export async function buildApp(outDir: string): Promise<string[]> {
  await ensureBuilt('core');
  await ensureBuilt('runtime-web');
  prepareModels({ committed: true, quiet: true });
  const warnings: string[] = [];
  const customLogger = createLogger('warn');
  customLogger.warn = (message) => void warnings.push(message);
  customLogger.warnOnce = (message) => void warnings.push(message);
  await build({ root: APP_DIR, configFile: join(APP_DIR, 'vite.config.ts'), customLogger, logLevel: 'warn', build: { outDir, emptyOutDir: true } });
  return warnings;
}

/** Serves a folder on 127.0.0.1 (COOP/COEP unless `isolate` is false). */
export function serve(root: string, options: { isolate?: boolean; mounts?: Record<string, string> } = {}): Promise<Served> {
  return serveStatic(root, options) as Promise<Served>;
}

/** Launches Debian's Chromium headless; with `webgpu`, on SwiftShader's WebGPU adapter. */
export async function launchChromium(options: { webgpu?: boolean } = {}): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium: expected a browser at ${CHROMIUM}, got none — apt-get install chromium (or set CHROMIUM_PATH)`);
  }
  const args = [...BASE_ARGS, ...(options.webgpu ? WEBGPU_ARGS : ['--disable-gpu'])];
  return chromium.launch({ executablePath: CHROMIUM, args });
}

/** Collects page errors and requests that left 127.0.0.1, for assertions. */
export function watchPage(page: Page): { errors: string[]; external: string[] } {
  const seen = { errors: [] as string[], external: [] as string[] };
  page.on('pageerror', (e) => seen.errors.push(e.message));
  page.on('request', (r) => {
    const url = new URL(r.url());
    if (url.protocol.startsWith('http') && url.hostname !== '127.0.0.1') seen.external.push(r.url());
  });
  return seen;
}

/**
 * A real digit of the mnist package that the trainer held out (it trains on all but every tenth
 * digit), pixels in [0, 1]. `nth` counts held-out digits of that label from 0.
 */
export function heldOutDigit(label: number, nth: number): number[] {
  const digits = readDigits() as { label: number; pixels: number[] }[];
  const held = digits.filter((d, i) => d.label === label && i % 10 === 0);
  if (!held[nth]) throw new Error(`mnist digits: expected at least ${nth + 1} held-out "${label}"s, got ${held.length}`);
  return held[nth].pixels;
}

/**
 * Paints 28 × 28 pixels onto the app's canvas, each as a square scaled to the canvas (10 × 10 on
 * 280 × 280), then dispatches the canvas's `drawn` event as the pad does after a stroke.
 */
export async function drawDigit(page: Page, pixels: number[]): Promise<void> {
  await page.evaluate((values) => {
    const canvas = document.getElementById('pad') as HTMLCanvasElement;
    const ctx = canvas.getContext('2d')!;
    const cell = canvas.width / 28;
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    values.forEach((v, i) => {
      if (v <= 0) return;
      const g = Math.round(v * 255);
      ctx.fillStyle = `rgb(${g},${g},${g})`;
      ctx.fillRect((i % 28) * cell, Math.floor(i / 28) * cell, cell, cell);
    });
    canvas.dispatchEvent(new Event('drawn'));
  }, pixels);
}

/** Waits for the app to finish loading a model; returns its state. */
export async function waitForModel(page: Page): Promise<string> {
  await page.waitForFunction(() => document.body.dataset.state !== 'loading', null, { timeout: 60_000 });
  return page.evaluate(() => document.body.dataset.state ?? '');
}

/** Waits until the app shows more than `after` predictions; returns the top labels shown. */
export async function waitForPrediction(page: Page, after = 0): Promise<{ labels: string[]; scores: number[]; ms: number }> {
  await page.waitForFunction((n) => Number(document.body.dataset.predictions ?? 0) > n, after, { timeout: 30_000 });
  return page.evaluate(() => {
    const items = [...document.querySelectorAll<HTMLLIElement>('#top li')];
    return {
      labels: items.map((li) => li.dataset.label ?? ''),
      scores: items.map((li) => Number(li.dataset.score)),
      ms: Number(document.getElementById('timing')?.dataset.ms),
    };
  });
}

/** What the page says about the runtime that serves the model. */
export function servedBy(page: Page): Promise<{ runtime?: string; device?: string; text: string; report: string; error: string }> {
  return page.evaluate(() => {
    const served = document.getElementById('served')!;
    return {
      runtime: served.dataset.runtime,
      device: served.dataset.device,
      text: served.textContent ?? '',
      report: document.getElementById('report')?.textContent ?? '',
      error: document.getElementById('error')?.textContent ?? '',
    };
  });
}

/** Number of distinct colours in a PNG. */
export function distinctColours(png: Buffer): number {
  const image = PNG.sync.read(png);
  const colours = new Set<number>();
  for (let i = 0; i < image.data.length; i += 4) colours.add(image.data.readUInt32BE(i));
  return colours.size;
}
