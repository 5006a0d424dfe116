import { describe, expect, it } from "vitest";
import { FeatureSchema } from "../../src/features/schema";
import { PatternLearner } from "../../src/learning/learner";
import { Burst, type RecentAnswer } from "../../src/model/burst";
import { SeededRandom } from "../../src/testing/simulation/random";

const CONFIRM_AFTER = 130;

/** 200 answers before the burst, `rate` of them wrong. */
function usualAnswers(random: SeededRandom, rate: number): RecentAnswer[] {
  return Array.from({ length: 200 }, (_, i) => ({ row: i, seq: i + 1, wrong: random.chance(rate) }));
}

/** A burst from history row 200 (log seq 201); its reference answers nothing here: the errors are given. */
function burstAfter(before: RecentAnswer[]): Burst {
  const reference = PatternLearner.create(new FeatureSchema(["x"]));
  return new Burst("live", 200, 201, before, CONFIRM_AFTER, reference);
}

describe("Burst", () => {
  it("is confirmed as a change of taste when the reference stays wrong for its whole length", () => {
    const random = new SeededRandom(1);
    const burst = burstAfter(usualAnswers(random, 0.1));
    let state = burst.state;
    for (let i = 0; i < CONFIRM_AFTER && state === "open"; i++) state = burst.record(random.chance(0.5), 201 + i);
    expect(state).toBe("confirmed");
    expect(burst.fromRow).toBe(200);
  });

  it("passes when the reference is right again, and says where the wrong answers stopped", () => {
    const random = new SeededRandom(2);
    const burst = burstAfter(usualAnswers(random, 0.1));
    let state = burst.state;
    for (let i = 0; i < 100; i++) state = burst.record(random.chance(0.9), 201 + i);
    for (let i = 100; i < CONFIRM_AFTER && state === "open"; i++) state = burst.record(random.chance(0.1), 201 + i);
    expect(state).toBe("passed");
    expect(Math.abs((burst.passedAtRow as number) - 300)).toBeLessThanOrEqual(5);
  });

  it("starts again where the reference's errors rose when its first part was usual (a false alarm, then a burst)", () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const random = new SeededRandom(seed);
      const burst = burstAfter(usualAnswers(random, 0.15));
      let state = burst.state;
      // 90 usual answers (the alarm was false), then 100 flipped ones, then usual ones again.
      let seq = 201;
      for (let i = 0; i < 90; i++) state = burst.record(random.chance(0.15), seq++);
      for (let i = 0; i < 100 && state === "open"; i++) state = burst.record(random.chance(0.85), seq++);
      // At 130 answers it is not taken for a change of taste: it began at the flipped answers.
      expect(state, `seed ${seed}`).not.toBe("confirmed");
      expect(Math.abs(burst.fromRow - 290), `seed ${seed}`).toBeLessThanOrEqual(5);
      expect(burst.fromSeq, `seed ${seed}`).toBe(burst.fromRow + 1);
      for (let i = 0; i < 60 && state === "open"; i++) state = burst.record(random.chance(0.15), seq++);
      expect(state, `seed ${seed}`).toBe("passed");
    }
  });

  it("leaves out the wrong answers that raised a false alarm when it looks for where the burst began", () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const random = new SeededRandom(seed);
      const burst = burstAfter(usualAnswers(random, 0.15));
      let seq = 201;
      // The 8 wrong answers that raised the alarm, then 82 usual ones, then 100 flipped ones.
      for (let i = 0; i < 8; i++) burst.record(true, seq++);
      burst.alarmed();
      let state = burst.state;
      for (let i = 0; i < 82; i++) state = burst.record(random.chance(0.15), seq++);
      for (let i = 0; i < 100 && state === "open"; i++) state = burst.record(random.chance(0.85), seq++);
      expect(state, `seed ${seed}`).not.toBe("confirmed");
      expect(Math.abs(burst.fromRow - 290), `seed ${seed}`).toBeLessThanOrEqual(5);
    }
  });

  it("keeps its start when the reference's errors stayed above usual all along (a change of taste that grew)", () => {
    const random = new SeededRandom(6);
    const burst = burstAfter(usualAnswers(random, 0.1));
    burst.alarmed();
    let state = burst.state;
    for (let i = 0; i < 60 && state === "open"; i++) state = burst.record(random.chance(0.35), 201 + i);
    for (let i = 60; i < CONFIRM_AFTER && state === "open"; i++) state = burst.record(random.chance(0.6), 201 + i);
    expect(state).toBe("confirmed");
    expect(burst.fromRow).toBe(200);
  });
});
