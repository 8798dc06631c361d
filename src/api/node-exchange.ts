/**
 * The Node request and response behind a context, when node:http serves it. They are
 * absent for requests dispatched in-process (`router.fetch` from tests, batch sub-requests): every
 * caller keeps a Fetch-API path for that case.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Context, Env } from "./http/context.ts";
import type { NodeEnv } from "./http/node-adapter.ts";

/** The Node request/response pair of `c`, or undefined when it was not served by node:http. */
export function nodeExchange<E extends Env>(
  c: Context<E>,
): { req: IncomingMessage; res: ServerResponse } | undefined {
  const env = c.env as { incoming?: IncomingMessage; outgoing?: ServerResponse } | undefined;
  const req = env?.incoming;
  const res = env?.outgoing;
  return req && res && typeof res.writeHead === "function" ? { req, res } : undefined;
}

/** The node adapter's `c.env` (for its default headers), or undefined when node:http did not serve `c`. */
export function nodeEnv<E extends Env>(c: Context<E>): NodeEnv | undefined {
  const env = c.env as Partial<NodeEnv> | undefined;
  return env?.outgoing && typeof env.outgoing.writeHead === "function" && "defaults" in env
    ? (env as NodeEnv)
    : undefined;
}
