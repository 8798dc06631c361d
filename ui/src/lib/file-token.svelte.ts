// A superuser file token for protected files (`?token=`), fetched on demand and reused for a
// minute (tokens last a few minutes).
import { pb } from "./pb.ts";

export const fileToken = $state<{ value: string }>({ value: "" });
let fetchedAt = 0;
let pending: Promise<string> | null = null;

export function ensureFileToken(): Promise<string> {
  if (fileToken.value && Date.now() - fetchedAt < 60_000) return Promise.resolve(fileToken.value);
  pending ??= pb.files
    .getToken({ requestKey: null })
    .then((t) => {
      fileToken.value = t;
      fetchedAt = Date.now();
      return t;
    })
    .catch(() => "")
    .finally(() => (pending = null));
  return pending;
}
