import { describe, expect, it } from "vitest";
import { InvalidInputError, ModelFormatError } from "../../src/errors";
import type { Label } from "../../src/feedback/feedback";
import { PrequentialMonitor } from "../../src/learning/monitor";
import { SeededRandom } from "../../src/testing/simulation/random";

function fed(pairs: Array<[number, Label]>, options?: { fadingFactor?: number }): PrequentialMonitor {
  const monitor = new PrequentialMonitor(options);
  for (const [p, y] of pairs) monitor.update(p, y);
  return monitor;
}

// Predictions 1, 0, 1, 0 against labels 1, 0, 0, 1: one of each confusion cell.
const balanced: Array<[number, Label]> = [
  [0.9, 1],
  [0.2, 0],
  [0.6, 0],
  [0.4, 1],
];

describe("PrequentialMonitor metrics", () => {
  it("reports zeros and no drift before the first sample", () => {
    expect(new PrequentialMonitor().snapshot()).toEqual({
      samples: 0,
      accuracy: 0,
      fadingAccuracy: 0,
      kappa: 0,
      brier: 0,
      logLoss: 0,
      driftDetected: false,
      driftCount: 0,
    });
  });

  it("computes accuracy as the share of correct predictions at threshold 0.5", () => {
    expect(fed(balanced).snapshot().accuracy).toBe(0.5);
    expect(fed([[0.5, 1]]).snapshot().accuracy).toBe(1);
  });

  it("computes the Brier score as the mean squared error of P(approve)", () => {
    // (0.1² + 0.2² + 0.6² + 0.6²) / 4
    expect(fed(balanced).snapshot().brier).toBeCloseTo(0.1925, 12);
  });

  it("computes the log-loss as the mean negative log-likelihood of the label", () => {
    const expected = -(Math.log(0.9) + Math.log(0.8) + Math.log(0.4) + Math.log(0.4)) / 4;
    expect(fed(balanced).snapshot().logLoss).toBeCloseTo(expected, 12);
    expect(expected).toBeCloseTo(0.5402714, 6);
  });

  it("clips certain wrong answers so the log-loss stays finite", () => {
    expect(fed([[0, 1]]).snapshot().logLoss).toBeCloseTo(-Math.log(1e-15), 9);
    expect(fed([[1, 0]]).snapshot().logLoss).toBeCloseTo(-Math.log(1e-15), 2); // 1 − (1 − 1e-15) rounds in binary
  });

  it("computes kappa as agreement beyond chance", () => {
    expect(fed(balanced).snapshot().kappa).toBe(0);
    // Predictions 1,1,0,0,1 vs labels 1,1,1,0,0: observed 0.6, chance 0.6·0.6 + 0.4·0.4 = 0.52.
    const monitor = fed([
      [0.9, 1],
      [0.8, 1],
      [0.3, 1],
      [0.2, 0],
      [0.7, 0],
    ]);
    expect(monitor.snapshot().kappa).toBeCloseTo((0.6 - 0.52) / 0.48, 12);
  });

  it("gives kappa 1 for perfect predictions of both classes and 0 when only one class was ever seen", () => {
    expect(
      fed([
        [0.9, 1],
        [0.1, 0],
      ]).snapshot().kappa,
    ).toBe(1);
    expect(
      fed([
        [0.9, 1],
        [0.8, 1],
      ]).snapshot().kappa,
    ).toBe(0);
  });

  it("weights recent samples more in the fading accuracy", () => {
    // correct, correct, wrong, wrong with α = 0.99
    const expected = (0.99 ** 3 + 0.99 ** 2) / (1 + 0.99 + 0.99 ** 2 + 0.99 ** 3);
    expect(fed(balanced).snapshot().fadingAccuracy).toBeCloseTo(expected, 12);
    const fast = fed(balanced, { fadingFactor: 0.5 }).snapshot().fadingAccuracy;
    expect(fast).toBeCloseTo((0.125 + 0.25) / (1 + 0.5 + 0.25 + 0.125), 12);
  });

  it("equals the plain accuracy when the fading factor is 1", () => {
    const snapshot = fed(balanced, { fadingFactor: 1 }).snapshot();
    expect(snapshot.fadingAccuracy).toBe(snapshot.accuracy);
  });
});

describe("PrequentialMonitor drift", () => {
  it("detects the jump of the error rate when the household's taste changes", () => {
    const random = new SeededRandom(9);
    const monitor = new PrequentialMonitor();
    let firstDrift = 0;
    for (let i = 1; i <= 2000; i++) {
      const correct = random.chance(i <= 1000 ? 0.9 : 0.6);
      const { drift } = monitor.update(correct ? 0.8 : 0.2, 1);
      if (drift && firstDrift === 0) firstDrift = i;
    }
    expect(firstDrift).toBeGreaterThan(1000);
    const snapshot = monitor.snapshot();
    expect(snapshot.driftCount).toBeGreaterThanOrEqual(1);
    expect(snapshot.lastDriftAt).toBeGreaterThan(1000);
  });

  it("tells a rise of the error rate from a fall, and how many samples came since the change", () => {
    const random = new SeededRandom(9);
    const worse = new PrequentialMonitor();
    const better = new PrequentialMonitor();
    let rise: boolean | null = null;
    let fall: boolean | null = null;
    let since = 0;
    for (let i = 1; i <= 2000; i++) {
      const before = i <= 1000;
      if (worse.update(random.chance(before ? 0.9 : 0.6) ? 0.8 : 0.2, 1).drift && rise === null) {
        rise = worse.driftRaisedError;
        since = worse.samplesSinceChange;
      }
      if (better.update(random.chance(before ? 0.6 : 0.9) ? 0.8 : 0.2, 1).drift && fall === null)
        fall = better.driftRaisedError;
    }
    expect(rise).toBe(true);
    expect(fall).toBe(false);
    expect(since).toBeGreaterThan(0);
    expect(since).toBeLessThan(1000);
  });

  it("reports no drift on a stable stream", () => {
    const random = new SeededRandom(10);
    const monitor = new PrequentialMonitor();
    for (let i = 0; i < 1000; i++) monitor.update(random.chance(0.85) ? 0.7 : 0.3, 1);
    expect(monitor.snapshot().driftCount).toBe(0);
    expect(monitor.snapshot().lastDriftAt).toBeUndefined();
  });
});

describe("PrequentialMonitor input", () => {
  it("refuses a probability outside [0, 1] and changes nothing", () => {
    const monitor = new PrequentialMonitor();
    for (const bad of [-0.1, 1.1, Number.NaN, "0.5"]) {
      expect(() => monitor.update(bad as number, 1)).toThrow(InvalidInputError);
    }
    expect(monitor.snapshot().samples).toBe(0);
  });

  it("refuses a label other than 0 or 1 and names it", () => {
    const monitor = new PrequentialMonitor();
    expect(() => monitor.update(0.5, 2 as Label)).toThrow(expect.objectContaining({ field: "label" }));
    expect(monitor.snapshot().samples).toBe(0);
  });

  it("refuses a fading factor outside (0, 1] and a bad ADWIN delta", () => {
    expect(() => new PrequentialMonitor({ fadingFactor: 0 })).toThrow(
      expect.objectContaining({ field: "fadingFactor" }),
    );
    expect(() => new PrequentialMonitor({ fadingFactor: 1.01 })).toThrow(InvalidInputError);
    expect(() => new PrequentialMonitor({ adwinDelta: 0 })).toThrow(expect.objectContaining({ field: "adwinDelta" }));
  });
});

describe("PrequentialMonitor serialization", () => {
  function busy(): PrequentialMonitor {
    const random = new SeededRandom(11);
    const monitor = new PrequentialMonitor({ fadingFactor: 0.95 });
    for (let i = 0; i < 1500; i++) monitor.update(random.next(), random.chance(i < 800 ? 0.8 : 0.2) ? 1 : 0);
    return monitor;
  }

  it("round-trips through JSON with identical metrics", () => {
    const original = busy();
    const copy = PrequentialMonitor.fromJSON(JSON.parse(JSON.stringify(original)));
    expect(copy.snapshot()).toEqual(original.snapshot());
    expect(copy.fadingFactor).toBe(0.95);
  });

  it("continues after a round trip exactly as the original would", () => {
    const original = busy();
    const copy = PrequentialMonitor.fromJSON(JSON.parse(JSON.stringify(original)));
    const random = new SeededRandom(12);
    for (let i = 0; i < 500; i++) {
      const p = random.next();
      const y: Label = random.chance(0.5) ? 1 : 0;
      expect(copy.update(p, y)).toEqual(original.update(p, y));
    }
    expect(copy.snapshot()).toEqual(original.snapshot());
  });

  it("round-trips a fresh monitor", () => {
    expect(PrequentialMonitor.fromJSON(new PrequentialMonitor().toJSON()).snapshot().samples).toBe(0);
  });

  it("rejects malformed saved states", () => {
    const good = busy().toJSON();
    const bad: unknown[] = [
      "x",
      { ...good, format: "other" },
      { ...good, formatVersion: 2 },
      { ...good, samples: -1 },
      { ...good, confusion: null },
      { ...good, confusion: { ...good.confusion, truePositive: good.confusion.truePositive + 1 } },
      { ...good, confusion: { ...good.confusion, falseNegative: 0.5 } },
      { ...good, lastDrift: "no" },
      { ...good, lastDriftAt: -3 },
      { ...good, lastDriftAt: undefined },
      { ...good, fadingFactor: 0 },
      { ...good, fadingCorrect: Number.NaN },
      { ...good, brierSum: -1 },
      { ...good, adwin: null },
    ];
    for (const state of bad)
      expect(() => PrequentialMonitor.fromJSON(state), JSON.stringify(state)).toThrow(ModelFormatError);
  });
});
