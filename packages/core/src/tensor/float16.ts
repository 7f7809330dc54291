const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
const HIGH = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1 ? 1 : 0;

function roundHalfEven(q: number): number {
  const floor = Math.floor(q);
  const rest = q - floor;
  if (rest > 0.5) return floor + 1;
  if (rest < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/**
 * Converts a number to IEEE 754 half-precision bits, rounding to nearest even once, from the
 * number's full (float64) value: there is no intermediate float32 step that could round twice.
 * NaN becomes the quiet NaN `0x7e00` (with the sign kept); values of magnitude ≥ 65520 become ±Infinity.
 * @param value - the number to convert
 * @returns the 16-bit pattern
 */
export function float32ToFloat16Bits(value: number): number {
  f64[0] = value;
  const sign = (u32[HIGH]! >>> 16) & 0x8000;
  if (Number.isNaN(value)) return sign | 0x7e00;
  const a = Math.abs(value);
  if (a >= 65520) return sign | 0x7c00;
  if (a < 2 ** -14) return sign | roundHalfEven(a * 2 ** 24);
  const exp = ((u32[HIGH]! >>> 20) & 0x7ff) - 1023;
  const mant = roundHalfEven((a / 2 ** exp - 1) * 1024);
  // A mantissa that rounds up to 1024 carries into the exponent, which is the right answer.
  return sign | (((exp + 15) << 10) + mant);
}

/**
 * Converts half-precision bits to a number.
 * @param bits - the 16-bit pattern
 */
export function float16BitsToFloat32(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >>> 10) & 0x1f;
  const mant = bits & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** Converts a float16 tensor's storage (bit patterns) to a `Float32Array`. */
export function float16ToFloat32(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = float16BitsToFloat32(bits[i]!);
  return out;
}

/** Converts numbers to float16 storage (bit patterns in a `Uint16Array`), rounding to nearest even. */
export function float32ToFloat16(values: ArrayLike<number>): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = float32ToFloat16Bits(values[i]!);
  return out;
}
