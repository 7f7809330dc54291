import { NumericSpan } from './numeric-span.js';

const POWERS_OF_TEN = Array.from({ length: 23 }, (_, k) => 10 ** k);
const MAX_EXACT = 2 ** 53;
const NUMBER_TEXT = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

/** Thrown inside the parser when the body needs the general path (malformed, unusual or deep). */
class Unusual {}
const UNUSUAL = new Unusual();

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/**
 * Reads a numeric (possibly nested) array into a span, or returns undefined (position
 * unchanged) when it holds anything but numbers. `nesting` is the nesting level of its `[`;
 * `at.end` receives the offset past its `]`.
 */
function numericArray(buffer: Buffer, i: number, end: number, nesting: number, maxDepth: number, at: { end: number }): NumericSpan | undefined {
  const start = i;
  let p = i;
  const values: number[] = [];
  const inexact: number[] = [];
  const inexactText: number[] = [];
  const lengths: number[] = [];
  const counts: number[] = [];
  let leafDepth = -1;
  let deepestArrayParent = -1;
  let regular = true;
  let level = -1;
  let expectValue = true;
  while (p < end) {
    let c = buffer[p]!;
    if (isSpace(c)) {
      p++;
      continue;
    }
    if (c === 0x5b) {
      if (!expectValue) throw UNUSUAL;
      if (level >= 0) counts[level]!++;
      level++;
      if (nesting + level > maxDepth) throw UNUSUAL;
      if (leafDepth !== -1 && leafDepth <= level - 1) regular = false;
      if (level - 1 > deepestArrayParent) deepestArrayParent = level - 1;
      counts[level] = 0;
      p++;
      continue;
    }
    if (c === 0x5d) {
      if (expectValue && counts[level]! > 0) throw UNUSUAL;
      if (lengths[level] === undefined) lengths[level] = counts[level]!;
      else if (lengths[level] !== counts[level]) regular = false;
      p++;
      expectValue = false;
      if (level-- === 0) {
        at.end = p;
        return new NumericSpan(buffer, start, p, values, inexact, inexactText, regular, lengths);
      }
      continue;
    }
    if (c === 0x2c) {
      if (expectValue) throw UNUSUAL;
      expectValue = true;
      p++;
      continue;
    }
    if (!expectValue || level < 0) throw UNUSUAL;
    if (c !== 0x2d && (c < 0x30 || c > 0x39)) {
      return undefined;
    }
    if (leafDepth === -1) leafDepth = level;
    else if (leafDepth !== level) regular = false;
    if (level <= deepestArrayParent) regular = false;
    counts[level]!++;
    const from = p;
    let negative = false;
    if (c === 0x2d) {
      negative = true;
      c = buffer[++p]!;
    }
    if (c < 0x30 || c > 0x39) throw UNUSUAL;
    if (c === 0x30 && buffer[p + 1]! >= 0x30 && buffer[p + 1]! <= 0x39) throw UNUSUAL;
    let mantissa = 0;
    let scale = 0;
    while (c >= 0x30 && c <= 0x39) {
      mantissa = mantissa * 10 + (c - 0x30);
      c = buffer[++p]!;
    }
    if (c === 0x2e) {
      c = buffer[++p]!;
      if (c < 0x30 || c > 0x39) throw UNUSUAL;
      while (c >= 0x30 && c <= 0x39) {
        mantissa = mantissa * 10 + (c - 0x30);
        scale++;
        c = buffer[++p]!;
      }
    }
    let exponent = false;
    if (c === 0x65 || c === 0x45) {
      exponent = true;
      c = buffer[++p]!;
      if (c === 0x2b || c === 0x2d) c = buffer[++p]!;
      if (c < 0x30 || c > 0x39) throw UNUSUAL;
      while (c >= 0x30 && c <= 0x39) c = buffer[++p]!;
    }
    let value: number;
    // Past 21 characters (sign, point and 19 digits) a mantissa above 2^53 may carry more
    // rounding than the float32 check allows for, so such text is re-read exactly.
    if (exponent || scale > 22 || p - from > 21) {
      value = Number.NaN;
      inexact.push(values.length);
      inexactText.push(from, p);
    } else {
      value = scale === 0 ? mantissa : mantissa / POWERS_OF_TEN[scale]!;
      if (mantissa > MAX_EXACT) {
        inexact.push(values.length);
        inexactText.push(from, p);
      }
    }
    values.push(negative ? -value : value);
    expectValue = false;
  }
  throw UNUSUAL;
}

/**
 * Where the numeric arrays of a body are: `oip` — `inputs[i].data`; `simple` — the top-level
 * `inputs` (the `/predict` body).
 */
export type InferJsonLayout = 'oip' | 'simple';

/**
 * A JSON reader specialised for inference bodies: numeric arrays where the `layout` puts tensor
 * data are read straight from the bytes into a {@link NumericSpan} (no intermediate text, no boxed values);
 * everything else is ordinary JSON. It gives up (returns undefined) on anything unusual — a
 * syntax error, nesting past `maxDepth`, a `__proto__` key, a string with escapes or non-ASCII
 * bytes in a key position it cannot copy cheaply — so the caller falls back to `JSON.parse` with
 * its exact error messages.
 */
export function parseInferJson(bytes: Uint8Array, end: number, maxDepth: number, layout: InferJsonLayout = 'oip'): unknown {
  const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let i = 0;
  const at = { end: 0 };

  const skip = () => {
    while (i < end && isSpace(buffer[i]!)) i++;
  };

  const string = (): string => {
    const start = ++i;
    let plain = true;
    while (i < end) {
      const c = buffer[i]!;
      if (c === 0x22) break;
      if (c === 0x5c) {
        plain = false;
        i += 2;
        continue;
      }
      if (c >= 0x80 || c < 0x20) plain = false;
      i++;
    }
    if (i >= end) throw UNUSUAL;
    i++;
    if (plain) return buffer.toString('latin1', start, i - 1);
    let text: unknown;
    try {
      text = JSON.parse(buffer.toString('utf8', start - 1, i));
    } catch {
      throw UNUSUAL;
    }
    return text as string;
  };

  const number = (): number => {
    const start = i;
    while (i < end) {
      const c = buffer[i]!;
      if ((c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2b || c === 0x2e || c === 0x65 || c === 0x45) i++;
      else break;
    }
    const text = buffer.toString('latin1', start, i);
    if (!NUMBER_TEXT.test(text)) throw UNUSUAL;
    return Number(text);
  };

  const literal = (word: string, value: unknown): unknown => {
    for (let k = 0; k < word.length; k++) if (buffer[i + k] !== word.charCodeAt(k)) throw UNUSUAL;
    i += word.length;
    return value;
  };

  const value = (depth: number, inInputs: boolean, isInputItem: boolean): unknown => {
    skip();
    if (i >= end) throw UNUSUAL;
    const c = buffer[i]!;
    if (c === 0x7b) {
      if (depth + 1 > maxDepth) throw UNUSUAL;
      i++;
      const out: Record<string, unknown> = {};
      skip();
      if (buffer[i] === 0x7d) {
        i++;
        return out;
      }
      for (;;) {
        skip();
        if (buffer[i] !== 0x22) throw UNUSUAL;
        const key = string();
        if (key === '__proto__') throw UNUSUAL;
        skip();
        if (buffer[i] !== 0x3a) throw UNUSUAL;
        i++;
        skip();
        let member: unknown;
        const spanHere = layout === 'oip' ? isInputItem && key === 'data' : depth === 0 && key === 'inputs';
        if (spanHere && buffer[i] === 0x5b) {
          const span = numericArray(buffer, i, end, depth + 2, maxDepth, at);
          if (span) i = at.end;
          member = span ?? value(depth + 1, false, false);
        }
        else member = value(depth + 1, layout === 'oip' && depth === 0 && key === 'inputs', false);
        out[key] = member;
        skip();
        const next = buffer[i];
        i++;
        if (next === 0x2c) continue;
        if (next === 0x7d) return out;
        throw UNUSUAL;
      }
    }
    if (c === 0x5b) {
      if (depth + 1 > maxDepth) throw UNUSUAL;
      i++;
      const out: unknown[] = [];
      skip();
      if (buffer[i] === 0x5d) {
        i++;
        return out;
      }
      for (;;) {
        out.push(value(depth + 1, false, inInputs));
        skip();
        const next = buffer[i];
        i++;
        if (next === 0x2c) continue;
        if (next === 0x5d) return out;
        throw UNUSUAL;
      }
    }
    if (c === 0x22) return string();
    if (c === 0x74) return literal('true', true);
    if (c === 0x66) return literal('false', false);
    if (c === 0x6e) return literal('null', null);
    if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return number();
    throw UNUSUAL;
  };

  try {
    const result = value(0, false, false);
    skip();
    if (i !== end) return undefined;
    return result;
  } catch (e) {
    if (e === UNUSUAL) return undefined;
    throw e;
  }
}
