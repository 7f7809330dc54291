import { afterEach, describe, expect, it } from 'vitest';
import type { Ort } from './load-ort.js';
import { applyEnvironment, planEnvironment } from './ort-environment.js';

const scope = globalThis as { crossOriginIsolated?: boolean };

function fakeOrt(): Ort {
  return { env: { wasm: {} } } as unknown as Ort;
}

describe('planEnvironment (threads and cross-origin isolation)', () => {
  afterEach(() => {
    delete scope.crossOriginIsolated;
  });

  it('runs one thread on a page that is not cross-origin isolated and says why', () => {
    const { env, warnings } = planEnvironment('wasm', { threads: 4, wasmPaths: '/assets/ort/' });
    expect(env.threads).toBe(1);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ type: 'unsupported', setting: 'threads' });
    expect(warnings[0]!.message).toMatch(/page is not cross-origin isolated \(needs COOP\/COEP headers/);
  });

  it('warns that threads are off by default without isolation', () => {
    const { env, warnings } = planEnvironment('webgpu', {});
    expect(env.threads).toBe(1);
    expect(warnings[0]).toMatchObject({ type: 'degraded', setting: 'threads' });
  });

  it('says nothing when one thread is asked for', () => {
    expect(planEnvironment('wasm', { threads: 1 }).warnings).toEqual([]);
  });

  it('uses the threads asked for on a cross-origin isolated page', () => {
    scope.crossOriginIsolated = true;
    const { env, warnings } = planEnvironment('wasm', { threads: 4 });
    expect(env.threads).toBe(4);
    expect(warnings).toEqual([]);
    expect(planEnvironment('wasm', {}).env.threads).toBeUndefined();
  });

  it('keeps threads in Node, where SharedArrayBuffer always works', () => {
    expect(planEnvironment('node', { threads: 2 })).toEqual({ env: { threads: 2, proxy: false, wasmPaths: undefined }, warnings: [] });
  });

  it('turns the proxy worker on for the wasm build only', () => {
    expect(planEnvironment('wasm', { proxy: true, threads: 1 }).env.proxy).toBe(true);
    const webgpu = planEnvironment('webgpu', { proxy: true, threads: 1 });
    expect(webgpu.env.proxy).toBe(false);
    expect(webgpu.warnings).toContainEqual(expect.objectContaining({ type: 'unsupported', setting: 'proxy' }));
  });

  it('resolves relative wasmPaths against the page', () => {
    const scope = globalThis as { document?: { baseURI: string } };
    scope.document = { baseURI: 'http://127.0.0.1:5173/app/index.html' };
    try {
      expect(planEnvironment('wasm', { threads: 1, wasmPaths: '../static/' }).env.wasmPaths).toBe('http://127.0.0.1:5173/static/');
      expect(planEnvironment('wasm', { threads: 1, wasmPaths: { wasm: 'w/a.wasm' } }).env.wasmPaths).toEqual({ wasm: 'http://127.0.0.1:5173/app/w/a.wasm' });
    } finally {
      delete scope.document;
    }
  });

  it('keeps explicit wasmPaths for browser builds', () => {
    expect(planEnvironment('wasm', { wasmPaths: { wasm: '/x/a.wasm', mjs: '/x/a.mjs' }, threads: 1 }).env.wasmPaths).toEqual({ wasm: '/x/a.wasm', mjs: '/x/a.mjs' });
  });
});

describe('applyEnvironment', () => {
  it('sets env.wasm once and warns when a later runtime wants something else', () => {
    const ort = fakeOrt();
    expect(applyEnvironment(ort, { threads: 2, proxy: false, wasmPaths: '/ort' })).toEqual([]);
    expect(ort.env.wasm).toMatchObject({ numThreads: 2, proxy: false, wasmPaths: '/ort/' });
    expect(applyEnvironment(ort, { threads: 2, proxy: false, wasmPaths: '/ort' })).toEqual([]);
    const warnings = applyEnvironment(ort, { threads: 4, proxy: true, wasmPaths: '/other/' });
    expect(warnings.map((w) => w.setting)).toEqual(['threads', 'proxy', 'wasmPaths']);
    expect(warnings[0]!.message).toMatch(/already started with 2 thread/);
    expect(ort.env.wasm.numThreads).toBe(2);
  });
});
