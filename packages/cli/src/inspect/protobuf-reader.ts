import { ServableError } from '@servable/core';

/** Protobuf wire types. */
export const WIRE_VARINT = 0;
/** 64-bit fixed-size field. */
export const WIRE_FIXED64 = 1;
/** Length-delimited field (bytes, strings, messages, packed repeated). */
export const WIRE_LENGTH_DELIMITED = 2;
/** 32-bit fixed-size field. */
export const WIRE_FIXED32 = 5;

/** One field read from a message: its number, wire type and value. */
export interface ProtobufField {
  /** Field number from the `.proto` schema. */
  readonly field: number;
  /** Wire type (0 varint, 1 fixed64, 2 length-delimited, 5 fixed32). */
  readonly wireType: number;
  /** Varints and fixed64 as bigint, fixed32 as its raw bits, length-delimited as a view of the bytes. */
  readonly value: bigint | number | Uint8Array;
}

function malformed(subject: string, detail: string): ServableError {
  return new ServableError(
    'MODEL_LOAD_FAILED',
    `${subject}: expected a well-formed protobuf message, got ${detail} — the file is truncated or not an ONNX model`,
    { details: { subject, expected: 'protobuf', received: detail } },
  );
}

/**
 * A minimal protobuf wire-format reader: it walks the fields of one message without a schema,
 * so callers decode only the fields they need. Views share the input's memory.
 */
export class ProtobufReader {
  #pos: number;
  readonly #end: number;

  /**
   * @param bytes - the serialized message
   * @param subject - named in errors (for example the file name)
   */
  constructor(
    private readonly bytes: Uint8Array,
    private readonly subject = 'protobuf message',
  ) {
    this.#pos = 0;
    this.#end = bytes.length;
  }

  /** Reads a base-128 varint as a bigint. */
  #varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (this.#pos >= this.#end) throw malformed(this.subject, `a varint cut off at byte ${this.#pos}`);
      const b = this.bytes[this.#pos++]!;
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
      if (shift > 63n) throw malformed(this.subject, `a varint longer than 10 bytes at byte ${this.#pos}`);
    }
  }

  #take(length: number): Uint8Array {
    if (length < 0 || this.#pos + length > this.#end) {
      throw malformed(this.subject, `a field of ${length} bytes at byte ${this.#pos} past the end (${this.#end} bytes)`);
    }
    const view = this.bytes.subarray(this.#pos, this.#pos + length);
    this.#pos += length;
    return view;
  }

  /** Yields every field of the message in order. */
  *fields(): Generator<ProtobufField> {
    while (this.#pos < this.#end) {
      const key = this.#varint();
      const field = Number(key >> 3n);
      const wireType = Number(key & 7n);
      if (field === 0) throw malformed(this.subject, `field number 0 at byte ${this.#pos}`);
      switch (wireType) {
        case WIRE_VARINT:
          yield { field, wireType, value: this.#varint() };
          break;
        case WIRE_FIXED64: {
          const b = this.#take(8);
          yield { field, wireType, value: new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true) };
          break;
        }
        case WIRE_LENGTH_DELIMITED: {
          const length = Number(this.#varint());
          yield { field, wireType, value: this.#take(length) };
          break;
        }
        case WIRE_FIXED32: {
          const b = this.#take(4);
          yield { field, wireType, value: new DataView(b.buffer, b.byteOffset, 4).getUint32(0, true) };
          break;
        }
        default:
          throw malformed(this.subject, `wire type ${wireType} (groups or garbage) at byte ${this.#pos}`);
      }
    }
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: false });

/** Decodes a length-delimited field as UTF-8 text. */
export function fieldText(f: ProtobufField): string {
  return f.value instanceof Uint8Array ? utf8.decode(f.value) : '';
}

/** Reads a varint field as a signed 64-bit number (two's complement), as a JS number. */
export function fieldInt(f: ProtobufField): number {
  if (typeof f.value === 'bigint') return Number(BigInt.asIntN(64, f.value));
  if (typeof f.value === 'number') return f.value;
  return 0;
}

/** Reads a fixed32 field as a float. */
export function fieldFloat(f: ProtobufField): number {
  if (typeof f.value !== 'number') return 0;
  const view = new DataView(new ArrayBuffer(4));
  view.setUint32(0, f.value, true);
  return view.getFloat32(0, true);
}

/**
 * Reads a repeated integer field that may come packed (one length-delimited run of varints)
 * or unpacked (one varint per occurrence); appends to `into`.
 */
export function pushInts(f: ProtobufField, into: number[], subject: string): void {
  if (f.value instanceof Uint8Array) {
    const bytes = f.value;
    let pos = 0;
    while (pos < bytes.length) {
      let result = 0n;
      let shift = 0n;
      for (;;) {
        if (pos >= bytes.length) throw malformed(subject, 'a packed varint cut off');
        const b = bytes[pos++]!;
        result |= BigInt(b & 0x7f) << shift;
        if ((b & 0x80) === 0) break;
        shift += 7n;
      }
      into.push(Number(BigInt.asIntN(64, result)));
    }
  } else {
    into.push(fieldInt(f));
  }
}

/** Counts the elements of a repeated numeric field (packed or not) without decoding them. */
export function countPacked(f: ProtobufField, elementBytes: number | 'varint'): number {
  if (!(f.value instanceof Uint8Array)) return 1;
  if (elementBytes !== 'varint') return Math.floor(f.value.length / elementBytes);
  let n = 0;
  for (const b of f.value) if ((b & 0x80) === 0) n++;
  return n;
}
