/**
 * A one-message mailbox in shared memory for the answers to a worker's synchronous calls. The
 * worker waits on `Atomics.wait` for them anyway, so an answer written here and signalled with
 * `Atomics.notify` wakes it directly: no MessagePort message, hence no wake-up of the worker's
 * event loop (which would find nothing, the call loop having drained the port already) and no
 * async signal from the main thread. An answer that does not fit, or arrives while the slot still
 * holds one, goes over the port as before: the worker takes both, in any order, by call id.
 */
import { deserialize, serialize } from "node:v8";

/** Room for one answer (most are a record or a few values; larger ones take the port). */
const SLOT_BYTES = 64 * 1024;

/** The mailbox over a SharedArrayBuffer: [state (0 empty, 1 full), length] then the bytes. */
export class ReplySlot {
  readonly buffer: SharedArrayBuffer;
  readonly #head: Int32Array;
  readonly #data: Uint8Array;

  constructor(buffer = new SharedArrayBuffer(8 + SLOT_BYTES)) {
    this.buffer = buffer;
    this.#head = new Int32Array(buffer, 0, 2);
    this.#data = new Uint8Array(buffer, 8);
  }

  /** Main thread: writes `message` when the slot is free and it fits; false otherwise. */
  put(message: unknown): boolean {
    if (Atomics.load(this.#head, 0) !== 0) return false;
    let bytes: Buffer;
    try {
      bytes = serialize(message);
    } catch {
      return false; // the port reports what cannot be cloned
    }
    if (bytes.length > this.#data.length) return false;
    this.#data.set(bytes);
    Atomics.store(this.#head, 1, bytes.length);
    Atomics.store(this.#head, 0, 1);
    return true;
  }

  /** Worker: the message in the slot (emptying it), or undefined. */
  take(): unknown {
    if (Atomics.load(this.#head, 0) !== 1) return undefined;
    const bytes = this.#data.slice(0, Atomics.load(this.#head, 1));
    Atomics.store(this.#head, 0, 0);
    return deserialize(bytes);
  }
}
