import { describe, expect, it } from "vitest";
import {
  isPattern,
  patternFeatures,
  standardPatternSchema,
  STANDARD_PATTERN_FEATURES,
  type Pattern,
} from "../../src/features/pattern-features";
import { fieldOf } from "../support/invalid-input";

const now = new Date("2026-03-11T12:00:00Z");

const hallwayAtSunset: Pattern = {
  pattern_type: "time_of_day",
  confidence: 0.82,
  raw_confidence: 0.9,
  device_id: "light.hallway",
  devices: ["light.hallway", "binary_sensor.front_door"],
  areas: ["hallway", "entrance"],
  occurrences: 30,
  trend_direction: "increasing",
  trend_strength: 0.4,
  first_seen: "2026-02-09T12:00:00Z",
  last_seen: "2026-03-10T00:00:00Z",
  metadata: { conditions: [{ sun: "below_horizon" }], actions: ["light.turn_on"], hour: 18 },
  calibrated: true,
};

describe("standard pattern features", () => {
  it("are 25 unique names forming the standard schema", () => {
    expect(STANDARD_PATTERN_FEATURES).toHaveLength(25);
    expect(new Set(STANDARD_PATTERN_FEATURES).size).toBe(25);
    expect(standardPatternSchema.names).toEqual(STANDARD_PATTERN_FEATURES);
  });

  it("computes every feature of a documented example", () => {
    expect(patternFeatures(hallwayAtSunset, now)).toEqual({
      pattern_type_time_of_day: 1,
      pattern_type_co_occurrence: 0,
      pattern_type_anomaly: 0,
      pattern_type_seasonal: 0,
      pattern_type_synergy: 0,
      confidence_raw: 0.9,
      confidence_calibrated: 0.82,
      confidence_normalized: 0.9,
      device_count_total: 3,
      device_count_unique: 2,
      area_count: 2,
      device_count_per_area: 1.5,
      occurrence_count_total: 30,
      occurrence_frequency: 1, // 30 occurrences over 30 days
      occurrence_trend_direction: 1,
      occurrence_trend_strength: 0.4,
      time_span_days: 28.5,
      recency_days: 1.5,
      age_days: 30,
      metadata_complexity: 3,
      metadata_has_conditions: 1,
      metadata_has_actions: 1,
      is_deprecated: 0,
      needs_review: 0,
      calibrated: 1,
    });
  });

  it("gives a vector the standard schema accepts", () => {
    expect(standardPatternSchema.vector(patternFeatures(hallwayAtSunset, now))).toHaveLength(25);
  });

  it("fills documented defaults for a pattern with only its type", () => {
    const features = patternFeatures({ pattern_type: "synergy" }, now);
    expect(features.pattern_type_synergy).toBe(1);
    expect(features.pattern_type_time_of_day).toBe(0);
    for (const name of STANDARD_PATTERN_FEATURES.filter((n) => n !== "pattern_type_synergy")) {
      expect(features[name], name).toBe(0);
    }
  });

  it("uses the calibrated confidence as the raw one when the raw one is absent, and clamps the normalized one", () => {
    const features = patternFeatures({ pattern_type: "anomaly", confidence: 1.3 }, now);
    expect(features.confidence_raw).toBe(1.3);
    expect(features.confidence_normalized).toBe(1);
    expect(patternFeatures({ pattern_type: "anomaly", raw_confidence: -0.2 }, now).confidence_normalized).toBe(0);
  });

  it("assumes one area when devices are known but areas are not", () => {
    const features = patternFeatures({ pattern_type: "co_occurrence", devices: ["light.a", "light.b"] }, now);
    expect(features.area_count).toBe(1);
    expect(features.device_count_per_area).toBe(2);
  });

  it("counts devices listed in the metadata, as the original design did", () => {
    const features = patternFeatures(
      {
        pattern_type: "seasonal",
        metadata: { devices: ["climate.living"], device_ids: ["climate.living", "fan.bed"] },
      },
      now,
    );
    expect(features.device_count_total).toBe(3);
    expect(features.device_count_unique).toBe(2);
    expect(features.metadata_complexity).toBe(2);
  });

  it("accepts singular condition and action keys", () => {
    const features = patternFeatures({ pattern_type: "synergy", metadata: { condition: {}, action: {} } }, now);
    expect(features.metadata_has_conditions).toBe(1);
    expect(features.metadata_has_actions).toBe(1);
  });

  it("maps trend directions to 1, 0 and -1", () => {
    expect(
      patternFeatures({ pattern_type: "synergy", trend_direction: "stable" }, now).occurrence_trend_direction,
    ).toBe(0);
    expect(
      patternFeatures({ pattern_type: "synergy", trend_direction: "decreasing" }, now).occurrence_trend_direction,
    ).toBe(-1);
  });

  it("counts occurrences per day with ages under a day as one day", () => {
    const features = patternFeatures(
      { pattern_type: "time_of_day", occurrences: 6, first_seen: now.getTime() - 3_600_000 },
      now,
    );
    expect(features.occurrence_frequency).toBe(6);
    expect(features.age_days).toBeCloseTo(1 / 24, 12);
  });

  it("reads times as epoch milliseconds and Dates too", () => {
    const features = patternFeatures(
      {
        pattern_type: "time_of_day",
        first_seen: new Date("2026-03-01T12:00:00Z"),
        last_seen: Date.parse("2026-03-11T00:00:00Z"),
      },
      now,
    );
    expect(features.age_days).toBe(10);
    expect(features.recency_days).toBe(0.5);
    expect(features.time_span_days).toBe(9.5);
  });

  it("counts a time in the future as now", () => {
    const features = patternFeatures(
      { pattern_type: "time_of_day", first_seen: "2026-04-01T00:00:00Z", last_seen: "2026-04-02T00:00:00Z" },
      now,
    );
    expect(features.age_days).toBe(0);
    expect(features.recency_days).toBe(0);
    expect(features.time_span_days).toBe(1);
  });

  it("accepts 0/1 as flags", () => {
    const features = patternFeatures({ pattern_type: "anomaly", deprecated: 1, needs_review: 1, calibrated: 0 }, now);
    expect([features.is_deprecated, features.needs_review, features.calibrated]).toEqual([1, 1, 0]);
  });

  it("ignores fields it does not know", () => {
    expect(patternFeatures({ pattern_type: "anomaly", id: "p-17", description: "x" }, now)).toEqual(
      patternFeatures({ pattern_type: "anomaly" }, now),
    );
  });

  it("uses the current time by default", () => {
    const features = patternFeatures({ pattern_type: "anomaly", first_seen: new Date(Date.now() - 2 * 86_400_000) });
    expect(features.age_days).toBeGreaterThanOrEqual(2);
    expect(features.age_days).toBeLessThan(2.01);
  });
});

describe("pattern validation", () => {
  const bad: Array<[string, Record<string, unknown>]> = [
    ["pattern.pattern_type", { pattern_type: "sunrise" }],
    ["pattern.pattern_type", { confidence: 1 }],
    ["pattern.confidence", { pattern_type: "anomaly", confidence: "high" }],
    ["pattern.raw_confidence", { pattern_type: "anomaly", raw_confidence: Number.NaN }],
    ["pattern.device_id", { pattern_type: "anomaly", device_id: 7 }],
    ["pattern.devices", { pattern_type: "anomaly", devices: "light.a" }],
    ["pattern.devices[1]", { pattern_type: "anomaly", devices: ["light.a", null] }],
    ["pattern.areas[0]", { pattern_type: "anomaly", areas: [3] }],
    ["pattern.metadata", { pattern_type: "anomaly", metadata: [] }],
    ["pattern.metadata.devices", { pattern_type: "anomaly", metadata: { devices: "x" } }],
    ["pattern.occurrences", { pattern_type: "anomaly", occurrences: -1 }],
    ["pattern.occurrences", { pattern_type: "anomaly", occurrences: Infinity }],
    ["pattern.trend_direction", { pattern_type: "anomaly", trend_direction: "up" }],
    ["pattern.trend_direction", { pattern_type: "anomaly", trend_direction: "toString" }],
    ["pattern.trend_strength", { pattern_type: "anomaly", trend_strength: "0.3" }],
    ["pattern.first_seen", { pattern_type: "anomaly", first_seen: "yesterday" }],
    ["pattern.last_seen", { pattern_type: "anomaly", last_seen: {} }],
    ["pattern.last_seen", { pattern_type: "anomaly", first_seen: "2026-03-02", last_seen: "2026-03-01" }],
    ["pattern.deprecated", { pattern_type: "anomaly", deprecated: "yes" }],
    ["pattern.needs_review", { pattern_type: "anomaly", needs_review: 2 }],
    ["pattern.calibrated", { pattern_type: "anomaly", calibrated: {} }],
  ];
  for (const [field, pattern] of bad) {
    it(`names ${field} for ${JSON.stringify(pattern)}`, () => {
      expect(fieldOf(() => patternFeatures(pattern as Pattern, now))).toBe(field);
    });
  }

  it("refuses something that is not an object", () => {
    for (const x of [null, "time_of_day", [1]])
      expect(fieldOf(() => patternFeatures(x as unknown as Pattern, now))).toBe("pattern");
  });

  it("uses the caller's field name", () => {
    expect(fieldOf(() => patternFeatures({ pattern_type: "x" } as unknown as Pattern, now, "msg.payload"))).toBe(
      "msg.payload.pattern_type",
    );
  });

  it("refuses an invalid now", () => {
    expect(fieldOf(() => patternFeatures({ pattern_type: "anomaly" }, new Date(Number.NaN)))).toBe("now");
  });
});

describe("isPattern", () => {
  it("tells a pattern from named features", () => {
    expect(isPattern(hallwayAtSunset)).toBe(true);
    expect(isPattern(patternFeatures(hallwayAtSunset, now))).toBe(false);
    expect(isPattern(null)).toBe(false);
    expect(isPattern([{ pattern_type: "anomaly" }])).toBe(false);
    expect(isPattern({ pattern_type: 3 })).toBe(false);
  });
});
