/**
 * Go byte slices as scripts see them: an array of byte numbers (`Array.isArray` is true, as in
 * goja), decoded with `toString(bytes)`. `JSONRaw` is the bytes of a JSON text (a record's json
 * field value) and stringifies as that JSON.
 */

/** Go `[]byte`: an array of numbers 0–255. */
export class GoBytes extends Array<number> {
  /** The bytes of a UTF-8 string or a binary buffer. */
  static fromData(data: string | Uint8Array): GoBytes {
    const buf = typeof data === "string" ? Buffer.from(data, "utf8") : data;
    const out = new this();
    for (const b of buf) out.push(b);
    return out;
  }

  /** A Node buffer over a copy of these bytes. */
  toBuffer(): Buffer {
    return Buffer.from(Array.from(this));
  }

  /** The bytes decoded as UTF-8. */
  text(): string {
    return this.toBuffer().toString("utf8");
  }

  /** Go encodes `[]byte` as base64 in JSON. */
  toJSON(): unknown {
    return this.toBuffer().toString("base64");
  }

  // Array methods (map, filter, slice) build plain arrays, not byte slices.
  static override get [Symbol.species](): ArrayConstructor {
    return Array;
  }
}

/**
 * An `io.ReadCloser` already read whole (`fsys.getReader(key)`): the bytes, readable with
 * `toString(reader)`/`readerToString(reader)`, and a `close()` as the documented
 * `try { … } finally { reader.close() }` pattern calls.
 */
export class ReadCloser extends GoBytes {
  static override fromData(data: string | Uint8Array): ReadCloser {
    // GoBytes.fromData builds `new this()`: a ReadCloser here
    return super.fromData(data) as ReadCloser;
  }

  /** The content (what `toString`/`toBytes` read from a reader). */
  readAll(): Buffer {
    return this.toBuffer();
  }

  /** Nothing to release: the content is already in memory. */
  close(): void {}
}

/** `types.JSONRaw`: the bytes of a JSON text; JSON.stringify gives the JSON value itself. */
export class JSONRaw extends GoBytes {
  override toJSON(): unknown {
    const text = this.text();
    if (text === "") return null;
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return null;
    }
  }

  /** The JSON text. */
  string(): string {
    return this.text();
  }
}

/** Bytes of anything byte-like (GoBytes, typed arrays, ArrayBuffer), or null. */
export function bytesOf(value: unknown): Buffer | null {
  if (value instanceof GoBytes) return value.toBuffer();
  if (Buffer.isBuffer(value)) return value;
  if (value instanceof Uint8Array) return Buffer.from(value);
  if (ArrayBuffer.isView(value)) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  if (value instanceof ArrayBuffer) return Buffer.from(value);
  return null;
}
