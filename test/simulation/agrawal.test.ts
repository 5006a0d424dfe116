import { describe, expect, it } from "vitest";
import { agrawalStream } from "../../src/testing/simulation/agrawal";

describe("the Agrawal stream (Agrawal, Imielinski & Swami 1993)", () => {
  it("is the same for the same seed, with nine attributes and one abrupt change", () => {
    const a = agrawalStream({ samples: 400, seed: 7 });
    const b = agrawalStream({ samples: 400, seed: 7 });
    expect(a.y).toEqual(b.y);
    expect(a.X[0]!.length).toBe(9);
    expect(a.changes).toEqual([{ at: 200, kind: "abrupt", width: 1 }]);
    expect(a.concept[199]).toBe(0);
    expect(a.concept[200]).toBe(1);
  });

  it("labels by each of the five functions, so that a change of function changes the labels", () => {
    const rates = [1, 2, 3, 4, 5].map((f) => {
      const s = agrawalStream({ samples: 2000, seed: 3, noise: 0, functions: [f, f] });
      return s.y.filter((y) => y === 1).length / s.y.length;
    });
    for (const rate of rates) {
      expect(rate).toBeGreaterThan(0.05);
      expect(rate).toBeLessThan(0.95);
    }
    const same = agrawalStream({ samples: 2000, seed: 3, noise: 0, functions: [1, 1] });
    const changed = agrawalStream({ samples: 2000, seed: 3, noise: 0, functions: [1, 5], changeAt: 0 });
    const differ = same.y.filter((y, i) => y !== changed.y[i]).length;
    expect(differ).toBeGreaterThan(200);
  });

  it("flips about the given share of labels", () => {
    const clean = agrawalStream({ samples: 4000, seed: 5, noise: 0 });
    const noisy = agrawalStream({ samples: 4000, seed: 5, noise: 0.2 });
    const flipped = clean.y.filter((y, i) => y !== noisy.y[i]).length / clean.y.length;
    expect(flipped).toBeGreaterThan(0.17);
    expect(flipped).toBeLessThan(0.23);
  });

  it("refuses settings it cannot make a stream of, by name", () => {
    expect(() => agrawalStream({ samples: 50 })).toThrow(/samples/);
    expect(() => agrawalStream({ noise: 0.9 })).toThrow(/noise/);
    expect(() => agrawalStream({ functions: [0, 2] })).toThrow(/functions/);
  });
});
