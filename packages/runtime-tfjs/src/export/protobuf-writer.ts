/**
 * A minimal protocol-buffers writer: enough of the wire format (varints, length-delimited
 * fields, fixed32 floats, packed repeated fields) to write ONNX models without a dependency.
 */
export class ProtoWriter {
  #chunks: Uint8Array[] = [];
  #pending: number[] = [];
  #length = 0;

  #flush(): void {
    if (this.#pending.length) {
      this.#chunks.push(Uint8Array.from(this.#pending));
      this.#pending = [];
    }
  }

  #byte(b: number): void {
    this.#pending.push(b);
    this.#length++;
  }

  #rawVarint(value: number | bigint): void {
    let v = BigInt.asUintN(64, BigInt(value));
    while (v >= 0x80n) {
      this.#byte(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    this.#byte(Number(v));
  }

  #tag(field: number, wireType: number): void {
    this.#rawVarint((field << 3) | wireType);
  }

  #raw(bytes: Uint8Array): void {
    this.#flush();
    this.#chunks.push(bytes);
    this.#length += bytes.byteLength;
  }

  /** Writes an integer field (int32, int64, enum, bool) as a varint; negatives take 10 bytes. */
  int(field: number, value: number | bigint): this {
    this.#tag(field, 0);
    this.#rawVarint(value);
    return this;
  }

  /** Writes a float field (fixed32). */
  float(field: number, value: number): this {
    this.#tag(field, 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    for (const x of b) this.#byte(x);
    return this;
  }

  /** Writes a bytes field. */
  bytes(field: number, value: Uint8Array): this {
    this.#tag(field, 2);
    this.#rawVarint(value.byteLength);
    this.#raw(value);
    return this;
  }

  /** Writes a string field (UTF-8). */
  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  /** Writes an embedded message field. */
  message(field: number, value: ProtoWriter): this {
    return this.bytes(field, value.finish());
  }

  /** Writes a packed repeated integer field. */
  packedInts(field: number, values: readonly (number | bigint)[]): this {
    const inner = new ProtoWriter();
    for (const v of values) inner.#rawVarint(v);
    return this.bytes(field, inner.finish());
  }

  /** Writes a packed repeated float field. */
  packedFloats(field: number, values: readonly number[]): this {
    const b = new Uint8Array(values.length * 4);
    const view = new DataView(b.buffer);
    values.forEach((v, i) => view.setFloat32(i * 4, v, true));
    return this.bytes(field, b);
  }

  /** The encoded message. */
  finish(): Uint8Array {
    this.#flush();
    const out = new Uint8Array(this.#length);
    let offset = 0;
    for (const c of this.#chunks) {
      out.set(c, offset);
      offset += c.byteLength;
    }
    return out;
  }
}
