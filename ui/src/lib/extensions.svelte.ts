// Dashboard extensions: the server's `extensions.js` (every extension's main.js, see
// docs/dashboard.md) runs before the app mounts, with this small API on `window.satchel`.
import { pb } from "./pb.ts";
import { navigate } from "./router.svelte.ts";
import { toast } from "./toasts.svelte.ts";

/** Links extensions add to the top header (after "Settings"). */
export const headerLinks = $state<{ label: string; href: string }[]>([]);

/**
 * Pages extensions add: a hash path (e.g. "/my-page") → a function that fills the page's element
 * (inside the header and footer, superusers only) and may return a cleanup function.
 */
export type ExtensionPage = (target: HTMLElement) => void | (() => void);
export const pages: Record<string, ExtensionPage> = {};

/** What an extension's main.js finds on `window.satchel`. */
export interface ExtensionApi {
  /** The dashboard's SDK client (authenticated as the logged-in superuser). */
  pb: typeof pb;
  /** Messages at the top of the screen. */
  toast: { info(text: string): void; success(text: string): void; error(text: string): void };
  /** Goes to a hash route, e.g. `navigate("/logs")`. */
  navigate(path: string, query?: Record<string, string>): void;
  /** Header links: push `{ label, href }`. */
  headerLinks: { label: string; href: string }[];
  /** Pages by hash path: `pages["/my-page"] = (el) => { el.textContent = "Hi"; }`. */
  pages: Record<string, ExtensionPage>;
}

declare global {
  interface Window {
    satchel?: ExtensionApi;
  }
}

/** Runs `extensions.js` (a failure to load it, e.g. an older server, is ignored). */
export function loadExtensions(): Promise<void> {
  window.satchel = {
    pb,
    toast: { info: toast.info, success: toast.success, error: toast.error },
    navigate: (path, query = {}) => navigate(path, query),
    headerLinks,
    pages,
  };
  return new Promise((resolve) => {
    const script = document.createElement("script");
    script.src = "./extensions.js";
    script.onload = script.onerror = () => resolve();
    document.head.append(script);
  });
}
