/**
 * The dashboard tests' browser: Debian's Chromium driven by playwright-core (no downloaded
 * browser), a `satchel serve` child on a random port, the built dashboard, and screenshots
 * written to docs/dashboard/.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { tempDir } from "./server.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const CHROMIUM_CANDIDATES = ["/usr/lib/chromium/chromium", "/usr/bin/chromium", "/usr/bin/chromium-browser"];
export const SCREENSHOTS = join(ROOT, "docs", "dashboard");

/** The Chromium binary, or null when none is installed. */
export function chromiumPath(): string | null {
  return CHROMIUM_CANDIDATES.find((p) => existsSync(p)) ?? null;
}

/** Why the browser tests cannot run here, or null when they can. */
export function browserSkipReason(): string | null {
  if (!chromiumPath())
    return "Chromium is not installed (apt-get install chromium; see .ci/install-services.sh)";
  return null;
}

/** Builds the dashboard once when `ui/dist` is missing (npm ci builds it through `prepare`). */
export function ensureDashboardBuilt(): void {
  if (existsSync(join(ROOT, "ui", "dist", "index.html"))) return;
  const r = spawnSync("npm", ["run", "build:ui"], { cwd: ROOT, stdio: "inherit" });
  if (r.status !== 0) throw new Error("npm run build:ui failed");
}

type Hookable = { after: (fn: () => unknown) => void };

export async function launchBrowser(t: Hookable): Promise<Browser> {
  const { chromium } = await import("playwright-core");
  // playwright gives every launch a new empty profile (its own temp --user-data-dir).
  const browser = await chromium.launch({
    executablePath: chromiumPath()!,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-dev-shm-usage",
    ],
  });
  t.after(() => browser.close());
  return browser;
}

/** A page that records uncaught errors (`errors`) so a test can fail on any of them. */
export async function newPage(
  browser: Browser,
  options: { width?: number; height?: number; colorScheme?: "light" | "dark" } = {},
): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({
    viewport: { width: options.width ?? 1280, height: options.height ?? 720 },
    colorScheme: options.colorScheme ?? "light",
  });
  // The test machines are shared: allow slow steps rather than fail on a busy moment.
  context.setDefaultTimeout(60_000);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (err) => errors.push(`${err.name}: ${err.message}`));
  page.on("console", (msg) => {
    if (msg.type() === "error" && !/Failed to load resource/.test(msg.text()))
      errors.push(`console: ${msg.text()}`);
  });
  return { context, page, errors };
}

/** Saves a PNG of the page as docs/dashboard/<name>.png. */
export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
}

/** A running `satchel serve` child. */
export interface ServedSatchel {
  url: string;
  dir: string;
  installerLink: string;
  child: ChildProcess;
  output: () => string;
}

/** Starts `satchel serve` on a fresh data dir and waits for its installer link. */
export function serveSatchel(t: Hookable, extraArgs: string[] = []): Promise<ServedSatchel> {
  // pb_data inside its own folder: `serve` keeps pb_migrations beside the data folder (and
  // automigrate writes there), which must not be a folder shared with other tests.
  const dir = join(tempDir(t, "satchel-ui-"), "pb_data");
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [join(ROOT, "bin", "satchel.js"), "serve", "--http", "127.0.0.1:0", "--dir", dir, ...extraArgs],
      {
        cwd: ROOT,
      },
    );
    t.after(() => {
      if (child.exitCode === null) child.kill("SIGKILL");
    });
    let out = "";
    const timer = setTimeout(
      () => reject(new Error(`satchel serve printed no installer link:\n${out}`)),
      30_000,
    );
    const onData = (d: Buffer) => {
      out += d.toString();
      const base = /Server started at (http:\/\/\S+)/.exec(out);
      const link = /(http:\/\/\S+\/_\/#\/pbinstall\/\S+)/.exec(out);
      if (base && link) {
        clearTimeout(timer);
        resolve({ url: base[1]!, dir, installerLink: link[1]!, child, output: () => out });
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    child.on("close", (code) => {
      clearTimeout(timer);
      reject(new Error(`satchel serve exited (${code}):\n${out}`));
    });
  });
}
