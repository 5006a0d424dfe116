import { describe, expect, it } from "vitest";
import { InvalidInputError } from "../../src/errors";
import type { Label } from "../../src/feedback/feedback";
import { patternFeatures, standardPatternSchema } from "../../src/features/pattern-features";
import { householdStream, SimulatedHousehold } from "../../src/testing/simulation/household";
import { SeededRandom } from "../../src/testing/simulation/random";
import { seaStream } from "../../src/testing/simulation/sea";

const share = (labels: Label[]) => labels.reduce<number>((a, b) => a + b, 0) / labels.length;

describe("SeededRandom", () => {
  it("gives the same sequence for the same seed and another for another seed", () => {
    const a = new SeededRandom(7);
    const b = new SeededRandom(7);
    const c = new SeededRandom(8);
    const seqA = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(seqA);
    expect(Array.from({ length: 5 }, () => c.next())).not.toEqual(seqA);
  });

  it("stays within its ranges", () => {
    const r = new SeededRandom(1);
    for (let i = 0; i < 1000; i++) {
      const u = r.uniform(2, 3);
      expect(u >= 2 && u < 3).toBe(true);
      const k = r.int(4);
      expect(Number.isInteger(k) && k >= 0 && k < 4).toBe(true);
      expect(["a", "b"]).toContain(r.pick(["a", "b"]));
    }
  });

  it("draws normals with mean near 0 and variance near 1", () => {
    const r = new SeededRandom(2);
    const xs = Array.from({ length: 20000 }, () => r.normal());
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const variance = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length;
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(variance - 1)).toBeLessThan(0.05);
  });

  it("shuffles a list into a permutation of itself", () => {
    const items = Array.from({ length: 50 }, (_, i) => i);
    const shuffled = new SeededRandom(3).shuffle([...items]);
    expect(shuffled).not.toEqual(items);
    expect([...shuffled].sort((a, b) => a - b)).toEqual(items);
  });
});

describe("seaStream", () => {
  const stream = seaStream();

  it("has 6,000 samples of 20 features in [0, 10) by default", () => {
    expect(stream.X).toHaveLength(6000);
    expect(stream.y).toHaveLength(6000);
    expect(stream.schema.size).toBe(20);
    expect(stream.X.every((x) => x.length === 20 && x.every((v) => v >= 0 && v < 10))).toBe(true);
  });

  it("is the same for the same seed and different for another", () => {
    const again = seaStream({ seed: 1 });
    expect(again.y).toEqual(stream.y);
    expect(again.X[123]).toEqual(stream.X[123]);
    expect(seaStream({ seed: 2 }).y).not.toEqual(stream.y);
  });

  it("has an abrupt change at 30 % and a gradual one from 60 % to 80 %", () => {
    expect(stream.changes).toEqual([
      { at: 1800, kind: "abrupt", width: 1 },
      { at: 3600, kind: "gradual", width: 1200 },
    ]);
    expect(stream.concept[1799]).toBe(0);
    expect(stream.concept.slice(1800, 3600).every((c) => c === 1)).toBe(true);
    const during = stream.concept.slice(3600, 4800);
    expect(during.slice(0, 200).filter((c) => c === 2).length).toBeLessThan(
      during.slice(1000).filter((c) => c === 2).length,
    );
    expect(stream.concept.slice(4800).every((c) => c === 2)).toBe(true);
  });

  it("labels by its concept with about 10 % noise", () => {
    const rules = [
      (x: Float64Array) => x[0]! + x[1]! <= 9,
      (x: Float64Array) => x[2]! + x[3]! <= 10,
      (x: Float64Array) => x[1]! + x[3]! <= 11,
    ];
    let disagreements = 0;
    stream.X.forEach((x, i) => {
      if ((rules[stream.concept[i]!]!(x) ? 1 : 0) !== stream.y[i]) disagreements++;
    });
    expect(disagreements / stream.X.length).toBeGreaterThan(0.08);
    expect(disagreements / stream.X.length).toBeLessThan(0.12);
    expect(stream.concepts).toEqual(["x0 + x1 ≤ 9", "x2 + x3 ≤ 10", "x1 + x3 ≤ 11"]);
  });

  it("changes about half the labels at the abrupt change", () => {
    const before = (x: Float64Array) => x[0]! + x[1]! <= 9;
    const after = (x: Float64Array) => x[2]! + x[3]! <= 10;
    const changed = stream.X.filter((x) => before(x) !== after(x)).length / stream.X.length;
    expect(changed).toBeGreaterThan(0.4);
  });

  it("has both classes in every concept", () => {
    for (const c of [0, 1, 2]) {
      const p = share(stream.y.filter((_, i) => stream.concept[i] === c));
      expect(p).toBeGreaterThan(0.3);
      expect(p).toBeLessThan(0.7);
    }
  });

  it("honours its size, noise and width options", () => {
    const small = seaStream({ samples: 100, noise: 0, features: 4, seed: 5 });
    expect(small.X).toHaveLength(100);
    expect(small.schema.names).toEqual(["x0", "x1", "x2", "x3"]);
    small.X.forEach((x, i) => {
      if (small.concept[i] === 0) expect(small.y[i]).toBe(x[0]! + x[1]! <= 9 ? 1 : 0);
    });
  });

  it("refuses bad options and names them", () => {
    expect(() => seaStream({ samples: 10 })).toThrow(expect.objectContaining({ field: "samples" }));
    expect(() => seaStream({ noise: 0.7 })).toThrow(expect.objectContaining({ field: "noise" }));
    expect(() => seaStream({ features: 3 })).toThrow(expect.objectContaining({ field: "features" }));
  });
});

describe("SimulatedHousehold", () => {
  it("suggests valid patterns two hours apart", () => {
    const household = new SimulatedHousehold({ seed: 4 });
    const first = household.suggest();
    const second = household.suggest();
    expect(first.at.toISOString()).toBe("2026-01-01T00:00:00.000Z");
    expect(second.at.getTime() - first.at.getTime()).toBe(2 * 3_600_000);
    for (const { pattern, at } of [first, second]) {
      expect(standardPatternSchema.vector(patternFeatures(pattern, at))).toHaveLength(25);
    }
  });

  it("changes its taste, so some patterns get a different verdict", () => {
    const household = new SimulatedHousehold({ seed: 5 });
    const suggestions = Array.from({ length: 300 }, () => household.suggest());
    const before = suggestions.map(({ pattern, at }) => household.prefers(pattern, at));
    expect(household.taste).toBe("routines");
    household.changeTaste();
    expect(household.taste).toBe("savings");
    const after = suggestions.map(({ pattern, at }) => household.prefers(pattern, at));
    const changed = before.filter((label, i) => label !== after[i]).length / before.length;
    expect(changed).toBeGreaterThan(0.25);
    household.changeTaste("savings");
    expect(household.taste).toBe("savings");
    household.changeTaste();
    expect(household.taste).toBe("routines");
  });

  it("decides against its taste about as often as its noise says", () => {
    const household = new SimulatedHousehold({ seed: 6, noise: 0.2 });
    let against = 0;
    for (let i = 0; i < 2000; i++) {
      const { pattern, at } = household.suggest();
      if (household.decide(pattern, at) !== household.prefers(pattern, at)) against++;
    }
    expect(against / 2000).toBeGreaterThan(0.17);
    expect(against / 2000).toBeLessThan(0.23);
  });

  it("refuses bad options and an unknown taste", () => {
    expect(() => new SimulatedHousehold({ noise: -1 })).toThrow(expect.objectContaining({ field: "noise" }));
    expect(() => new SimulatedHousehold({ hoursBetween: 0 })).toThrow(
      expect.objectContaining({ field: "hoursBetween" }),
    );
    expect(() => new SimulatedHousehold({ start: new Date("nope") })).toThrow(
      expect.objectContaining({ field: "start" }),
    );
    expect(() => new SimulatedHousehold().changeTaste("toString" as "savings")).toThrow(InvalidInputError);
  });
});

describe("householdStream", () => {
  const stream = householdStream({ seed: 7 });

  it("has 3,000 decisions on the standard features with a taste change half-way", () => {
    expect(stream.X).toHaveLength(3000);
    expect(stream.patterns).toHaveLength(3000);
    expect(stream.schema).toBe(standardPatternSchema);
    expect(stream.changes).toEqual([{ at: 1500, kind: "abrupt", width: 1 }]);
    expect(stream.concept[1499]).toBe(0);
    expect(stream.concept[1500]).toBe(1);
  });

  it("carries the features of each pattern at its time", () => {
    expect(stream.X[10]).toEqual(standardPatternSchema.vector(patternFeatures(stream.patterns[10]!, stream.at[10]!)));
  });

  it("is the same for the same seed", () => {
    expect(householdStream({ seed: 7 }).y).toEqual(stream.y);
    expect(householdStream({ seed: 8 }).y).not.toEqual(stream.y);
  });

  it("has both approvals and rejections before and after the change", () => {
    for (const half of [stream.y.slice(0, 1500), stream.y.slice(1500)]) {
      expect(share(half)).toBeGreaterThan(0.25);
      expect(share(half)).toBeLessThan(0.75);
    }
  });

  it("can run without a change", () => {
    const steady = householdStream({ samples: 50, changeAt: 50 });
    expect(steady.changes).toEqual([]);
    expect(steady.concept.every((c) => c === 0)).toBe(true);
  });

  it("refuses bad sizes", () => {
    expect(() => householdStream({ samples: 0 })).toThrow(expect.objectContaining({ field: "samples" }));
    expect(() => householdStream({ changeAt: -1 })).toThrow(expect.objectContaining({ field: "changeAt" }));
  });
});
