/**
 * The Node request and response behind a context, when node:http serves it. They are
 * absent for requests dispatched in-process (`router.fetch` from tests, batch sub-requests): every
 * caller keeps a Fetch-API path for that case.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Context, Env } from "./http/context.ts";

/** The Node request/response pair of `c`, or undefined when it was not served by node:http. */
export function nodeExchange<E extends Env>(
  c: Context<E>,
): { req: IncomingMessage; res: ServerResponse } | undefined {
  const env = c.env as { incoming?: IncomingMessage; outgoing?: ServerResponse } | undefined;
  const req = env?.incoming;
  const res = env?.outgoing;
  return req && res && typeof res.writeHead === "function" ? { req, res } : undefined;
}
