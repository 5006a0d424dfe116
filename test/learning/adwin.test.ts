import { describe, expect, it } from "vitest";
import { InvalidInputError, ModelFormatError } from "../../src/errors";
import { Adwin } from "../../src/learning/adwin";
import { SeededRandom } from "../../src/testing/simulation/random";

const SEEDS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];

/** Feeds `count` Bernoulli(rate) errors; returns the 1-based positions where drift was reported. */
function feed(adwin: Adwin, random: SeededRandom, rate: number, count: number): number[] {
  const drifts: number[] = [];
  for (let i = 1; i <= count; i++) if (adwin.update(random.chance(rate) ? 1 : 0)) drifts.push(i);
  return drifts;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

describe("Adwin on a stationary error stream", () => {
  for (const rate of [0.05, 0.2, 0.5]) {
    it(`raises no false alarm in 1,000 samples at error rate ${rate}, for every seed`, () => {
      for (const seed of SEEDS) {
        expect(feed(new Adwin(), new SeededRandom(seed), rate, 1000), `seed ${seed}`).toEqual([]);
      }
    });
  }

  it("keeps every sample in its window while there is no drift", () => {
    const adwin = new Adwin();
    feed(adwin, new SeededRandom(3), 0.3, 1000);
    expect(adwin.width).toBe(1000);
  });

  it("knows the exact mean and variance of its window, despite merged buckets", () => {
    const adwin = new Adwin();
    const values = Array.from({ length: 300 }, (_, i) => (i * 37) % 11);
    for (const v of values) adwin.update(v);
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length;
    expect(adwin.mean).toBeCloseTo(mean, 10);
    expect(adwin.variance).toBeCloseTo(variance, 10);
  });

  it("reports zero mean and variance when empty", () => {
    expect(new Adwin().mean).toBe(0);
    expect(new Adwin().variance).toBe(0);
    expect(new Adwin().width).toBe(0);
  });
});

describe("Adwin after a +20-point jump of the error rate", () => {
  function delays(before: number, after: number): number[] {
    return SEEDS.map((seed) => {
      const random = new SeededRandom(seed);
      const adwin = new Adwin();
      feed(adwin, random, before, 1000);
      const drifts = feed(adwin, random, after, 2000);
      return drifts[0] ?? Infinity;
    });
  }

  it("detects 0.2 → 0.4 with a median delay of at most 200 samples", () => {
    const found = delays(0.2, 0.4);
    expect(found.every(Number.isFinite)).toBe(true);
    expect(median(found)).toBeLessThanOrEqual(200);
  });

  it("detects 0.1 → 0.3 with a median delay of at most 200 samples", () => {
    expect(median(delays(0.1, 0.3))).toBeLessThanOrEqual(200);
  });

  it("drops the old part of its window, so its mean moves to the new error rate", () => {
    const random = new SeededRandom(42);
    const adwin = new Adwin();
    feed(adwin, random, 0.1, 1000);
    feed(adwin, random, 0.6, 600);
    expect(adwin.driftCount).toBeGreaterThanOrEqual(1);
    expect(adwin.width).toBeLessThan(1600);
    expect(adwin.mean).toBeGreaterThan(0.45);
  });

  it("raises the drift flag only at the sample where the drift was found", () => {
    const adwin = new Adwin();
    for (let i = 0; i < 500; i++) adwin.update(0);
    let at = -1;
    for (let i = 0; i < 500 && at < 0; i++) if (adwin.update(1)) at = i;
    expect(adwin.driftDetected).toBe(true);
    adwin.update(1);
    expect(adwin.driftDetected).toBe(false);
  });

  it("detects sooner with a larger delta", () => {
    const random = (seed: number) => new SeededRandom(seed);
    let strict = 0;
    let lenient = 0;
    for (const seed of SEEDS) {
      const a = new Adwin(0.002);
      const b = new Adwin(0.2);
      feed(a, random(seed), 0.2, 1000);
      feed(b, random(seed), 0.2, 1000);
      strict += feed(a, random(seed + 100), 0.4, 2000)[0] ?? 2000;
      lenient += feed(b, random(seed + 100), 0.4, 2000)[0] ?? 2000;
    }
    expect(lenient).toBeLessThan(strict);
  });
});

describe("Adwin input and state", () => {
  it("refuses a delta outside (0, 1)", () => {
    for (const bad of [0, 1, -0.1, Number.NaN, "0.01"])
      expect(() => new Adwin(bad as number)).toThrow(InvalidInputError);
  });

  it("refuses a value that is not a finite number", () => {
    const adwin = new Adwin();
    for (const bad of [Number.NaN, Infinity, "1", null])
      expect(() => adwin.update(bad as number)).toThrow(InvalidInputError);
    expect(adwin.width).toBe(0);
  });

  it("continues after a JSON round trip exactly as the original would", () => {
    const original = new Adwin();
    const random = new SeededRandom(5);
    feed(original, random, 0.2, 777);
    const copy = Adwin.fromJSON(JSON.parse(JSON.stringify(original)));
    expect(copy.width).toBe(original.width);
    const next = new SeededRandom(6);
    const values = Array.from({ length: 1500 }, () => (next.chance(0.45) ? 1 : 0));
    expect(values.map((v) => copy.update(v))).toEqual(values.map((v) => original.update(v)));
    expect(copy.toJSON()).toEqual(original.toJSON());
  });

  it("restores an empty detector", () => {
    expect(Adwin.fromJSON(new Adwin(0.01).toJSON()).delta).toBe(0.01);
  });

  it("rejects malformed saved states", () => {
    const good = (() => {
      const adwin = new Adwin();
      for (let i = 0; i < 40; i++) adwin.update(i % 2);
      return adwin.toJSON();
    })();
    const bad: unknown[] = [
      null,
      { ...good, delta: 2 },
      { ...good, width: -1 },
      { ...good, ticks: 1.5 },
      { ...good, total: Number.NaN },
      { ...good, variance: "0" },
      { ...good, rows: "x" },
      { ...good, rows: [[]] },
      {
        ...good,
        rows: [[[1, 0]], [[1, 0]], [[1, 0]], [[1, 0]], [[1, 0]], [[1, 0]]].map(() => [
          [1, 0],
          [1, 0],
          [1, 0],
          [1, 0],
          [1, 0],
          [1, 0],
        ]),
      },
      { ...good, rows: [[[1]]] },
      { ...good, width: good.width + 1 },
    ];
    for (const state of bad) expect(() => Adwin.fromJSON(state), JSON.stringify(state)).toThrow(ModelFormatError);
  });
});
