import { describe, expect, it } from 'vitest';
import { handleShutdownSignals } from './shutdown.js';

describe('handleShutdownSignals', () => {
  it('closes the server once on SIGTERM, then exits 0', async () => {
    let closes = 0;
    const exits: number[] = [];
    const remove = handleShutdownSignals({ close: async () => void closes++ }, { signals: ['SIGUSR2'], exit: (code) => exits.push(code) });
    process.emit('SIGUSR2', 'SIGUSR2');
    process.emit('SIGUSR2', 'SIGUSR2');
    await new Promise((r) => setTimeout(r, 0));
    remove();
    expect(closes).toBe(1);
    expect(exits).toEqual([0]);
  });

  it('exits 1 when closing fails', async () => {
    const exits: number[] = [];
    const remove = handleShutdownSignals({ close: () => Promise.reject(new Error('stuck')) }, { signals: ['SIGUSR2'], exit: (code) => exits.push(code) });
    process.emit('SIGUSR2', 'SIGUSR2');
    await new Promise((r) => setTimeout(r, 0));
    remove();
    expect(exits).toEqual([1]);
  });
});
