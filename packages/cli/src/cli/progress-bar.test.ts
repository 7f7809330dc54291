import { describe, expect, it } from 'vitest';
import { ProgressBar } from './progress-bar.js';

describe('ProgressBar', () => {
  it('renders the filled share and percentage', () => {
    const bar = new ProgressBar({ stream: { write: () => true }, interactive: true, width: 10 });
    expect(bar.render(0.5, 'epoch 1/2')).toBe('[#####-----]  50%  epoch 1/2');
    expect(bar.render(2)).toBe('[##########] 100%');
    expect(bar.render(Number.NaN)).toBe('[----------]   0%');
  });

  it('redraws in place on a terminal and ends the line', () => {
    const out: string[] = [];
    const bar = new ProgressBar({ stream: { write: (s: string) => out.push(s) }, interactive: true, width: 4, intervalMs: 0 });
    bar.update(0.25);
    bar.update(1, 'done');
    bar.done();
    expect(out[0]).toBe('\r\x1b[2K[#---]  25%');
    expect(out[1]).toBe('\r\x1b[2K[####] 100%  done');
    expect(out[2]).toBe('\n');
  });

  it('draws nothing when the stream is not a terminal', () => {
    const out: string[] = [];
    const bar = new ProgressBar({ stream: { write: (s: string) => out.push(s) }, interactive: false });
    bar.update(0.5);
    bar.done();
    expect(out).toEqual([]);
  });
});
