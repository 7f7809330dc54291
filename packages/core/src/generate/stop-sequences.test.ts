import { describe, expect, it } from 'vitest';
import { StopSequenceMatcher } from './stop-sequences.js';

describe('StopSequenceMatcher', () => {
  it('holds back a possible start of a stop sequence and cuts before a complete one', () => {
    const m = new StopSequenceMatcher(['END']);
    expect(m.push('abcE')).toEqual({ text: 'abc', stopped: false });
    expect(m.push('N')).toEqual({ text: '', stopped: false });
    expect(m.push('Dxyz')).toEqual({ text: '', stopped: true });
  });

  it('releases held text once it can no longer be a stop sequence, and on flush', () => {
    const m = new StopSequenceMatcher(['END']);
    expect(m.push('E')).toEqual({ text: '', stopped: false });
    expect(m.push('x')).toEqual({ text: 'Ex', stopped: false });
    expect(m.push('EN')).toEqual({ text: '', stopped: false });
    expect(m.flush()).toBe('EN');
  });

  it('picks the earliest of several stop sequences within one push', () => {
    const m = new StopSequenceMatcher(['bb', 'a\n']);
    expect(m.push('xa\nbb')).toEqual({ text: 'x', stopped: true });
  });

  it('passes text through untouched without stop sequences', () => {
    expect(new StopSequenceMatcher([]).push('anything')).toEqual({ text: 'anything', stopped: false });
  });
});
