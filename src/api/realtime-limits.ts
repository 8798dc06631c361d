/**
 * Limits on what realtime subscriptions may cost (issue 16 §2). A filtered subscription is
 * evaluated with SQL on every event of its collection, so the number of them decides how much
 * work one write fans out to. PocketBase caps a client at 1000 subscriptions (subscription.ts);
 * Satchel also caps the filtered subscriptions that all clients of one IP hold together, so
 * opening many connections cannot multiply that cost. Documented in docs/operations.md.
 */
import type { Client } from "../realtime/client.ts";
import { parseSubscriptionOptions } from "../realtime/subscription.ts";
import type { AuthRecord } from "../core/records/record.ts";
import { ValidationError, ValidationErrors } from "../tools/validation.ts";
import { badRequest } from "./errors.ts";

/** Filtered subscriptions all clients of one IP may hold together. */
export const MAX_FILTERED_SUBSCRIPTIONS_PER_IP = 1000;

/** Whether a subscription string carries a `filter` option. */
function isFiltered(subscription: string): boolean {
  if (!subscription.includes("?options=")) return false;
  try {
    return (parseSubscriptionOptions(subscription).query.filter ?? "") !== "";
  } catch {
    return false;
  }
}

/**
 * Refuses (400 on `subscriptions`) a new subscription set that would take the filtered
 * subscriptions of `client`'s IP over the limit. The client's current set is replaced, so it
 * does not count.
 */
export function checkFilteredSubscriptions(
  clients: Iterable<Client<AuthRecord>>,
  client: Client<AuthRecord>,
  subscriptions: readonly string[],
  limit = MAX_FILTERED_SUBSCRIPTIONS_PER_IP,
): void {
  let total = new Set(subscriptions.filter(isFiltered)).size;
  if (total === 0) return;
  for (const other of clients) {
    if (other === client || other.ip !== client.ip) continue;
    for (const options of other.subscriptions().values()) if ((options.query.filter ?? "") !== "") total++;
    if (total > limit) break;
  }
  if (total <= limit) return;
  throw badRequest(
    "",
    new ValidationErrors({
      subscriptions: new ValidationError(
        "validation_too_many_filtered_subscriptions",
        `Too many filtered subscriptions from this IP (at most ${limit} in all its connections).`,
      ),
    }),
  );
}
