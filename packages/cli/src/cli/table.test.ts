import { describe, expect, it } from 'vitest';
import { formatBytes, formatCount, formatTable } from './table.js';

describe('formatTable', () => {
  it('pads text left and numbers right under a rule', () => {
    expect(formatTable(['name', 'count'], [['Gemm', 2], ['Relu', 10]])).toBe('name  count\n----  -----\nGemm      2\nRelu     10\n');
  });
});

describe('formatBytes / formatCount', () => {
  it('uses binary units for bytes and decimal units for counts', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(407080)).toBe('397.5 KiB');
    expect(formatCount(999)).toBe('999');
    expect(formatCount(203402)).toBe('203.4 K');
    expect(formatCount(1_500_000)).toBe('1.50 M');
  });
});
