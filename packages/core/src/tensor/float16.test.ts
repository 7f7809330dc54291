import { describe, expect, it } from 'vitest';
import { float16BitsToFloat32, float16ToFloat32, float32ToFloat16, float32ToFloat16Bits } from './float16.js';

describe('float16', () => {
  it('round-trips every one of the 65,536 bit patterns (NaNs stay NaN)', () => {
    let checked = 0;
    for (let bits = 0; bits < 0x10000; bits++) {
      const value = float16BitsToFloat32(bits);
      const back = float32ToFloat16Bits(value);
      const isNaN = (bits & 0x7c00) === 0x7c00 && (bits & 0x3ff) !== 0;
      if (isNaN) {
        expect(Number.isNaN(value)).toBe(true);
        expect(Number.isNaN(float16BitsToFloat32(back))).toBe(true);
      } else if (back !== bits) {
        expect.fail(`bits 0x${bits.toString(16)} → ${value} → 0x${back.toString(16)}`);
      }
      checked++;
    }
    expect(checked).toBe(65536);
  });

  it('decodes known values', () => {
    expect(float16BitsToFloat32(0x3c00)).toBe(1);
    expect(float16BitsToFloat32(0xc000)).toBe(-2);
    expect(float16BitsToFloat32(0x7bff)).toBe(65504);
    expect(float16BitsToFloat32(0x0001)).toBe(2 ** -24);
    expect(float16BitsToFloat32(0x0400)).toBe(2 ** -14);
    expect(float16BitsToFloat32(0x7c00)).toBe(Infinity);
    expect(float16BitsToFloat32(0xfc00)).toBe(-Infinity);
    expect(Object.is(float16BitsToFloat32(0x8000), -0)).toBe(true);
  });

  it('rounds halfway cases to the even neighbour', () => {
    const ulpAt1 = 2 ** -10;
    expect(float32ToFloat16Bits(1 + ulpAt1 / 2)).toBe(0x3c00);
    expect(float32ToFloat16Bits(1 + ulpAt1 * 1.5)).toBe(0x3c02);
    expect(float32ToFloat16Bits(1 + ulpAt1 * 0.49)).toBe(0x3c00);
    expect(float32ToFloat16Bits(1 + ulpAt1 * 0.51)).toBe(0x3c01);
    expect(float32ToFloat16Bits(2 ** -25)).toBe(0x0000);
    expect(float32ToFloat16Bits(3 * 2 ** -25)).toBe(0x0002);
    expect(float32ToFloat16Bits(2 ** -25 * 1.0001)).toBe(0x0001);
    expect(float32ToFloat16Bits(-(1 + ulpAt1 / 2))).toBe(0xbc00);
  });

  it('rounds once from the full value, not through float32 first', () => {
    // 1 + 2^-11 + 2^-40 is just above the halfway point; a float32 step would drop 2^-40 and tie down.
    expect(float32ToFloat16Bits(1 + 2 ** -11 + 2 ** -40)).toBe(0x3c01);
  });

  it('carries into the exponent and overflows to infinity', () => {
    expect(float32ToFloat16Bits(2 - 2 ** -12)).toBe(0x4000);
    expect(float32ToFloat16Bits(2 ** -14 - 2 ** -26)).toBe(0x0400);
    expect(float32ToFloat16Bits(65504)).toBe(0x7bff);
    expect(float32ToFloat16Bits(65519.99)).toBe(0x7bff);
    expect(float32ToFloat16Bits(65520)).toBe(0x7c00);
    expect(float32ToFloat16Bits(-1e9)).toBe(0xfc00);
    expect(float32ToFloat16Bits(Infinity)).toBe(0x7c00);
    expect(float32ToFloat16Bits(1e-10)).toBe(0);
    expect(float32ToFloat16Bits(-0)).toBe(0x8000);
    expect(float32ToFloat16Bits(NaN) & 0x7e00).toBe(0x7e00);
  });

  it('converts arrays both ways', () => {
    const bits = float32ToFloat16([0.5, -2, 65504]);
    expect(bits).toBeInstanceOf(Uint16Array);
    expect(Array.from(float16ToFloat32(bits))).toEqual([0.5, -2, 65504]);
  });
});
