import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { tfjs } from '../runtime/tfjs-runtime.js';
import { backendNote, ensureBackend } from './setup-backend.js';

afterEach(() => vi.restoreAllMocks());

describe('backend start-up', () => {
  it('keeps the cpu backend\'s "install the node backend" banner off the console and says it in the probe detail', async () => {
    const warn = vi.spyOn(console, 'warn');
    const log = vi.spyOn(console, 'log');
    const availability = await tfjs({ backend: 'cpu' }).probe();
    await ensureBackend('cpu');
    tf.tidy(() => tf.add(tf.tensor1d([1, 2]), tf.tensor1d([3, 4])).dataSync());
    const printed = [...warn.mock.calls, ...log.mock.calls].flat().map(String).join('\n');
    expect(printed).not.toMatch(/node backend|tfjs-node/);
    expect(availability).toMatchObject({ available: true });
    expect((availability as { detail: string }).detail).toMatch(/on cpu \(plain JavaScript, the slowest backend: .*@tensorflow\/tfjs-node/);
  });

  it('has no note for the other backends', () => {
    expect(backendNote('wasm')).toBeUndefined();
    expect(backendNote('cpu')).toContain('plain JavaScript');
  });
});
