/** Waiting in tests for what a server or client does in the background. */

/** Polls `check` every `intervalMs` until it holds; throws after `timeoutMs` naming `what`. */
export async function waitFor(
  check: () => boolean,
  what: string,
  timeoutMs = 10_000,
  intervalMs = 5,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
