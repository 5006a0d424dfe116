// A score's reasons in words a household reads.
import { describe, expect, it } from "vitest";
import { plainReason, plainReasons } from "../../src/suggestions/reasons";

describe("plainReason", () => {
  it("says what the feature tells of the routine and which way it pulled", () => {
    expect(plainReason({ feature: "confidence_calibrated", value: 0.76, contribution: 0.06 })).toBe(
      "Done regularly (76 % of the time): speaks for it",
    );
    expect(plainReason({ feature: "pattern_type_time_of_day", value: 0, contribution: -0.1 })).toBe(
      "Not tied to a time of day: speaks against it",
    );
    expect(plainReason({ feature: "recency_days", value: 2.2, contribution: 0 })).toBe(
      "Last done 2 days ago: no effect",
    );
  });

  it("falls back on the feature's own words for a feature of a flow's own", () => {
    expect(plainReason({ feature: "hour", value: 7, contribution: 0.2, label: "hour = 7" })).toBe(
      "Hour = 7: speaks for it",
    );
  });

  it("leaves malformed reasons out", () => {
    expect(plainReasons([{ feature: "area_count", value: 2, contribution: 0.1 }, { feature: 3 }, null])).toEqual([
      "Spans 2 rooms: speaks for it",
    ]);
    expect(plainReasons("nope")).toEqual([]);
  });
});

describe("plainReason for every standard feature it words", () => {
  it("says something of its own for each, both ways", () => {
    const features = [
      "pattern_type_time_of_day",
      "pattern_type_co_occurrence",
      "confidence_raw",
      "confidence_normalized",
      "device_count_total",
      "device_count_unique",
      "area_count",
      "occurrence_count_total",
      "occurrence_frequency",
      "occurrence_trend_direction",
      "recency_days",
      "age_days",
      "time_span_days",
    ];
    const said = new Set<string>();
    for (const feature of features) {
      for (const value of [0, 1, 3, -1]) {
        const text = plainReason({ feature, value, contribution: 0.1 });
        expect(text).not.toContain(feature);
        said.add(text);
      }
    }
    expect(said.size).toBeGreaterThan(30);
    expect(plainReason({ feature: "occurrence_frequency", value: 2, contribution: 1 })).toBe(
      "Done about 2 times a day: speaks for it",
    );
    expect(plainReason({ feature: "pattern_type_co_occurrence", value: 1, contribution: 1 })).toBe(
      "One thing follows another: speaks for it",
    );
    expect(plainReason({ feature: "mystery", value: 1, contribution: -1 })).toBe("Mystery: speaks against it");
  });
});
