import { describe, expect, it } from "vitest";
import { featureLabel, STANDARD_FEATURE_LABELS } from "../../src/features/labels";
import { patternFeatures, STANDARD_PATTERN_FEATURES } from "../../src/features/pattern-features";

describe("feature labels", () => {
  it("have words for each standard pattern feature, and for no other name", () => {
    expect(Object.keys(STANDARD_FEATURE_LABELS).sort()).toEqual([...STANDARD_PATTERN_FEATURES].sort());
  });

  it.each([
    ["recency_days", 2.04, "seen 2 days ago"],
    ["recency_days", 0.25, "seen 6 hours ago"],
    ["recency_days", 0.01, "seen within the hour"],
    ["age_days", 1, "first seen 1 day ago"],
    ["time_span_days", 30.4, "observed over 30 days"],
    ["device_count_total", 3, "3 devices"],
    ["device_count_total", 1, "1 device"],
    ["device_count_total", 0, "no devices"],
    ["device_count_unique", 2, "2 distinct devices"],
    ["area_count", 1, "1 area"],
    ["device_count_per_area", 1.5, "1.5 devices per area"],
    ["occurrence_count_total", 0, "never observed"],
    ["occurrence_count_total", 1, "observed once"],
    ["occurrence_count_total", 42, "observed 42 times"],
    ["occurrence_frequency", 2.5, "2.5 times a day"],
    ["occurrence_frequency", 1, "once a day"],
    ["occurrence_frequency", 0.25, "once every 4 days"],
    ["occurrence_trend_direction", 1, "happening more often"],
    ["occurrence_trend_direction", -1, "happening less often"],
    ["occurrence_trend_direction", 0, "happening as often as before"],
    ["occurrence_trend_strength", 0.4, "trend strength 40 %"],
    ["confidence_calibrated", 0.82, "calibrated confidence 82 %"],
    ["confidence_raw", 3.5, "detector confidence 3.5"],
    ["pattern_type_time_of_day", 1, "a time-of-day pattern"],
    ["pattern_type_synergy", 0, "not a synergy pattern"],
    ["pattern_type_anomaly", 1, "an anomaly pattern"],
    ["pattern_type_anomaly", 0, "not an anomaly pattern"],
    ["metadata_complexity", 1, "1 metadata field"],
    ["metadata_has_conditions", 1, "has conditions"],
    ["metadata_has_actions", 0, "no actions"],
    ["is_deprecated", 1, "deprecated"],
    ["needs_review", 0, "no review needed"],
    ["calibrated", 1, "confidence calibrated"],
  ])("say %s = %s as %j", (name, value, words) => {
    expect(featureLabel(name, value)).toBe(words);
  });

  it("read a feature of the flow's own as its name and value, rounded to two decimals", () => {
    expect(featureLabel("hour", 18)).toBe("hour = 18");
    expect(featureLabel("confidence", 0.8333333)).toBe("confidence = 0.83");
    // A name that is an Object member is a feature like any other.
    expect(featureLabel("toString", 1)).toBe("toString = 1");
  });

  it("describe every feature of a real pattern in words", () => {
    const features = patternFeatures(
      {
        pattern_type: "co_occurrence",
        confidence: 0.9,
        devices: ["light.hall", "light.porch", "light.hall"],
        areas: ["hall", "porch"],
        occurrences: 12,
        first_seen: "2026-10-01T00:00:00Z",
        last_seen: "2026-10-29T00:00:00Z",
      },
      new Date("2026-10-31T00:00:00Z"),
    );
    const words = Object.fromEntries(Object.entries(features).map(([name, v]) => [name, featureLabel(name, v)]));
    expect(words).toMatchObject({
      pattern_type_co_occurrence: "a co-occurrence pattern",
      device_count_total: "3 devices",
      device_count_unique: "2 distinct devices",
      area_count: "2 areas",
      recency_days: "seen 2 days ago",
      age_days: "first seen 30 days ago",
      occurrence_frequency: "once every 3 days",
    });
  });
});
