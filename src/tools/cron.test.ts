import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Cron, type CronClock } from "./cron.ts";
import { CronExpressionError } from "./cron-expression.ts";

const settle = () => new Promise((resolve) => setImmediate(resolve));

/** A clock whose time only moves when the test says so; timers fire as it passes them. */
class FakeClock implements CronClock {
  time: number;
  timers: { at: number; fn: () => void; id: number }[] = [];
  #nextId = 1;
  constructor(start: string) {
    this.time = Date.parse(start);
  }
  now(): number {
    return this.time;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.#nextId++;
    this.timers.push({ at: this.time + ms, fn, id });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.timers = this.timers.filter((t) => t.id !== handle);
  }
  async advanceTo(iso: string): Promise<void> {
    const end = Date.parse(iso);
    for (;;) {
      const next = this.timers.filter((t) => t.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!next) break;
      this.timers = this.timers.filter((t) => t !== next);
      this.time = next.at;
      next.fn();
      await settle();
    }
    this.time = end;
  }
}

describe("Cron", () => {
  it("validates expressions and registers nothing for a bad one", () => {
    const cron = new Cron();
    assert.throws(() => cron.add("bad", "* * *", () => {}), CronExpressionError);
    assert.throws(() => cron.add("bad", "@every 5m", () => {}), CronExpressionError);
    assert.equal(cron.total(), 0);
    cron.add("ok", "@hourly", () => {});
    assert.deepEqual(cron.jobs(), [{ id: "ok", expression: "@hourly" }]);
  });

  it("replaces a job with the same id, removes one or all", () => {
    const cron = new Cron();
    cron.add("a", "* * * * *", () => {});
    cron.add("a", "0 0 * * *", () => {});
    cron.add("b", "@daily", () => {});
    assert.deepEqual(cron.jobs(), [
      { id: "a", expression: "0 0 * * *" },
      { id: "b", expression: "@daily" },
    ]);
    cron.remove("a");
    assert.deepEqual(
      cron.jobs().map((j) => j.id),
      ["b"],
    );
    cron.removeAll();
    assert.equal(cron.total(), 0);
  });

  it("lists application jobs by id and the __pb system jobs last", () => {
    const cron = new Cron();
    for (const id of ["__pbOTPCleanup__", "zeta", "__pbDBOptimize__", "Alpha", "beta"]) {
      cron.add(id, "* * * * *", () => {});
    }
    assert.deepEqual(
      cron.jobs().map((j) => j.id),
      ["Alpha", "beta", "zeta", "__pbDBOptimize__", "__pbOTPCleanup__"],
    );
  });

  it("runs only the jobs due in the ticked minute", async () => {
    const cron = new Cron();
    const ran: string[] = [];
    cron.add("every", "* * * * *", () => void ran.push("every"));
    cron.add("hourly", "@hourly", () => void ran.push("hourly"));
    cron.add("nine", "30 9 * * 1-5", () => void ran.push("nine"));
    await cron.tick(new Date("2024-01-02T09:30:00Z"));
    assert.deepEqual(ran.sort(), ["every", "nine"]);
    ran.length = 0;
    await cron.tick(new Date("2024-01-02T10:00:00Z"));
    assert.deepEqual(ran.sort(), ["every", "hourly"]);
  });

  it("reads expressions in the configured time zone", async () => {
    const cron = new Cron({ timezone: "Asia/Tokyo" });
    let runs = 0;
    cron.add("tokyo-nine", "0 9 * * *", () => void runs++);
    await cron.tick(new Date("2024-01-02T09:00:00Z"));
    assert.equal(runs, 0);
    await cron.tick(new Date("2024-01-02T00:00:00Z"));
    assert.equal(runs, 1);
  });

  it("reports a job's error and keeps running the others", async () => {
    const errors: [string, unknown][] = [];
    const cron = new Cron({ onError: (id, err) => errors.push([id, err]) });
    let ok = 0;
    cron.add("boom", "* * * * *", () => {
      throw new Error("boom");
    });
    cron.add("async-boom", "* * * * *", () => Promise.reject(new Error("later")));
    cron.add("ok", "* * * * *", () => void ok++);
    await cron.tick(new Date("2024-01-02T09:30:00Z"));
    assert.equal(ok, 1);
    assert.deepEqual(errors.map(([id, err]) => [id, (err as Error).message]).sort(), [
      ["async-boom", "later"],
      ["boom", "boom"],
    ]);
  });

  it("never runs two copies of one job at once", async () => {
    const cron = new Cron();
    let release!: () => void;
    let started = 0;
    cron.add("slow", "* * * * *", () => {
      started++;
      return new Promise<void>((resolve) => (release = resolve));
    });
    const first = cron.run("slow");
    await settle();
    await cron.tick(new Date("2024-01-02T09:30:00Z"));
    const again = cron.run("slow");
    assert.equal(started, 1);
    release();
    assert.equal(await first, true);
    assert.equal(await again, true);
    const later = cron.tick(new Date("2024-01-02T09:31:00Z"));
    assert.equal(started, 2);
    release();
    await later;
  });

  it("run() of an unknown id resolves false", async () => {
    assert.equal(await new Cron().run("nope"), false);
  });

  it("ticks on each whole minute once started, and not after stop()", async () => {
    const clock = new FakeClock("2024-01-02T09:29:42.500Z");
    const cron = new Cron({ clock });
    const seen: string[] = [];
    cron.add("every", "* * * * *", () => void seen.push(new Date(clock.now()).toISOString()));
    cron.add("even", "*/2 * * * *", () => void seen.push("even"));
    cron.start();
    cron.start();
    assert.equal(clock.timers.length, 1);
    assert.equal(clock.timers[0]!.at, Date.parse("2024-01-02T09:30:00Z"));
    await clock.advanceTo("2024-01-02T09:31:30Z");
    assert.deepEqual(seen, ["2024-01-02T09:30:00.000Z", "even", "2024-01-02T09:31:00.000Z"]);
    cron.stop();
    assert.equal(cron.isStarted, false);
    await clock.advanceTo("2024-01-02T09:35:00Z");
    assert.equal(seen.length, 3);
  });
});
