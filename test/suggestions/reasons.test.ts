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
