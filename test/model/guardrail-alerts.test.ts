import { describe, expect, it } from "vitest";
import { accuracyDropAlert, driftAlert, slowUpdateAlert, storeErrorAlert } from "../../src/model/alerts";
import { AnswerStats, binomialUpperTail, PairedEvidence } from "../../src/model/guardrail";

/** Paired evidence from a list of (challenger right?, active right?) answers, all labelled approve. */
function evidence(pairs: Array<[boolean, boolean]>): PairedEvidence {
  const paired = new PairedEvidence();
  for (const [challengerRight, activeRight] of pairs)
    paired.add(challengerRight ? 0.9 : 0.1, activeRight ? 0.8 : 0.2, 1);
  return paired;
}

const repeat = <T>(n: number, value: T): T[] => Array.from({ length: n }, () => value);

describe("guardrail", () => {
  it("computes the exact one-sided McNemar p-value", () => {
    expect(binomialUpperTail(0, 0)).toBe(1);
    expect(binomialUpperTail(3, 3)).toBeCloseTo(1 / 8);
    expect(binomialUpperTail(2, 3)).toBeCloseTo(4 / 8);
    expect(binomialUpperTail(7, 7)).toBeCloseTo(1 / 128);
    expect(binomialUpperTail(60, 100)).toBeCloseTo(0.0284, 3);
  });

  it("says there is not enough evidence yet rather than guessing", () => {
    const verdict = evidence(repeat(10, [true, false])).verdict(50, 2);
    expect(verdict.outcome).toBe("undecided");
    expect(verdict.message).toContain("not enough evidence yet");
    expect(evidence([]).verdict(50, 2)).toMatchObject({ outcome: "undecided", samples: 0, interval: null });
  });

  it("decides early when the challenger is clearly better or clearly worse", () => {
    const better = evidence([...repeat(10, [true, false] as [boolean, boolean]), ...repeat(10, [true, true])]);
    expect(better.verdict(50, 2)).toMatchObject({ outcome: "better", samples: 20, challengerAccuracy: 1 });
    const worse = evidence([...repeat(10, [false, true] as [boolean, boolean]), ...repeat(10, [true, true])]);
    const verdict = worse.verdict(50, 2);
    expect(verdict).toMatchObject({ outcome: "worse", challengerAccuracy: 0.5, activeAccuracy: 1 });
    expect(verdict.differencePoints).toBeCloseTo(-50);
    expect(verdict.interval![1]).toBeLessThan(0);
  });

  it("calls a challenger that answers like the active one not worse once the samples are in", () => {
    const same = evidence(repeat(50, [true, true]));
    expect(same.verdict(50, 2)).toMatchObject({ outcome: "not-worse", differencePoints: 0, interval: [0, 0] });
    expect(evidence(repeat(49, [true, true])).verdict(50, 2).outcome).toBe("undecided");
  });

  it("allows a drop up to the limit, and not beyond", () => {
    // 2 of 50 lost: a drop of 4 points, not significant early.
    const pairs = [...repeat(2, [false, true] as [boolean, boolean]), ...repeat(48, [true, true])];
    expect(evidence(pairs).verdict(50, 4).outcome).toBe("not-worse");
    expect(evidence(pairs).verdict(50, 3).outcome).toBe("worse");
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
