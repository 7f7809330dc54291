import { describe, expect, it } from 'vitest';
import { assertJsonDepth, parseJsonBody } from './json-depth.js';

const bytes = (s: string) => Buffer.from(s);

describe('assertJsonDepth', () => {
  it('accepts nesting up to the cap and refuses one level more', () => {
    expect(() => assertJsonDepth(bytes('[[[1]]]'), 3)).not.toThrow();
    expect(() => assertJsonDepth(bytes('[[[[1]]]]'), 3)).toThrow(/nested at most 3 levels deep, got deeper nesting at byte 3/);
    expect(() => assertJsonDepth(bytes('{"a":{"b":[1]}}'), 2)).toThrow(/at most 2 levels/);
  });

  it('ignores brackets inside strings, escaped quotes included', () => {
    expect(() => assertJsonDepth(bytes('["[[[[", "\\"[[[[", {"k": "{{{{"}]'), 2)).not.toThrow();
  });

  it('scans a million levels without recursion', () => {
    expect(() => assertJsonDepth(bytes('['.repeat(1_000_000)), 64)).toThrow(/at most 64 levels/);
  });

  it('stops at the given end', () => {
    expect(() => assertJsonDepth(bytes('[1][[[[['), 1, 3)).not.toThrow();
  });
});

describe('parseJsonBody', () => {
  it('parses after the check and names bad JSON', () => {
    expect(parseJsonBody(bytes('{"a":[1,2]}'), 4)).toEqual({ a: [1, 2] });
    expect(() => parseJsonBody(bytes('{"a":'), 4)).toThrow(/request body: expected JSON, got text that does not parse/);
  });
});
