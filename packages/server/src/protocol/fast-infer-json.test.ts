import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DType } from '@servable/core';
import { parseInferJson } from './fast-infer-json.js';
import { NumericSpan } from './numeric-span.js';
import { tensorFromJson } from './tensor-codec.js';

/** The parsed value with every span replaced by the array JSON.parse gives. */
function materialize(value: unknown): unknown {
  if (value instanceof NumericSpan) return value.toJson();
  if (Array.isArray(value)) return value.map(materialize);
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, materialize(v)]));
  return value;
}

function parse(text: string, maxDepth = 64): unknown {
  const bytes = Buffer.from(text, 'utf8');
  return parseInferJson(bytes, bytes.length, maxDepth);
}

function dataOf(parsed: unknown): unknown {
  return (parsed as { inputs: { data: unknown }[] }).inputs[0]!.data;
}

describe('parseInferJson', () => {
  it('reads numeric inputs[i].data into a span and the rest as JSON.parse does', () => {
    const text = '{"id":"a","inputs":[{"name":"x","shape":[1,3],"datatype":"FP32","data":[1, -2.5e3, 0.1]}],"parameters":{"data":[1,2]}}';
    const parsed = parse(text) as { inputs: { data: unknown }[]; parameters: { data: unknown } };
    expect(parsed.inputs[0]!.data).toBeInstanceOf(NumericSpan);
    expect(parsed.parameters.data).toEqual([1, 2]);
    expect(materialize(parsed)).toEqual(JSON.parse(text));
  });

  it('agrees with JSON.parse on any JSON, or gives up', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 5 }), (value) => {
        const text = JSON.stringify({ inputs: [{ name: 'x', data: value }], other: value });
        const parsed = parse(text);
        if (parsed !== undefined) expect(materialize(parsed)).toEqual(JSON.parse(text));
      }),
      { numRuns: 2000 },
    );
  });

  it('gives up on malformed text, __proto__ keys and nesting past the cap', () => {
    for (const text of ['{"inputs":[{"data":[1,]}]}', '{"inputs":[{"data":[01]}]}', '{"inputs":[{"data":[1 2]}]}', '{"a":1}x', '{"__proto__":{"x":1}}', '{"a":"\u0001"}', '{"inputs":[{"data":[-]}]}', '{"inputs":[{"data":[1.]}]}']) {
      expect(parse(text), text).toBeUndefined();
    }
    expect(parse('{"inputs":[{"data":[[[1]]]}]}', 5)).toBeUndefined();
    expect(parse('{"inputs":[{"data":[[[1]]]}]}', 6)).toBeDefined();
    expect(parse('[[[[1]]]]', 3)).toBeUndefined();
  });

  it('marks ragged data irregular', () => {
    for (const [data, regular] of [
      ['[[1],[2,3]]', false],
      ['[[1],2]', false],
      ['[1,[2]]', false],
      ['[[],1]', false],
      ['[[1,2],[3,4]]', true],
      ['[]', true],
    ] as const) {
      const span = dataOf(parse(`{"inputs":[{"data":${data}}]}`));
      expect((span as NumericSpan).regular, data).toBe(regular);
    }
  });

  it.each(['float32', 'float64', 'float16', 'int32', 'uint8'] as DType[])('builds %s tensors bit-identical to the JSON.parse path', (dtype) => {
    const element =
      dtype === 'int32' ? fc.integer() : dtype === 'uint8' ? fc.integer({ min: 0, max: 255 }) : fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.float({ noNaN: true, noDefaultInfinity: true }).map(Number), fc.integer().map((n) => n / 255));
    fc.assert(
      fc.property(fc.array(element, { minLength: 1, maxLength: 40 }), fc.boolean(), (values, nested) => {
        const data = nested && values.length % 2 === 0 ? [values.slice(0, values.length / 2), values.slice(values.length / 2)] : values;
        const shape = nested && values.length % 2 === 0 ? [2, values.length / 2] : [values.length];
        const text = JSON.stringify({ inputs: [{ name: 'x', data }] });
        const span = dataOf(parse(text));
        expect(span).toBeInstanceOf(NumericSpan);
        const fast = tensorFromJson('input "x"', dtype, shape, values.length, span);
        const reference = tensorFromJson('input "x"', dtype, shape, values.length, dataOf(JSON.parse(text)));
        expect(Buffer.from((fast.data as Float32Array).buffer)).toEqual(Buffer.from((reference.data as Float32Array).buffer));
      }),
      { numRuns: 1000 },
    );
  });

  it('gives the general path\'s errors for ragged data and for a wrong count', () => {
    const ragged = dataOf(parse('{"inputs":[{"data":[[0],[0,0]]}]}'));
    expect(() => tensorFromJson('input "x"', 'float32', [1, 3], 3, ragged)).toThrow(/input "x" data\[1\]: expected nested arrays of equal lengths/);
    const short = dataOf(parse('{"inputs":[{"data":[1,2]}]}'));
    expect(() => tensorFromJson('input "x"', 'float32', [1, 3], 3, short)).toThrow(/expected 3 elements for shape \[1, 3\], got 2/);
    const floats = dataOf(parse('{"inputs":[{"data":[1.5,2,3]}]}'));
    expect(() => tensorFromJson('input "x"', 'int32', [3], 3, floats)).toThrow(/data\[0\]: expected a int32 value, got 1.5/);
  });
});
