/**
 * The wake-up flag shared by the main thread and one pb_hooks worker (an Int32 in a
 * SharedArrayBuffer). After posting to the worker's port the main thread rings it; a worker with
 * nothing to do parks on it (`Atomics.wait`, a kernel sleep) instead of returning to its event
 * loop. The worker says when it is parked, so the main thread wakes it only then: a notify
 * goes through V8's futex emulation, whose one process-wide mutex the worker also takes on
 * its way into and out of a wait, and ringing a busy worker that way cost the main thread
 * ≈ 6 µs per event in lock contention (docs/performance.md, "pb_hooks cost").
 */

/** Nothing pending, and the worker is not waiting. */
const CLEAR = 0;
/** Something was posted since the worker last cleared the flag. */
const RUNG = 1;
/** The worker waits for a ring. */
const PARKED = 2;

/** Main thread: a message was posted; wakes the worker if it is parked. Lock-free otherwise. */
export function ring(flag: Int32Array): void {
  if (Atomics.exchange(flag, 0, RUNG) === PARKED) Atomics.notify(flag, 0);
}

/**
 * Worker: sleeps until rung or until `ms` passed (no limit when undefined), unless it was rung
 * since the last park; then clears the flag, so the caller drains its port before parking
 * again (a message posted before the ring is on the port when the ring is seen).
 * Returns false when the time ran out without a ring.
 */
export function park(flag: Int32Array, ms?: number): boolean {
  let rung = true;
  // CLEAR → PARKED fails when a ring came in between: then there is no need to sleep
  if (Atomics.compareExchange(flag, 0, CLEAR, PARKED) === CLEAR) {
    rung = Atomics.wait(flag, 0, PARKED, ms) !== "timed-out" || Atomics.load(flag, 0) === RUNG;
  }
  Atomics.store(flag, 0, CLEAR);
  return rung;
}
