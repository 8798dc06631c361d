/**
 * Bench results: the JSON written next to the table, and the Markdown table itself
 * (bench/RESULTS.md): every scenario with Satchel's figure, the limit server's, the ratio
 * Satchel/limit, and PocketBase's published figure as a reference from other hardware.
 */
import type { LoadStats } from "./load.ts";
import type { Reference, Scenario } from "./scenarios.ts";
import type { DatasetConfig } from "./seed.ts";

/** The outcome of one scenario on one target. */
export interface TargetResult {
  /** ok: measured; not landed: the route answers 404/405 (the feature is not there yet). */
  status: "ok" | "not landed" | "failed";
  stats: LoadStats | null;
  note?: string;
  /** Peak RSS of the server during the scenario, in MB. */
  peakRssMB?: number;
  /** One request sent before the load (read scenarios only), to compare both targets' answers. */
  check?: { status: number; bytes: number; items?: number; totalItems?: number };
  /** Req/s of every round of a repeatable scenario (the stats above are the median round's). */
  rounds?: number[];
}

/** One row of the table. */
export interface ScenarioResult {
  id: string;
  group: Scenario["group"];
  title: string;
  requests: number;
  concurrency: number;
  mode: Scenario["mode"];
  maxSeconds: number;
  satchel?: TargetResult;
  limit?: TargetResult;
  /** Satchel req/s ÷ limit req/s (1 = as fast as the limit); the median of `roundRatios` when run in rounds. */
  ratio: number | null;
  /** Each round's Satchel/limit, for a scenario run in rounds. */
  roundRatios?: number[];
  reference?: Reference;
  skipped?: string;
  notes: string[];
}

/** A whole run. */
export interface BenchResults {
  meta: {
    mode: string;
    startedAt: string;
    seconds: number;
    node: string;
    platform: string;
    cpus: number;
    cpuModel: string;
    memoryGB: number;
    commit: string;
    loadGenerator: string;
    /** 1-minute load average when the run started (other processes compete for the CPUs). */
    loadAverage: number;
  };
  dataset: DatasetConfig & { seedSeconds: number };
  memory: {
    [target: string]: { restMB: number; peakMB: number; settledMB?: number; coldStartMs?: number };
  };
  query: { name: string; usPerOp: number }[] | { error: string };
  scenarios: ScenarioResult[];
}

const fmtInt = (n: number): string => Math.round(n).toLocaleString("en-US");

function fmtRate(n: number): string {
  if (n >= 100) return fmtInt(n);
  if (n >= 10) return n.toFixed(1);
  return n.toFixed(2);
}

function fmtMs(n: number): string {
  if (n >= 1000) return fmtInt(n);
  if (n >= 10) return n.toFixed(1);
  return n.toFixed(2);
}

function cell(r: TargetResult | undefined, what: "rps" | "latency"): string {
  if (!r) return "—";
  if (r.status !== "ok" || !r.stats) return r.status === "not landed" ? "not landed" : "failed";
  const s = r.stats;
  if (what === "rps") return `${fmtRate(s.rps)}${s.capped ? "*" : ""}`;
  return `${fmtMs(s.latencyMs.p50)} / ${fmtMs(s.latencyMs.p95)}`;
}

function load(s: ScenarioResult): string {
  const rounds = s.roundRatios ? ` ×${s.roundRatios.length}` : "";
  return `${fmtInt(s.requests)} @ ${fmtInt(s.concurrency)}${s.mode === "newconn" ? " nc" : ""}${rounds}`;
}

function reference(ref: Reference | undefined): string {
  if (!ref) return "";
  const mark = ref.source === "trailbase-7840u" ? "‡" : "†";
  return ref.rps !== undefined ? `${fmtRate(ref.rps)}/s ${mark} (${ref.text})` : `${ref.text} ${mark}`;
}

/** Issue 17's aims, read off a run: what `renderMarkdown` sums up under the table. */
export interface AimsSummary {
  /** Median Satchel/limit over the measured scenarios (aim ≥ 0.75). */
  median: number | null;
  /** The lowest ratio and its scenario (aim: every scenario ≥ 0.6). */
  worst: { ratio: number; title: string } | null;
  atLeast06: number;
  measured: number;
  /** PocketBase's published rates beaten by Satchel's on this machine, of those with a rate. */
  referencesBeaten: number;
  references: number;
  /** Titles of the scenarios whose published rate was not beaten. */
  referencesMissed: string[];
}

export function aimsSummary(scenarios: readonly ScenarioResult[]): AimsSummary {
  const measured = scenarios.filter((s) => s.ratio !== null && !s.skipped);
  const ratios = measured.map((s) => s.ratio!).sort((a, b) => a - b);
  const mid = ratios.length >> 1;
  const median =
    ratios.length === 0 ? null : ratios.length % 2 ? ratios[mid]! : (ratios[mid - 1]! + ratios[mid]!) / 2;
  let worst: AimsSummary["worst"] = null;
  for (const s of measured)
    if (worst === null || s.ratio! < worst.ratio) worst = { ratio: s.ratio!, title: s.title };
  const withRate = scenarios.filter(
    (s) => s.reference?.rps !== undefined && s.satchel?.status === "ok" && s.satchel.stats,
  );
  const missed = withRate.filter((s) => s.satchel!.stats!.rps <= s.reference!.rps!);
  return {
    median,
    worst,
    atLeast06: ratios.filter((x) => x >= 0.6).length,
    measured: ratios.length,
    referencesBeaten: withRate.length - missed.length,
    references: withRate.length,
    referencesMissed: missed.map((s) => s.title),
  };
}

/** The Markdown report. */
export function renderMarkdown(r: BenchResults): string {
  const m = r.meta;
  const lines: string[] = [];
  lines.push(`# Satchel benchmarks — ${m.mode} mode`, "");
  lines.push(
    `Run ${m.startedAt} (${fmtInt(m.seconds)} s) at commit \`${m.commit}\`; Node ${m.node}, ${m.platform}, ` +
      `${m.cpus} × ${m.cpuModel}, ${m.memoryGB} GB RAM, load average ${m.loadAverage.toFixed(2)} at the start. ` +
      `Load generator: ${m.loadGenerator}, on the same machine ` +
      "(it competes with the server for the CPUs). Generated by `npm run bench" +
      (m.mode === "full" ? " -- --full" : "") +
      "`; see docs/benchmarks.md for what is measured and how to read it.",
    "",
  );
  const d = r.dataset;
  const posts = Object.entries(d.posts)
    .map(([k, v]) => `${k} ${fmtInt(v)}`)
    .join(", ");
  lines.push(
    `Data (seed ${d.seed}, written in ${d.seedSeconds.toFixed(1)} s): ${d.organizations} organizations, ${d.permissions} permissions, ` +
      `${d.users} users, posts seeded directly: ${posts} (the creates below fill them up to their nominal size); ` +
      `chat: ${d.chat.users} users, ${d.chat.rooms} rooms, ${fmtInt(d.chat.messages)} messages.`,
    "",
  );
  lines.push(
    "| Scenario | Requests @ concurrency | Satchel req/s | limit req/s | Satchel/limit | Satchel p50 / p95 ms | limit p50 / p95 ms | Published reference (other hardware) | Notes |",
    "|---|---|--:|--:|--:|--:|--:|---|---|",
  );
  for (const s of r.scenarios) {
    if (s.skipped) {
      lines.push(
        `| ${s.title} | — | — | — | — | — | — | ${reference(s.reference)} | skipped: ${s.skipped} |`,
      );
      continue;
    }
    const ratio =
      s.ratio === null ? "—" : `**${s.ratio < 0.1 ? s.ratio.toPrecision(2) : s.ratio.toFixed(2)}**`;
    lines.push(
      `| ${s.title} | ${load(s)} | ${cell(s.satchel, "rps")} | ${cell(s.limit, "rps")} | ${ratio} | ${cell(s.satchel, "latency")} | ${cell(
        s.limit,
        "latency",
      )} | ${reference(s.reference)} | ${s.notes.join("; ").replaceAll("|", "\\|")} |`,
    );
  }
  lines.push("");
  lines.push(
    "`nc` = a new TCP connection per request (as PocketBase's harness); otherwise keep-alive connections. " +
      "`*` = stopped at the scenario's time limit; the rate covers the requests that completed. " +
      "`×N` = run N times alternating Satchel and the limit server: the rates are each one's median round, " +
      'Satchel/limit the median of the N rounds\' ratios (docs/benchmarks.md, "Steadiness"). ' +
      "Satchel/limit = Satchel's req/s ÷ the limit server's (1.00 = as fast as a hand-written node:http + node:sqlite " +
      "program doing the same SQL and JSON work; higher is better).",
    "",
    "† PocketBase v0.36.0 (pure Go SQLite) on a Hetzner CAX11 (2 shared ARM vCPU, 4 GB), pocketbase/benchmarks @ e9cd790, " +
      "new connection per request, rate = requests ÷ completed time. ‡ TrailBase's benchmark page, PocketBase v0.25 " +
      "(CGO SQLite) on an AMD Ryzen 7 7840U (8C/16T). Both were measured on other hardware: a reference, not a same-run comparison.",
    "",
  );
  const aims = aimsSummary(r.scenarios);
  const sat = r.memory.satchel;
  const yes = (ok: boolean): string => (ok ? "met" : "**not met**");
  lines.push("## Against the aims (issue 17)", "", "| aim | this run | |", "|---|---|---|");
  if (aims.median !== null && aims.worst !== null) {
    lines.push(`| median Satchel/limit ≥ 0.75 | ${aims.median.toFixed(3)} | ${yes(aims.median >= 0.75)} |`);
    lines.push(
      `| every scenario ≥ 0.6 | ${aims.atLeast06} of ${aims.measured}; lowest ${aims.worst.ratio.toFixed(2)} (${aims.worst.title.replaceAll("|", "\\|")}) | ${yes(aims.atLeast06 === aims.measured)} |`,
    );
  }
  if (aims.references > 0) {
    const missed = aims.referencesMissed.length
      ? `; not: ${aims.referencesMissed.join(", ").replaceAll("|", "\\|")}`
      : "";
    lines.push(
      `| PocketBase's published rates beaten on this machine | ${aims.referencesBeaten} of ${aims.references}${missed} | ${yes(aims.referencesBeaten === aims.references)} |`,
    );
  }
  if (sat && sat.restMB > 0) {
    lines.push(`| RSS at rest ≤ 60 MB | ${sat.restMB.toFixed(0)} MB | ${yes(sat.restMB <= 60)} |`);
    lines.push(`| peak RSS ≤ 250 MB | ${sat.peakMB.toFixed(0)} MB | ${yes(sat.peakMB <= 250)} |`);
    if (sat.settledMB)
      lines.push(
        `| 30 s after the load ≤ 1.5 × rest (${(1.5 * sat.restMB).toFixed(0)} MB) | ${sat.settledMB.toFixed(0)} MB | ${yes(sat.settledMB <= 1.5 * sat.restMB)} |`,
      );
    if (sat.coldStartMs)
      lines.push(
        `| cold start ≤ 300 ms | ${sat.coldStartMs.toFixed(0)} ms | ${yes(sat.coldStartMs <= 300)} |`,
      );
  }
  lines.push("");
  lines.push("## Memory (server RSS)", "", "| | Satchel | limit |", "|---|--:|--:|");
  const mem = (t: string, k: "restMB" | "peakMB" | "settledMB" | "coldStartMs"): string => {
    const v = r.memory[t]?.[k];
    return v === undefined || v === 0 ? "—" : v.toFixed(0);
  };
  lines.push(`| at rest, after start (MB) | ${mem("satchel", "restMB")} | ${mem("limit", "restMB")} |`);
  lines.push(`| peak over the run, VmHWM (MB) | ${mem("satchel", "peakMB")} | ${mem("limit", "peakMB")} |`);
  lines.push(`| 30 s after the load (MB) | ${mem("satchel", "settledMB")} | ${mem("limit", "settledMB")} |`);
  lines.push(
    `| cold start to the first answer (ms) | ${mem("satchel", "coldStartMs")} | ${mem("limit", "coldStartMs")} |`,
  );
  lines.push("", "Per-scenario peaks are in results.json (`peakRssMB`).", "");
  lines.push("## Filter engine (in-process)", "");
  if (Array.isArray(r.query)) {
    lines.push("| | µs/op |", "|---|--:|");
    for (const q of r.query) lines.push(`| ${q.name} | ${q.usPerOp.toFixed(2)} |`);
  } else {
    lines.push(`not landed: ${r.query.error}`);
  }
  lines.push("");
  return lines.join("\n");
}
