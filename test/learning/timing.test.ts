import { describe, expect, it } from "vitest";
import { InvalidInputError } from "../../src/errors";
import { percentile, TimingStats } from "../../src/learning/timing";

describe("TimingStats", () => {
  it("reports zeros before anything is recorded", () => {
    expect(new TimingStats().snapshot()).toEqual({ count: 0, p50: 0, p95: 0, p99: 0, max: 0, mean: 0 });
  });

  it("computes nearest-rank percentiles, max and mean", () => {
    const stats = new TimingStats();
    for (let ms = 100; ms >= 1; ms--) stats.record(ms);
    expect(stats.snapshot()).toEqual({ count: 100, p50: 50, p95: 95, p99: 99, max: 100, mean: 50.5 });
  });

  it("takes the single value as every percentile of a one-sample window", () => {
    const stats = new TimingStats();
    stats.record(7.5);
    expect(stats.snapshot()).toEqual({ count: 1, p50: 7.5, p95: 7.5, p99: 7.5, max: 7.5, mean: 7.5 });
  });

  it("keeps only the most recent durations", () => {
    const stats = new TimingStats(3);
    for (const ms of [100, 1, 2, 3]) stats.record(ms);
    expect(stats.snapshot()).toMatchObject({ count: 3, max: 3, mean: 2, p50: 2 });
  });

  it("refuses negative, infinite and non-numeric durations", () => {
    const stats = new TimingStats();
    for (const bad of [-1, Infinity, Number.NaN, "3"])
      expect(() => stats.record(bad as number)).toThrow(InvalidInputError);
    expect(stats.snapshot().count).toBe(0);
  });

  it("refuses a window size that is not a whole number ≥ 1", () => {
    for (const bad of [0, 1.5, -3]) expect(() => new TimingStats(bad)).toThrow(InvalidInputError);
  });
});

describe("percentile", () => {
  it("is the nearest-rank percentile of unsorted values", () => {
    expect(percentile([5, 1, 4, 2, 3], 50)).toBe(3);
    expect(percentile([5, 1, 4, 2, 3], 100)).toBe(5);
    expect(percentile([5, 1, 4, 2, 3], 0)).toBe(1);
  });

  it("is 0 for no values", () => {
    expect(percentile([], 99)).toBe(0);
  });
});
