// Hash routing (`#/collections?collection=posts`): the server only ever serves index.html.
export interface Route {
  path: string;
  query: URLSearchParams;
}

function parse(): Route {
  const raw = location.hash.replace(/^#/, "") || "/";
  const [path = "/", q = ""] = raw.split("?");
  return { path: path || "/", query: new URLSearchParams(q) };
}

export const route = $state<{ current: Route }>({ current: parse() });

import { confirm } from "./confirm.svelte.ts";

let isDirty: (() => boolean) | null = null;
let lastHash = location.hash;
let restoring = false;

/**
 * Registers the unsaved-changes check of an open form (null removes it): while it returns true,
 * leaving the route asks first, and closing the tab gets the browser's "Leave site?" question.
 */
export function setLeaveGuard(dirty: (() => boolean) | null): void {
  isDirty = dirty;
}

async function mayLeave(): Promise<boolean> {
  if (!isDirty?.()) return true;
  return confirm("You have unsaved changes. Do you really want to discard them?", { yes: "Yes, discard" });
}

window.addEventListener("beforeunload", (e) => {
  if (isDirty?.()) e.preventDefault();
});

window.addEventListener("hashchange", async () => {
  if (restoring) {
    restoring = false;
    return;
  }
  if (!(await mayLeave())) {
    restoring = true;
    location.hash = lastHash;
    return;
  }
  isDirty = null;
  lastHash = location.hash;
  route.current = parse();
});

/** Goes to a hash route, e.g. `navigate("/collections", {collection: "posts"})`. */
export function navigate(
  path: string,
  query: Record<string, string | undefined> = {},
  replace = false,
): void {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== "") q.set(k, v);
  const qs = q.toString();
  const hash = "#" + path + (qs ? "?" + qs : "");
  if (replace) {
    history.replaceState(null, "", hash);
    lastHash = location.hash;
    route.current = parse();
  } else if (location.hash !== hash) {
    location.hash = hash;
  }
}

/** Rewrites only the query of the current route without a history entry. */
export function setQuery(query: Record<string, string | undefined>): void {
  const merged: Record<string, string | undefined> = Object.fromEntries(route.current.query);
  Object.assign(merged, query);
  navigate(route.current.path, merged, true);
}
