/**
 * Ids of `_logs` rows: PocketBase's shape (`r` + 14 lower-case hex digits, what the column's
 * `'r' || lower(hex(randomblob(7)))` default gives) but in ascending order: the time in ms (11
 * digits) then a counter within the ms (3 digits). A random id lands anywhere in the id index, so
 * every insert into a big `_logs` touched a random page of it (the cost per row doubled as the
 * table grew to 200k rows); ascending ids append to its end. Ids stay unique across restarts as
 * long as the clock does not go back (a collision with an older row would fail that one batch).
 */

let lastMs = 0;
let sequence = 0;

/** A new, unique `_logs` id, greater than every id this process made before. */
export function newLogId(now = Date.now()): string {
  if (now > lastMs) {
    lastMs = now;
    sequence = 0;
  } else if (++sequence > 0xfff) {
    // more than 4096 rows in one ms: borrow the next ms
    lastMs++;
    sequence = 0;
  }
  return `r${lastMs.toString(16).padStart(11, "0")}${sequence.toString(16).padStart(3, "0")}`;
}
