/**
 * Moving a client's queued messages onto its connection, the part every transport shares:
 * take messages as they arrive (the client wakes the pump synchronously from `send()`, so an
 * idle connection keeps no promise), run each through the delivery step (where the
 * `onRealtimeMessageSend` hook goes), and stop while the connection can't take more, to be
 * started again with `run()` when it can. The transport only says whether it can write, how,
 * and what to do after a delivery or a failure.
 */
import type { Client, Message } from "./client.ts";

/** Delivers one message: writes it (or a changed one) with `write`, or doesn't, to drop it. */
export type Deliver = (message: Message, write: (message: Message) => void) => Promise<void> | void;

/** The connection side of a pump. */
export interface PumpTarget {
  /** False while nothing can be written (closed, or its buffer is full): the pump stops until `run()`. */
  canWrite(): boolean;
  /** Puts a message on the wire. */
  write(message: Message): void;
  /** After each delivered message (transports refresh their idle timer here). */
  delivered(): void;
  /** A delivery threw or rejected: the transport closes the connection. */
  failed(err: unknown): void;
}

export class ClientPump<A> {
  readonly #client: Client<A>;
  readonly #deliver: Deliver;
  readonly #target: PumpTarget;
  /** Set while the pump runs or a delivery (an async hook) is in flight. */
  #busy = false;

  constructor(client: Client<A>, deliver: Deliver, target: PumpTarget) {
    this.#client = client;
    this.#deliver = deliver;
    this.#target = target;
  }

  readonly #write = (message: Message): void => this.#target.write(message);

  /** Delivers what is queued, until the queue is empty, the target can't write, or a delivery is pending. */
  readonly run = (): void => {
    if (this.#busy) return;
    this.#busy = true;
    const client = this.#client;
    const target = this.#target;
    while (target.canWrite()) {
      const message = client.take();
      if (message === undefined) {
        this.#busy = false;
        // A discarded client's transport is closing (its discard listener runs next).
        if (!client.isDiscarded) client.whenQueued(this.run);
        return;
      }
      let pending: Promise<void> | void;
      try {
        pending = this.#deliver(message, this.#write);
      } catch (err) {
        this.#fail(err);
        return;
      }
      if (pending) {
        pending.then(
          () => this.#resume(),
          (err: unknown) => this.#fail(err),
        );
        return;
      }
      target.delivered();
    }
    this.#busy = false;
  };

  #resume(): void {
    this.#busy = false;
    this.#target.delivered();
    this.run();
  }

  #fail(err: unknown): void {
    this.#busy = false;
    this.#target.failed(err);
  }
}
