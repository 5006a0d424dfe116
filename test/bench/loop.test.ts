import { describe, expect, it } from "vitest";
import { table } from "../../bench/loop";
import { loopFigures, median } from "../../bench/loop/figures";
import { ANSWER_NOISE, answer, buildLoopHome, flipped, TASTES } from "../../bench/loop/household";
import { type Ask, type HomeLoop, RANKINGS, runHomeLoop, withExploringAsk } from "../../bench/loop/simulate";
import { type Pattern, patternFeatures } from "../../src/features/pattern-features";

const DAY = 86_400_000;
const NOW = new Date("2026-06-01T03:00:00Z");

/** A mined-looking pattern with 28 days of evidence. */
function pattern(type: "time_of_day" | "co_occurrence", extra: Partial<Pattern> = {}): Pattern {
  return {
    pattern_type: type,
    confidence: 0.6,
    devices: type === "co_occurrence" ? ["dev-door", "dev-light"] : ["dev-light"],
    areas: ["hallway"],
    occurrences: 10,
    first_seen: new Date(NOW.getTime() - 28 * DAY).toISOString(),
    last_seen: new Date(NOW.getTime() - DAY).toISOString(),
    metadata: { entity_ids: ["light.hallway"], actions: [{ action: "light.turn_on" }] },
    ...extra,
  };
}

const weekdays = { entity_ids: ["light.kitchen"], actions: [], conditions: [{ condition: "time", weekday: ["mon"] }] };
const features = {
  sequence: patternFeatures(pattern("co_occurrence"), NOW),
  weekday: patternFeatures(pattern("time_of_day", { metadata: weekdays }), NOW),
  daily: patternFeatures(pattern("time_of_day"), NOW),
  confidentDaily: patternFeatures(pattern("time_of_day", { confidence: 0.9, occurrences: 26 }), NOW),
};

describe("the loop's hidden tastes", () => {
  it("each wants its own kind of routine, read from the standard features", () => {
    const wanted = (taste: keyof typeof TASTES) =>
      Object.entries(features)
        .filter(([, f]) => TASTES[taste](f))
        .map(([name]) => name);
    expect(wanted("sequences")).toEqual(["sequence"]);
    expect(wanted("scheduled")).toEqual(["weekday"]);
    expect(wanted("daily")).toEqual(["daily", "confidentDaily"]);
    expect(wanted("confident")).toEqual(["confidentDaily"]);
  });

  it("answers against the taste for about a tenth of suggestions, the same answer every time", () => {
    const ids = Array.from({ length: 4000 }, (_, i) => `routine-${i}`);
    const share = ids.filter((id) => flipped(3, id)).length / ids.length;
    expect(share).toBeGreaterThan(ANSWER_NOISE - 0.02);
    expect(share).toBeLessThan(ANSWER_NOISE + 0.02);
    for (const id of ids.slice(0, 200)) {
      expect(answer("sequences", features.sequence, 3, id)).toBe(!flipped(3, id));
      expect(answer("sequences", features.daily, 3, id)).toBe(flipped(3, id));
    }
    // Another household flips other suggestions.
    expect(ids.filter((id) => flipped(3, id) !== flipped(4, id)).length).toBeGreaterThan(0);
  });
});

describe("a loop home", () => {
  const home = buildLoopHome({
    seed: 5,
    loopStartMs: Date.UTC(2026, 4, 4),
    loopDays: 5,
    wings: 3,
    staggerDays: 2,
    historyDays: 21,
  });

  it("is made of wings whose ids are their own and whose pasts start on staggered days", () => {
    expect(home.wingStarts).toEqual([-21, -19, -17].map((d) => Date.UTC(2026, 4, 4) + d * DAY));
    const entityIds = new Set(home.registry.entities.map((e) => e.entity_id));
    expect(entityIds.has("light.w0_kitchen") && entityIds.has("light.w2_kitchen")).toBe(true);
    expect(home.registry.entities.every((e) => /^[a-z_]+\.w\d+_/.test(e.entity_id))).toBe(true);
    expect(home.registry.areas.every((a) => a.area_id.startsWith("w"))).toBe(true);
    expect(home.logbook.every((row) => row.entity_id === undefined || entityIds.has(row.entity_id))).toBe(true);
    for (let i = 1; i < home.logbook.length; i++)
      expect(home.logbook[i]!.when).toBeGreaterThanOrEqual(home.logbook[i - 1]!.when);
  });

  it("runs the loop: each ranking asks at most its budget a day and never the same suggestion twice", async () => {
    const rankings = RANKINGS.filter((r) => ["model10", "confidence", "random", "oracle"].includes(r.name));
    const loop = await runHomeLoop(home, "daily", rankings, {
      loopStartMs: Date.UTC(2026, 4, 4),
      loopDays: 5,
      asksPerDay: 3,
      asks: 15,
    });
    expect(loop.suggestions).toBeGreaterThan(15);
    for (const ranking of rankings) {
      const asks = loop.asks[ranking.name]!;
      expect(asks).toHaveLength(15);
      expect(new Set(asks.map((a) => a.patternId)).size).toBe(15);
      for (let day = 0; day < 5; day++) expect(asks.filter((a) => a.day === day)).toHaveLength(3);
    }
    // The first version is trained on the 10th answer (updateThreshold 10), on day 4 (asks 10–12):
    // those were ranked that morning, untrained; the next morning's asks are ranked by it.
    expect(loop.asks.model10!.slice(0, 12).every((a) => a.version === null)).toBe(true);
    expect(loop.asks.model10!.slice(12).every((a) => a.version !== null)).toBe(true);
    const approved = (name: string) => loop.asks[name]!.filter((a) => a.approved).length;
    expect(approved("oracle")).toBeGreaterThanOrEqual(approved("random"));
    expect(approved("oracle")).toBeGreaterThanOrEqual(approved("confidence"));
  });
});

describe("the exploratory variant", () => {
  const c = (patternId: string, score: number) => ({
    patternId,
    score,
    uncertainty: 1 - Math.abs(2 * score - 1),
    minerConfidence: 0.5,
    firstSeenMs: 0,
  });

  it("asks the likeliest approvals but one, then the suggestion nearest a coin toss", () => {
    const pool = [c("a", 0.9), c("b", 0.8), c("c", 0.7), c("toss", 0.5), c("no", 0.1)];
    expect(withExploringAsk(pool, 3, true).map((x) => x.patternId)).toEqual(["a", "b", "toss"]);
    expect(withExploringAsk(pool, 1, true).map((x) => x.patternId)).toEqual(["a"]);
  });
});

describe("the loop's figures", () => {
  const asks = (approved: boolean[]): Ask[] =>
    approved.map((ok, i) => ({ day: Math.floor(i / 3), patternId: `p${i}`, approved: ok, score: null, version: null }));
  const home = (seed: number, model: boolean[], confidence: boolean[]): HomeLoop => ({
    seed,
    taste: "sequences",
    suggestions: 10,
    wanted: 5,
    days: 2,
    asks: { model: asks(model), confidence: asks(confidence) },
  });

  it("gives the median and the worst home, per block, and the lead over confidence home by home", () => {
    const T = true;
    const F = false;
    const figures = loopFigures(
      [home(1, [T, T, T, F], [T, F, F, F]), home(2, [T, F, F, F], [T, T, F, F]), home(3, [T, T, F, F], [F, F, F, F])],
      4,
    );
    expect(figures.rankings.model!.median).toBe(50);
    expect(figures.rankings.model!.worst).toBe(25);
    expect(figures.rankings.model!.lead).toEqual({ median: 50, worst: -25 });
    expect(figures.rankings.confidence!.lead).toBeNull();
    expect(figures.rankings.model!.blocks).toEqual([50]);
    expect(figures.homes.map((h) => h.share.model)).toEqual([75, 25, 50]);
  });

  it("reads as a table with one row per ranking and a column per block of 25 asks", () => {
    const figures = loopFigures([home(1, Array(50).fill(true), Array(50).fill(false))], 50);
    const rows = table(figures);
    expect(rows[0]).toContain("asks 26–50");
    expect(rows).toHaveLength(3);
    expect(rows[1]).toContain("100 %");
    expect(rows[1]).toContain("+100 (+100)");
  });

  it("takes the middle of an even count as the mean of the two", () => {
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([7])).toBe(7);
  });
});
