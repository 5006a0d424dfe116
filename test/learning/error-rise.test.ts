import { describe, expect, it } from "vitest";
import { ErrorRise } from "../../src/learning/error-rise";
import { SeededRandom } from "../../src/testing/simulation/random";

const SEEDS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

/** Feeds `count` Bernoulli(rate) answers; returns the 1-based positions of the alarms. */
function feed(rise: ErrorRise, random: SeededRandom, rate: number, count: number): number[] {
  const alarms: number[] = [];
  for (let i = 1; i <= count; i++) if (rise.update(random.chance(rate))) alarms.push(i);
  return alarms;
}

describe("ErrorRise", () => {
  for (const rate of [0.05, 0.15, 0.3]) {
    it(`raises under 0.5 false alarms per 1,000 answers at a usual error rate of ${rate * 100} %, over 10 seeds`, () => {
      const alarms = SEEDS.map((seed) => feed(new ErrorRise(), new SeededRandom(seed), rate, 5000).length);
      expect(alarms.reduce((a, b) => a + b, 0) / (SEEDS.length * 5)).toBeLessThan(0.5);
      expect(Math.max(...alarms)).toBeLessThanOrEqual(5);
    });
  }

  it("finds 100 flipped answers within 15 of them, and says how long the rise has lasted", () => {
    for (const seed of SEEDS) {
      const random = new SeededRandom(seed);
      const rise = new ErrorRise();
      expect(feed(rise, random, 0.15, 300), `seed ${seed}`).toEqual([]);
      const alarms = feed(rise, random, 0.85, 100);
      expect(alarms[0], `seed ${seed}`).toBeLessThanOrEqual(15);
      // Its length at the alarm: the answers since the statistic left 0, which covers the flipped ones.
      const again = new ErrorRise();
      const replay = new SeededRandom(seed);
      feed(again, replay, 0.15, 300);
      let length = 0;
      for (let i = 1; i <= (alarms[0] as number); i++) {
        again.update(replay.chance(0.85));
        length = again.length;
      }
      expect(length, `seed ${seed}`).toBeGreaterThanOrEqual(alarms[0] as number);
    }
  });

  it("finds a rise from a high usual error rate (a model still learning a change of taste)", () => {
    const delays = SEEDS.map((seed) => {
      const random = new SeededRandom(seed);
      const rise = new ErrorRise();
      feed(rise, random, 0.3, 100);
      return feed(rise, random, 0.7, 100)[0] ?? Number.POSITIVE_INFINITY;
    });
    expect(Math.max(...delays)).toBeLessThanOrEqual(40);
  });

  it("says nothing before it knows the usual rate", () => {
    const rise = new ErrorRise();
    const alarms: boolean[] = [];
    for (let i = 0; i < 49; i++) alarms.push(rise.update(true));
    expect(alarms.every((a) => a === false)).toBe(true);
  });
});
