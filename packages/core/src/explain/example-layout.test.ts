import { describe, expect, it } from 'vitest';
import { exampleLayout, imageTiles, imageWindows } from './example-layout.js';

describe('exampleLayout and patches', () => {
  it('reads [H, W], [C, H, W] and [H, W, C] and addresses each pixel and channel', () => {
    expect(exampleLayout([6])).toEqual({ kind: 'tabular', size: 6 });
    const chw = exampleLayout([3, 8, 10]);
    const hwc = exampleLayout([8, 10, 3]);
    if (chw.kind !== 'image' || hwc.kind !== 'image') throw new Error('expected images');
    expect([chw.height, chw.width, chw.channels]).toEqual([8, 10, 3]);
    expect([hwc.height, hwc.width, hwc.channels]).toEqual([8, 10, 3]);
    expect(chw.offset(2, 5, 1)).toBe(1 * 80 + 2 * 10 + 5);
    expect(hwc.offset(2, 5, 1)).toBe((2 * 10 + 5) * 3 + 1);
    const forced = exampleLayout([3, 8, 3], { layout: 'NCHW' });
    expect(forced.kind === 'image' && forced.channels).toBe(3);
  });

  it('slides windows to the far edge so every pixel is covered, and tiles without overlap', () => {
    const layout = exampleLayout([1, 7, 7]);
    if (layout.kind !== 'image') throw new Error('expected an image');
    const windows = imageWindows(layout, { width: 3, height: 3 }, { width: 3, height: 3 });
    expect(windows).toHaveLength(9);
    const covered = new Set(windows.flatMap((w) => Array.from(w)));
    expect(covered.size).toBe(49);
    const tiles = imageTiles(layout, { width: 3, height: 3 });
    expect(tiles.map((t) => t.length)).toEqual([9, 9, 3, 9, 9, 3, 3, 3, 1]);
    expect(new Set(tiles.flatMap((t) => Array.from(t))).size).toBe(49);
  });
});
