import { describe, expect, it } from "vitest";
import type { Label } from "../../src/feedback/feedback";
import { accuracyDropAlert, driftAlert, slowUpdateAlert, storeErrorAlert } from "../../src/model/alerts";
import { judgeCandidate, windowAccuracy, type Predictor } from "../../src/model/guardrail";

/** A model that approves when the first feature is positive (or the opposite, when flipped). */
const threshold = (flipped: boolean): Predictor => ({
  predictProba: (x) => ((x[0] as number) > 0 !== flipped ? 0.9 : 0.1),
});
const window = {
  X: [-2, -1, 1, 2, 3].map((v) => Float64Array.of(v)),
  y: [0, 0, 1, 1, 1] as Label[],
};

describe("guardrail", () => {
  it("scores the window in one call when the model predicts many rows at once", () => {
    const rowsSeen: number[] = [];
    const batched: Predictor = {
      predictProba: () => {
        throw new Error("not used when predictMany is there");
      },
      predictMany: (rows) => {
        rowsSeen.push(rows.length);
        return Float64Array.from(rows, (x) => ((x[0] as number) > 0 ? 0.9 : 0.1));
      },
    };
    expect(windowAccuracy(batched, window)).toBe(1);
    expect(rowsSeen).toEqual([5]);
  });

  it("judges the same with pauses between the two scorings as without", async () => {
    let pauses = 0;
    const pause = async () => {
      pauses++;
    };
    const almost: Predictor = { predictProba: (x) => ((x[0] as number) > 1 ? 0.9 : 0.1) };
    for (const [candidate, active] of [
      [almost, threshold(false)],
      [threshold(false), almost],
      [almost, null],
    ] as const) {
      for (const win of [window, { X: [], y: [] }]) {
        expect(await judgeCandidate(candidate, active, win, 10, pause)).toEqual(
          await judgeCandidate(candidate, active, win, 10),
        );
      }
    }
    expect(pauses).toBe(12);
  });

  it("measures a model's accuracy on the recent window", () => {
    expect(windowAccuracy(threshold(false), window)).toBe(1);
    expect(windowAccuracy(threshold(true), window)).toBe(0);
  });

  it("rejects a candidate that is worse than the active model by more than the allowed points", async () => {
    const verdict = await judgeCandidate(threshold(true), threshold(false), window, 2);
    expect(verdict).toMatchObject({
      accept: false,
      candidateAccuracy: 0,
      activeAccuracy: 1,
      dropPoints: 100,
      samples: 5,
    });
    expect(verdict.message).toContain("rejected");
  });

  it("accepts a candidate whose drop stays within the allowed points", async () => {
    const almost: Predictor = { predictProba: (x) => ((x[0] as number) > 1 ? 0.9 : 0.1) }; // misses x = 1
    const verdict = await judgeCandidate(almost, threshold(false), window, 20);
    expect(verdict.accept).toBe(true);
    expect(verdict.dropPoints).toBeCloseTo(20);
    expect((await judgeCandidate(almost, threshold(false), window, 19)).accept).toBe(false);
  });

  it("accepts a candidate when there is no trained active model", async () => {
    expect(await judgeCandidate(threshold(true), null, window, 0)).toMatchObject({
      accept: true,
      activeAccuracy: null,
      candidateAccuracy: 0,
    });
  });

  it("accepts a candidate when there is no recent feedback", async () => {
    expect(await judgeCandidate(threshold(true), threshold(false), { X: [], y: [] }, 0)).toMatchObject({
      accept: true,
      samples: 0,
    });
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
