/** Relative error bound of a value computed from more than 2^53 in its digits (a few roundings of 2^-53). */
const INEXACT_BOUND = 1e-15;

/**
 * The numbers of one JSON `data` array, read straight from the request bytes by
 * {@link parseInferJson}: their values in order (exact, or marked for an exact re-read), whether
 * the nesting is regular, and where the source text lies for any value that needs it.
 */
export class NumericSpan {
  /**
   * @param bytes - the request body
   * @param start - offset of the array's `[`
   * @param end - offset just past its `]`
   * @param values - every number, row-major; exact unless listed in `inexact`
   * @param inexact - indices whose value is only close (more than 2^53 in the digits, an exponent, a long fraction)
   * @param inexactText - for each index of `inexact`, its text's start and end offsets (pairs)
   * @param regular - false when rows have unequal lengths or arrays sit beside numbers
   * @param shape - the nesting's dimensions (meaningful when `regular`)
   */
  constructor(
    readonly bytes: Uint8Array,
    readonly start: number,
    readonly end: number,
    readonly values: number[],
    readonly inexact: number[],
    readonly inexactText: number[],
    readonly regular: boolean,
    readonly shape: readonly number[],
  ) {}

  /** The exact value of `values[inexact[k]]`, read again from its text. */
  exactAt(k: number): number {
    return Number(Buffer.from(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength).toString('latin1', this.inexactText[2 * k]!, this.inexactText[2 * k + 1]!));
  }

  /**
   * The values as float32, bit-identical to `Float32Array.from` of what `JSON.parse` gives: a
   * value that is not exact is re-read from its text unless its float32 rounding is certain.
   */
  toFloat32(): Float32Array {
    const values = this.values;
    const out = new Float32Array(values.length);
    for (let i = 0; i < values.length; i++) out[i] = values[i]!;
    const inexact = this.inexact;
    for (let k = 0; k < inexact.length; k++) {
      const index = inexact[k]!;
      const v = values[index]!;
      const margin = Math.abs(v) * INEXACT_BOUND;
      if (Math.fround(v - margin) !== Math.fround(v + margin)) out[index] = this.exactAt(k);
    }
    return out;
  }

  /** The array as `JSON.parse` would give it (nested as sent). */
  toJson(): unknown {
    return JSON.parse(Buffer.from(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength).toString('latin1', this.start, this.end));
  }

  /** A short stand-in when an error message serializes the request (never the bytes). */
  toJSON(): string {
    return `[${this.values.length} numbers]`;
  }
}
