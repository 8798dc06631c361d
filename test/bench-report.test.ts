import assert from "node:assert/strict";
import { it } from "node:test";
import { aimsSummary, type ScenarioResult } from "../bench/lib/report.ts";

function scenario(title: string, ratio: number | null, rps: number, referenceRps?: number): ScenarioResult {
  return {
    id: title,
    group: "read",
    title,
    requests: 100,
    concurrency: 10,
    mode: "keepalive",
    maxSeconds: 10,
    ratio,
    satchel: {
      status: "ok",
      stats: { rps } as NonNullable<ScenarioResult["satchel"]>["stats"],
    },
    ...(referenceRps === undefined
      ? {}
      : { reference: { rps: referenceRps, text: "", source: "pocketbase-cax11" } }),
    notes: [],
  };
}

it("the aims summary reads the median, the lowest ratio and the published rates off a run", () => {
  const aims = aimsSummary([
    scenario("a", 0.9, 900, 800),
    scenario("b", 0.5, 500, 600),
    scenario("c", 0.7, 700),
    scenario("d", 0.8, 800, 100),
    scenario("not run", null, 0),
  ]);
  assert.equal(aims.median, 0.75);
  assert.deepEqual(aims.worst, { ratio: 0.5, title: "b" });
  assert.equal(aims.atLeast06, 3);
  assert.equal(aims.measured, 4);
  assert.equal(aims.references, 3);
  assert.equal(aims.referencesBeaten, 2);
  assert.deepEqual(aims.referencesMissed, ["b"]);
  assert.equal(
    aimsSummary([scenario("x", 0.6, 1), scenario("y", 0.62, 1), scenario("z", 0.7, 1)]).median,
    0.62,
  );
});
