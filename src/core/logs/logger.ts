/**
 * The app logger (`app.logger()`, `$app.logger()` in hooks): slog-style levelled messages with
 * key/value attributes, stored in `auxiliary.db` `_logs` through the batched `LogWriter` when
 * `settings.logs.maxDays > 0` and the level reaches `settings.logs.minLevel`. In dev mode every
 * entry is also printed to stderr.
 *
 * @example
 * app.logger().info("order placed", "orderId", id, "total", 42);
 * app.logger().error("payment failed", { provider: "stripe", code: 402 });
 */
import { formatDate } from "../../tools/dates.ts";
import { sortKeysDeep } from "../../tools/json.ts";
import type { Settings } from "../settings/settings-model.ts";
import { newLogId } from "./log-id.ts";
import type { LogEntry, LogWriter } from "./log-writer.ts";

/** slog's levels, as stored in `_logs.level`. */
export const LOG_LEVELS = Object.freeze({ debug: -4, info: 0, warn: 4, error: 8 });

const LEVEL_NAMES = new Map<number, string>([
  [-4, "DEBUG"],
  [0, "INFO"],
  [4, "WARN"],
  [8, "ERROR"],
]);

/** What a logger needs from its app. */
export interface LoggerHost {
  /** The current settings, or null before they are loaded (nothing is stored then). */
  settings(): Settings | null;
  readonly isDev: boolean;
}

/** Levelled, attributed log messages into `_logs`. */
export class Logger {
  readonly #host: LoggerHost;
  readonly #writer: LogWriter;
  readonly #attrs: { [key: string]: unknown };

  constructor(host: LoggerHost, writer: LogWriter, attrs: { [key: string]: unknown } = {}) {
    this.#host = host;
    this.#writer = writer;
    this.#attrs = attrs;
  }

  /** The batched writer entries go through (flush it to read them back at once). */
  get writer(): LogWriter {
    return this.#writer;
  }

  /** A logger that adds `args` (key/value pairs or objects) to every entry, like slog's `With`. */
  with(...args: unknown[]): Logger {
    return new Logger(this.#host, this.#writer, { ...this.#attrs, ...attributes(args) });
  }

  debug(message: string, ...args: unknown[]): void {
    this.log(LOG_LEVELS.debug, message, ...args);
  }

  info(message: string, ...args: unknown[]): void {
    this.log(LOG_LEVELS.info, message, ...args);
  }

  warn(message: string, ...args: unknown[]): void {
    this.log(LOG_LEVELS.warn, message, ...args);
  }

  error(message: string, ...args: unknown[]): void {
    this.log(LOG_LEVELS.error, message, ...args);
  }

  /** Logs at any slog level; `args` are alternating keys and values, or whole objects. */
  log(level: number, message: string, ...args: unknown[]): void {
    this.write(level, message, { ...this.#attrs, ...attributes(args) });
  }

  /** Stores one entry with ready-made `data` (the request logger uses it). */
  write(level: number, message: string, data: { [key: string]: unknown }): void {
    const now = Date.now();
    const created = formatDate(now);
    if (this.#host.isDev) printEntry(level, message, data, created);
    if (!this.isStored(level)) return;
    const entry: LogEntry = {
      id: newLogId(now),
      level,
      message,
      // Go marshals `data` (a map) with sorted keys; so do we, so the API shows the same order.
      data: isFlatAndSorted(data) ? data : (sortKeysDeep(data) as { [key: string]: unknown }),
      created,
    };
    this.#writer.push(entry);
  }

  /** Whether an entry of `level` would be stored under the current settings. */
  isStored(level: number): boolean {
    const logs = this.#host.settings()?.logs;
    return logs !== undefined && logs.maxDays > 0 && level >= logs.minLevel;
  }
}

/** slog's argument convention: `"key", value` pairs and objects merged in; a lone value is `!BADKEY`. */
function attributes(args: readonly unknown[]): { [key: string]: unknown } {
  const out: { [key: string]: unknown } = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (typeof arg === "string") {
      if (i + 1 < args.length) out[arg] = toJsonValue(args[++i]);
      else out["!BADKEY"] = arg;
    } else if (arg !== null && typeof arg === "object" && !Array.isArray(arg) && !(arg instanceof Error)) {
      for (const [k, v] of Object.entries(arg)) out[k] = toJsonValue(v);
    } else {
      out["!BADKEY"] = toJsonValue(arg);
    }
  }
  return out;
}

/** Errors become their message (as slog prints them); everything else must survive JSON. */
function toJsonValue(value: unknown): unknown {
  if (value instanceof Error) return value.message;
  if (value instanceof Date) return value.toISOString();
  if (typeof value === "bigint") return Number(value);
  if (value === undefined) return null;
  return value;
}

/** True when `data` needs no sorting: keys in order, no nested objects (the request logger's case). */
function isFlatAndSorted(data: { [key: string]: unknown }): boolean {
  let previous = "";
  for (const key in data) {
    const value = data[key];
    if (key < previous || (value !== null && typeof value === "object")) return false;
    previous = key;
  }
  return true;
}

function printEntry(level: number, message: string, data: { [key: string]: unknown }, created: string): void {
  const name = LEVEL_NAMES.get(level) ?? `LEVEL(${level})`;
  const attrs = Object.keys(data).length > 0 ? ` ${JSON.stringify(data)}` : "";
  process.stderr.write(`${created} ${name} ${message}${attrs}\n`);
}
