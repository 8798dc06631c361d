/**
 * Small web-stream helpers shared by the storage drivers: turning a write source into a stream,
 * metering it (size, MD5, size limit, abort), peeking at its first bytes, and reading it in
 * fixed-size pieces (S3 multipart parts).
 */
import { createHash, type Hash } from "node:crypto";
import { StorageError, type WriteSource } from "./storage.ts";

/** A stream over a write source (bytes become a one-chunk stream). */
export function sourceToStream(source: WriteSource): ReadableStream<Uint8Array> {
  if (source instanceof ReadableStream) return source;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      if (source.byteLength > 0) controller.enqueue(source);
      controller.close();
    },
  });
}

/** Running totals of a metered stream. */
export interface Meter {
  size: number;
  /** Base64 MD5 of everything that went through (call once the stream is done). */
  md5(): string;
}

/**
 * Passes a stream through while counting and hashing it; errors the stream with `too_large` past
 * `maxBytes` and with `aborted` when `signal` fires.
 */
export function meterStream(
  stream: ReadableStream<Uint8Array>,
  options: { maxBytes?: number | undefined; signal?: AbortSignal | undefined; key: string },
): { stream: ReadableStream<Uint8Array>; meter: Meter } {
  const hash: Hash = createHash("md5");
  let digest: string | undefined;
  const meter: Meter = {
    size: 0,
    md5: () => (digest ??= hash.digest("base64")),
  };
  const { maxBytes, signal, key } = options;
  const reader = stream.getReader();
  const out = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (signal?.aborted) {
        await reader.cancel().catch(() => undefined);
        controller.error(abortedError(key, signal));
        return;
      }
      let result: ReadableStreamReadResult<Uint8Array>;
      try {
        result = await reader.read();
      } catch (err) {
        controller.error(err);
        return;
      }
      if (result.done) {
        controller.close();
        return;
      }
      const chunk = result.value;
      meter.size += chunk.byteLength;
      if (maxBytes !== undefined && meter.size > maxBytes) {
        await reader.cancel().catch(() => undefined);
        controller.error(
          new StorageError("too_large", `The content of ${key} is larger than ${maxBytes} bytes.`, { key }),
        );
        return;
      }
      hash.update(chunk);
      controller.enqueue(chunk);
    },
    async cancel(reason) {
      await reader.cancel(reason);
    },
  });
  return { stream: out, meter };
}

/** The error a write fails with when its signal fires. */
export function abortedError(key: string, signal: AbortSignal): StorageError {
  return new StorageError("aborted", `The write of ${key} was aborted.`, { key, cause: signal.reason });
}

/**
 * Reads up to `limit` bytes from the start of a stream and returns them with a stream that still
 * yields everything (the peeked bytes first). The original stream must not be used afterwards.
 */
export async function peekStream(
  stream: ReadableStream<Uint8Array>,
  limit: number,
): Promise<{ head: Uint8Array; stream: ReadableStream<Uint8Array> }> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  let done = false;
  while (total < limit) {
    const r = await reader.read();
    if (r.done) {
      done = true;
      break;
    }
    chunks.push(r.value);
    total += r.value.byteLength;
  }
  const joined = concatBytes(chunks, total);
  const head = joined.subarray(0, Math.min(limit, joined.byteLength));
  let replayed = false;
  const rest = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!replayed) {
        replayed = true;
        if (joined.byteLength > 0) {
          controller.enqueue(joined);
          return;
        }
      }
      if (done) {
        controller.close();
        return;
      }
      const r = await reader.read();
      if (r.done) controller.close();
      else controller.enqueue(r.value);
    },
    async cancel(reason) {
      await reader.cancel(reason);
    },
  });
  return { head, stream: rest };
}

/** Concatenates chunks (without copying a single chunk). */
export function concatBytes(chunks: readonly Uint8Array[], total?: number): Uint8Array {
  if (chunks.length === 1 && chunks[0]) return chunks[0];
  const size = total ?? chunks.reduce((n, c) => n + c.byteLength, 0);
  const out = new Uint8Array(size);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.byteLength;
  }
  return out;
}

/** Reads a stream in pieces of exactly `size` bytes (the last one may be shorter). */
export class PieceReader {
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  #pending: Uint8Array | null = null;
  #done = false;

  constructor(stream: ReadableStream<Uint8Array>) {
    this.#reader = stream.getReader();
  }

  /** The next piece of at most `size` bytes; an empty array once the stream is exhausted. */
  async next(size: number): Promise<Uint8Array> {
    const chunks: Uint8Array[] = [];
    let total = 0;
    while (total < size) {
      let chunk = this.#pending;
      this.#pending = null;
      if (chunk === null) {
        if (this.#done) break;
        const r = await this.#reader.read();
        if (r.done) {
          this.#done = true;
          break;
        }
        chunk = r.value;
      }
      const room = size - total;
      if (chunk.byteLength > room) {
        this.#pending = chunk.subarray(room);
        chunk = chunk.subarray(0, room);
      }
      chunks.push(chunk);
      total += chunk.byteLength;
    }
    return concatBytes(chunks, total);
  }

  /** Stops reading (cancels the underlying stream). */
  async cancel(reason?: unknown): Promise<void> {
    await this.#reader.cancel(reason).catch(() => undefined);
  }
}

/** Drains and discards a stream (e.g. an unwanted response body). */
export async function discard(stream: ReadableStream<Uint8Array> | null | undefined): Promise<void> {
  if (!stream) return;
  await stream.cancel().catch(() => undefined);
}
