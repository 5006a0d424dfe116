import { describe, expect, it } from "vitest";
import { accuracyDropAlert, driftAlert, slowUpdateAlert, storeErrorAlert } from "../../src/model/alerts";
import {
  AnswerStats,
  type JudgingRules,
  MIN_EVIDENCE,
  outcomeOf,
  PairedEvidence,
  pairedInterval,
} from "../../src/model/guardrail";
import { SeededRandom } from "../../src/testing/simulation/random";

/** Paired evidence from a list of (challenger right?, active right?) answers, all labelled approve. */
function evidence(pairs: Array<[boolean, boolean]>): PairedEvidence {
  const paired = new PairedEvidence();
  pairs.forEach(([challengerRight, activeRight], i) => {
    paired.add(challengerRight ? 0.9 : 0.1, activeRight ? 0.8 : 0.2, 1, i + 1);
  });
  return paired;
}

/** `n` paired answers alike: [the challenger right, the opponent right]. */
const repeat = (n: number, pair: [boolean, boolean]): Array<[boolean, boolean]> =>
  Array.from({ length: n }, () => pair);
const RULES: JudgingRules = { samples: 50, maxDropPoints: 2, maxSamples: 300 };

describe("guardrail", () => {
  it("gives Newcombe's paired score interval, never of zero width", () => {
    // Newcombe (1998), table II, example (c): a = 36, b = 12, c = 2, d = 0 → −0.0569 to +0.3404 (method 10).
    const [low, high] = pairedInterval({ both: 36, onlyChallenger: 12, onlyOpponent: 2, neither: 0 })!;
    expect(low / 100).toBeCloseTo(0.0569, 3);
    expect(high / 100).toBeCloseTo(0.3404, 3);
    const four = pairedInterval({ both: 4, onlyChallenger: 0, onlyOpponent: 0, neither: 0 })!;
    expect(four[1] - four[0]).toBeGreaterThan(40);
    expect(pairedInterval({ both: 0, onlyChallenger: 0, onlyOpponent: 0, neither: 0 })).toBeNull();
  });

  it("says there are too few answers to tell rather than guessing", () => {
    const verdict = evidence(repeat(10, [true, false])).verdict(RULES);
    expect(verdict.outcome).toBe("undecided");
    expect(verdict.message).toContain("too few answers to tell");
    expect(evidence([]).verdict(RULES)).toMatchObject({ outcome: "undecided", samples: 0, interval: null });
    expect(evidence([]).verdict(RULES).message).toContain("too few answers to tell");
  });

  it("decides early when the interval lies clearly above 0 or below the allowed drop", () => {
    const better = evidence([...repeat(10, [true, false]), ...repeat(10, [true, true])]);
    const won = better.verdict(RULES);
    expect(won).toMatchObject({ outcome: "better", samples: 20, challengerAccuracy: 1 });
    expect(won.interval![0]).toBeGreaterThan(0);
    const worse = evidence([...repeat(10, [false, true]), ...repeat(10, [true, true])]);
    const verdict = worse.verdict(RULES);
    expect(verdict).toMatchObject({ outcome: "worse", challengerAccuracy: 0.5, activeAccuracy: 1 });
    expect(verdict.differencePoints).toBeCloseTo(-50);
    expect(verdict.interval![1]).toBeLessThan(-2);
  });

  it("calls a challenger not worse only once the interval clears the allowed drop, and unproven at the limit", () => {
    // 50 answers alike: the interval is about ±7.1 points, so a drop of 2 cannot be ruled out yet.
    expect(evidence(repeat(50, [true, true])).verdict(RULES).outcome).toBe("undecided");
    expect(evidence(repeat(50, [true, true])).verdict({ ...RULES, maxDropPoints: 8 }).outcome).toBe("not-worse");
    // 300 alike: ±0.8 points, not worse.
    expect(evidence(repeat(300, [true, true])).verdict(RULES).outcome).toBe("not-worse");
    // 12 lost and 12 won in 300: the interval (−3.1 to +3.1) never clears −2: unproven at the limit.
    const even = [...repeat(12, [false, true]), ...repeat(12, [true, false]), ...repeat(276, [true, true])];
    const verdict = evidence(even).verdict(RULES);
    expect(verdict.outcome).toBe("unproven");
    expect(verdict.message).toContain("not shown to be within the allowed drop");
  });

  it("takes the answers to feedback set aside out of the evidence", () => {
    const pairs = [...repeat(30, [false, true]), ...repeat(30, [true, true])];
    const all = evidence(pairs);
    expect(all.verdict(RULES).outcome).toBe("worse");
    const kept = all.without(1, 31);
    expect(kept.samples).toBe(30);
    expect(kept.verdict(RULES).challengerAccuracy).toBe(1);
  });

  it("reads every verdict from the interval it shows (property test over random trials)", () => {
    const random = new SeededRandom(11);
    let checked = 0;
    for (let trial = 0; trial < 2000; trial++) {
      const rules: JudgingRules = {
        samples: 1 + random.int(100),
        maxDropPoints: random.uniform(0, 10),
        maxSamples: 0,
      };
      rules.maxSamples = rules.samples + random.int(300);
      const n = random.int(rules.maxSamples + 20);
      const challengerSkill = random.uniform(0.4, 0.95);
      const activeSkill = random.uniform(0.4, 0.95);
      const paired = new PairedEvidence();
      for (let i = 0; i < n; i++) {
        paired.add(random.chance(challengerSkill) ? 0.9 : 0.1, random.chance(activeSkill) ? 0.9 : 0.1, 1, i + 1);
      }
      const verdict = paired.verdict(rules);
      const interval = verdict.interval;
      if (n === 0) {
        expect(interval).toBeNull();
        continue;
      }
      checked++;
      const [low, high] = interval!;
      expect(high).toBeGreaterThan(low);
      expect(low).toBeLessThanOrEqual(verdict.differencePoints!);
      expect(high).toBeGreaterThanOrEqual(verdict.differencePoints!);
      // The message shows this very interval…
      expect(verdict.message).toContain(
        `${low >= 0 ? "+" : ""}${low.toFixed(1)} to ${high >= 0 ? "+" : ""}${high.toFixed(1)}`,
      );
      // …and the outcome agrees with it.
      const tooFew = n < Math.min(MIN_EVIDENCE, rules.samples);
      if (verdict.outcome === "better") expect(low).toBeGreaterThan(0);
      if (verdict.outcome === "worse") expect(high).toBeLessThan(-rules.maxDropPoints);
      if (verdict.outcome === "not-worse") {
        expect(low).toBeGreaterThan(-rules.maxDropPoints);
        expect(n).toBeGreaterThanOrEqual(rules.samples);
      }
      if (verdict.outcome === "unproven") {
        expect(low).toBeLessThanOrEqual(-rules.maxDropPoints);
        expect(n).toBeGreaterThanOrEqual(rules.maxSamples);
      }
      if (!tooFew && low > 0) expect(verdict.outcome).toBe("better");
      if (!tooFew && high < -rules.maxDropPoints) expect(verdict.outcome).toBe("worse");
      if (tooFew) expect(verdict.message).toContain("too few answers to tell");
      expect(verdict.outcome).toBe(outcomeOf(interval, n, rules));
    }
    expect(checked).toBeGreaterThan(1900);
  });

  it("measures the challenger's own accuracy, kappa, Brier score and log-loss", () => {
    const stats = new AnswerStats();
    stats.add(0.9, 1);
    stats.add(0.2, 0);
    stats.add(0.6, 0);
    stats.add(0.7, 1);
    const evaluation = stats.evaluation("m")!;
    expect(evaluation.accuracy).toBe(0.75);
    expect(evaluation.brier).toBeCloseTo((0.01 + 0.04 + 0.36 + 0.09) / 4);
    expect(evaluation.logLoss).toBeCloseTo(-(Math.log(0.9) + Math.log(0.8) + Math.log(0.4) + Math.log(0.7)) / 4);
    // 3 predicted approve, 2 approved, 4 in all: chance agreement (3·2 + 1·2) / 16 = 0.5.
    expect(evaluation.kappa).toBeCloseTo(0.5);
    expect(new AnswerStats().evaluation("m")).toBeNull();
  });
});

describe("alerts", () => {
  it("flag an update over the time budget, and only then", () => {
    expect(slowUpdateAlert("v0002", 1500, 1000)).toMatchObject({
      type: "slow-update",
      severity: "warning",
      details: { updateTimeMs: 1500 },
    });
    expect(slowUpdateAlert("v0002", 1000, 1000)).toBeNull();
  });

  it("flag a drop of the recent accuracy against the active version's record", () => {
    const alert = accuracyDropAlert(
      "v0003",
      { fadingAccuracy: 0.8, prequentialAccuracy: 0.9 },
      { fadingAccuracy: 0.9, prequentialAccuracy: 0.9 },
      5,
    );
    expect(alert).toMatchObject({ type: "accuracy-drop", details: { metric: "fadingAccuracy" } });
    expect(alert?.details.dropPoints).toBeCloseTo(10);
  });

  it("compare prequential accuracy when the version recorded no fading accuracy", () => {
    const alert = accuracyDropAlert(
      "v0003",
      { fadingAccuracy: 0.5, prequentialAccuracy: 0.84 },
      { prequentialAccuracy: 0.9 },
      5,
    );
    expect(alert?.details.metric).toBe("prequentialAccuracy");
    expect(accuracyDropAlert("v0003", { prequentialAccuracy: 0.86 }, { prequentialAccuracy: 0.9 }, 5)).toBeNull();
  });

  it("say nothing about accuracy without figures on both sides", () => {
    expect(accuracyDropAlert("v0003", { prequentialAccuracy: 0.5 }, {}, 5)).toBeNull();
  });

  it("describe a drift with the active version", () => {
    expect(driftAlert("v0001", { samples: 300 })).toMatchObject({
      type: "drift",
      severity: "warning",
      details: { version: "v0001", samples: 300 },
    });
  });

  it("describe a store failure with its error code", () => {
    const failure = Object.assign(new Error("EROFS: read-only file system"), { code: "EROFS" });
    expect(storeErrorAlert("saving a version", failure)).toMatchObject({
      type: "store-error",
      severity: "error",
      message: "saving a version failed: EROFS: read-only file system",
      details: { action: "saving a version", code: "EROFS" },
    });
    expect(storeErrorAlert("x", "plain").details).toEqual({ action: "x" });
  });
});
