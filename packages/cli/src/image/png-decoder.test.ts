import { ServableError } from '@servable/core';
import { describe, expect, it } from 'vitest';
import { encodePng } from '../../test/helpers/png-encoder.js';
import { decodePng } from './png-decoder.js';

const pattern = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 37 + 11) & 0xff);

describe('decodePng', () => {
  it('decodes gray, RGB and RGBA under every row filter', () => {
    for (const [colorType, channels] of [[0, 1], [2, 3], [6, 4]] as const) {
      for (const filter of [0, 1, 2, 3, 4] as const) {
        const pixels = pattern(5 * 4 * channels);
        const img = decodePng(encodePng({ width: 5, height: 4, colorType, pixels, filter }), 'test.png');
        expect(img).toMatchObject({ width: 5, height: 4, channels });
        expect(Array.from(img.data)).toEqual(Array.from(pixels));
      }
    }
  });

  it('turns gray + alpha into gray', () => {
    const img = decodePng(encodePng({ width: 2, height: 1, colorType: 4, pixels: Uint8Array.from([10, 255, 200, 0]) }));
    expect(img.channels).toBe(1);
    expect(Array.from(img.data)).toEqual([10, 200]);
  });

  it('expands 8-bit and 2-bit palettes, with transparency as RGBA', () => {
    const palette = Uint8Array.from([0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255]);
    const eight = decodePng(encodePng({ width: 3, height: 1, colorType: 3, pixels: Uint8Array.from([1, 2, 3]), palette }));
    expect(eight.channels).toBe(3);
    expect(Array.from(eight.data)).toEqual([255, 0, 0, 0, 255, 0, 0, 0, 255]);
    const packed = decodePng(encodePng({ width: 4, height: 1, colorType: 3, bitDepth: 2, pixels: Uint8Array.from([0b00011011]), palette, transparency: Uint8Array.from([0]) }));
    expect(packed.channels).toBe(4);
    expect(Array.from(packed.data)).toEqual([0, 0, 0, 0, 255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255]);
  });

  it('rejects what it does not decode with INVALID_INPUT naming the file', () => {
    const cases: [Uint8Array, RegExp][] = [
      [new TextEncoder().encode('{"not":"png"}'), /photo.png: expected a PNG file/],
      [encodePng({ width: 1, height: 1, colorType: 0, bitDepth: 1, pixels: Uint8Array.from([0]) }), /expected 8 bits per sample, got 1 bits/],
    ];
    const interlaced = encodePng({ width: 1, height: 1, colorType: 0, pixels: Uint8Array.from([0]) });
    interlaced[8 + 8 + 12] = 1;
    cases.push([interlaced, /expected a non-interlaced PNG/]);
    for (const [bytes, message] of cases) {
      let error: unknown;
      try {
        decodePng(bytes, 'photo.png');
      } catch (e) {
        error = e;
      }
      expect(ServableError.isInstance(error) && error.code).toBe('INVALID_INPUT');
      expect((error as Error).message).toMatch(message);
    }
  });
});
