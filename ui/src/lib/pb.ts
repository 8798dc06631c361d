// The one SDK client of the dashboard. The API is the parent of `/_/`, whatever prefix a
// reverse proxy adds, and the session is kept per path (two dashboards on one host don't mix).
import PocketBase, { ClientResponseError, LocalAuthStore } from "pocketbase";

function apiBase(): string {
  const path = location.pathname.replace(/\/_\/.*$/, "/_/");
  return new URL("../", location.origin + path).href;
}

export const pb = new PocketBase(apiBase(), new LocalAuthStore("__pb_superusers__" + location.pathname));
pb.autoCancellation(false);
pb.beforeSend = (url, options) => {
  options.headers = { ...(options.headers as Record<string, string>), "x-request-source": "satchelui" };
  return { url, options };
};

// A session the server no longer accepts (expired, revoked, IP not allowed) ends here: the app
// then shows the login form.
pb.afterSend = (response, data) => {
  if (
    response.status === 401 &&
    pb.authStore.isValid &&
    pb.authStore.record?.collectionName === "_superusers"
  ) {
    const mfa = (data as { mfaId?: string } | null)?.mfaId;
    if (!mfa) pb.authStore.clear();
  }
  return data;
};

export { ClientResponseError };

/** The message to show for a failed call. */
export function errorMessage(err: unknown): string {
  if (err instanceof ClientResponseError) {
    if (err.isAbort) return "The request was cancelled.";
    if (err.status === 0) return "Cannot reach the server.";
    return err.response?.message || err.message || "Something went wrong!";
  }
  if (err instanceof Error) return err.message;
  return "Something went wrong!";
}

/** Flattens a PocketBase error body's `data` into `{ "fields.0.name": "message" }`. */
export function fieldErrors(err: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!(err instanceof ClientResponseError)) return out;
  const walk = (value: unknown, path: string) => {
    if (!value || typeof value !== "object") return;
    const v = value as Record<string, unknown>;
    if (typeof v.code === "string" && typeof v.message === "string") {
      out[path] = v.message;
      return;
    }
    for (const [k, child] of Object.entries(v)) walk(child, path ? `${path}.${k}` : k);
  };
  walk(err.response?.data, "");
  return out;
}

/** True when the session is a superuser's. */
export function isSuperuser(): boolean {
  return pb.authStore.isValid && pb.authStore.record?.collectionName === "_superusers";
}
