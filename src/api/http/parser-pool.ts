/**
 * node:http's pool of HTTP parsers, emptied when the server is idle. node:http keeps up to 1,000
 * freed parsers (`_http_common`'s `parsers` free list) for the next connections, each with its
 * native side (llhttp's state, the header slots: ~7 KB of C heap), for as long as the process
 * lives: after a burst at 1,000 connections the pool is full, and neither a garbage collection
 * (the pool holds them) nor the C heap trim (the memory is in use) gives that back. Measured
 * 30 s after 4,000 requests at 1,000 connections: the C heap at 7.2–7.9 MB instead of 4.9 MB at
 * rest, RSS 76 MB against 72 MB with the pool emptied (docs/performance.md, "Memory, round 6").
 *
 * Emptying it closes each parser, which is what node:http does itself with a parser the full
 * pool does not take; the next connections make new ones (one allocation each, as when the pool
 * is empty after the start). `_http_common` is one of Node's public legacy modules; anything
 * unlike Node's (Bun, a later Node without the list) is left alone.
 *
 * @example
 *   startIdleReclaim({ release: () => releasePooledParsers() });
 */

interface ParserPool {
  list?: unknown;
}

function parserPool(): ParserPool | undefined {
  try {
    const common = process.getBuiltinModule("_http_common") as { parsers?: ParserPool } | undefined;
    return common?.parsers;
  } catch {
    return undefined;
  }
}

/** Closes the parsers node:http keeps for new connections; returns how many. Never on the request path. */
export function releasePooledParsers(): number {
  const list = parserPool()?.list;
  if (!Array.isArray(list)) return 0;
  let closed = 0;
  for (const parser of list.splice(0) as { close?: () => void }[]) {
    if (typeof parser?.close !== "function") continue;
    parser.close();
    closed++;
  }
  return closed;
}
