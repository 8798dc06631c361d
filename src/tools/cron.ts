/**
 * The cron scheduler: named jobs with PocketBase's cron expressions (see `cron-expression.ts`),
 * checked once a minute on the minute. Like PocketBase's `tools/cron` it ticks in UTC unless
 * told otherwise (`timezone`), each due job runs on its own (a slow job never delays another),
 * and a job's error is reported, never thrown out of the scheduler. Unlike PocketBase, a job
 * that is still running when it is due again is skipped rather than started twice, so a slow
 * cleanup cannot pile up copies of itself.
 *
 * @example
 * const cron = new Cron();
 * cron.add("hello", "*\/5 * * * *", () => console.log("every five minutes"));
 * cron.start();
 */
import { parseCron, type CronSchedule } from "./cron-expression.ts";

/** What a job runs; a returned promise is awaited before the job may run again. */
export type CronJobFn = () => unknown;

/** The clock the scheduler reads and sets timers on (tests pass a fake one). */
export interface CronClock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Options of a scheduler. */
export interface CronOptions {
  /** IANA time zone the expressions are read in (default `UTC`, as PocketBase). */
  timezone?: string;
  /** Receives a job's error (default: printed to stderr). */
  onError?: (id: string, err: unknown) => void;
  /** The clock (default: the real one). */
  clock?: CronClock;
}

/** A registered job as listed by `jobs()` (and `GET /api/crons`). */
export interface CronJobInfo {
  id: string;
  expression: string;
}

interface Job {
  readonly id: string;
  readonly expression: string;
  readonly schedule: CronSchedule;
  readonly fn: CronJobFn;
  running: Promise<void> | null;
}

const realClock: CronClock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const handle = setTimeout(fn, ms);
    // A scheduler alone must not keep the process alive (the server does that).
    handle.unref();
    return handle;
  },
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/** The prefix of the ids of Satchel's (and PocketBase's) own jobs, listed last. */
export const SYSTEM_JOB_PREFIX = "__pb";

const MINUTE_MS = 60_000;

/** A set of named cron jobs and the minute timer that runs them. */
export class Cron {
  readonly #jobs = new Map<string, Job>();
  readonly #clock: CronClock;
  readonly #onError: (id: string, err: unknown) => void;
  #zone: Intl.DateTimeFormat | null = null;
  #timer: unknown = null;

  constructor(options: CronOptions = {}) {
    this.#clock = options.clock ?? realClock;
    this.#onError = options.onError ?? ((id, err) => console.error(`cron job "${id}" failed:`, err));
    this.setTimezone(options.timezone ?? "UTC");
  }

  /** Reads the expressions in another IANA time zone from now on. Throws for an unknown zone. */
  setTimezone(timezone: string): void {
    // UTC needs no time zone data: ICU's (~10 MB resident once touched) is read only for others.
    if (timezone === "UTC") {
      this.#zone = null;
      return;
    }
    const format = new Intl.DateTimeFormat("en-US", {
      timeZone: timezone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
    });
    this.#zone = format.resolvedOptions().timeZone === "UTC" ? null : format;
  }

  /**
   * Registers `fn` under `id` (replacing a job with the same id). Throws `CronExpressionError`
   * when `expression` is not a valid expression or macro; nothing is registered then.
   */
  add(id: string, expression: string, fn: CronJobFn): void {
    if (id === "") throw new Error("A cron job needs a non-empty id.");
    const schedule = parseCron(expression);
    this.#jobs.delete(id);
    this.#jobs.set(id, { id, expression, schedule, fn, running: null });
  }

  /** Unregisters a job (a run in progress finishes). */
  remove(id: string): void {
    this.#jobs.delete(id);
  }

  /** Unregisters every job. */
  removeAll(): void {
    this.#jobs.clear();
  }

  /** Whether a job with this id is registered. */
  has(id: string): boolean {
    return this.#jobs.has(id);
  }

  /** The number of registered jobs. */
  total(): number {
    return this.#jobs.size;
  }

  /**
   * The registered jobs as PocketBase lists them: the application's jobs sorted by id, then
   * the system (`__pb…`) jobs, also by id. `expression` is what the job was added with.
   */
  jobs(): CronJobInfo[] {
    const isSystem = (id: string) => id.startsWith(SYSTEM_JOB_PREFIX);
    return [...this.#jobs.values()]
      .map(({ id, expression }) => ({ id, expression }))
      .sort((a, b) => {
        const bySystem = Number(isSystem(a.id)) - Number(isSystem(b.id));
        if (bySystem !== 0) return bySystem;
        return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
      });
  }

  /**
   * Runs a job now, whatever its schedule. Resolves when that run ends (its error reported,
   * not thrown), or at once with false when the id is unknown. A job already running is not
   * started again: the promise of the run in progress is returned.
   */
  async run(id: string): Promise<boolean> {
    const job = this.#jobs.get(id);
    if (!job) return false;
    await this.#start(job);
    return true;
  }

  /**
   * Runs every job due in the minute of `at` (default: now) and resolves when they have
   * finished. The minute timer calls it; tests call it to tick without waiting.
   */
  async tick(at: Date = new Date(this.#clock.now())): Promise<void> {
    const local = this.#wallClock(at);
    const due = [...this.#jobs.values()].filter((job) => job.running === null && job.schedule.isDue(local));
    await Promise.all(due.map((job) => this.#start(job)));
  }

  /** Starts the minute timer (idempotent). Ticks fire at the start of each minute. */
  start(): void {
    if (this.#timer !== null) return;
    this.#schedule();
  }

  /** Stops the minute timer (runs in progress finish). */
  stop(): void {
    if (this.#timer === null) return;
    this.#clock.clearTimeout(this.#timer);
    this.#timer = null;
  }

  /** Whether the minute timer runs. */
  get isStarted(): boolean {
    return this.#timer !== null;
  }

  #schedule(): void {
    const now = this.#clock.now();
    // The next whole minute; a timer that fires a little early still lands on it.
    const next = (Math.floor(now / MINUTE_MS) + 1) * MINUTE_MS;
    this.#timer = this.#clock.setTimeout(() => {
      if (this.#timer === null) return;
      this.#schedule();
      void this.tick(new Date(next));
    }, next - now);
  }

  #start(job: Job): Promise<void> {
    job.running ??= (async () => {
      try {
        await job.fn();
      } catch (err) {
        try {
          this.#onError(job.id, err);
        } catch {
          // An error reporter that fails must not take the scheduler down.
        }
      } finally {
        job.running = null;
      }
    })();
    return job.running;
  }

  /** `at` shifted so that its UTC fields read as the wall clock of the configured zone. */
  #wallClock(at: Date): Date {
    if (!this.#zone) return at;
    const parts: { [type: string]: number } = {};
    for (const p of this.#zone.formatToParts(at)) parts[p.type] = Number(p.value);
    return new Date(
      Date.UTC(parts.year!, parts.month! - 1, parts.day, parts.hour, parts.minute, at.getUTCSeconds()),
    );
  }
}
