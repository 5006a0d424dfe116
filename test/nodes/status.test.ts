import { describe, expect, it } from "vitest";
import { InvalidInputError, PatternQualityError } from "../../src/errors";
import { errorStatus, fitStatus, pendingStatus, percent, versionLabel } from "../../nodes/shared/status";

describe("node status texts", () => {
  it("shows the pending count and the active version", () => {
    expect(pendingStatus(37, "v0004")).toEqual({ fill: "green", shape: "dot", text: "37 pending · v0004" });
  });

  it("says no model before the first version", () => {
    expect(pendingStatus(3, null).text).toBe("3 pending · no model");
    expect(versionLabel(undefined)).toBe("no model");
  });

  it("keeps every status text within 20 characters", () => {
    expect(fitStatus("a".repeat(30))).toHaveLength(20);
    expect(pendingStatus(123456789, "v0004-long-identifier").text!.length).toBeLessThanOrEqual(20);
    expect(versionLabel("v0004-long-identifier")).toBe("v0004-lo");
  });

  it("names the bad field of an input error in a red ring", () => {
    expect(errorStatus(new InvalidInputError("msg.payload", "x"))).toEqual({
      fill: "red",
      shape: "ring",
      text: "bad payload",
    });
  });

  it("names the kind of a model failure by its code", () => {
    expect(errorStatus(new PatternQualityError("unknown-version", "there is no version v0099")).text).toBe(
      "unknown version",
    );
    expect(errorStatus(new PatternQualityError("not-enough-feedback", "…")).text).toBe("not enough feedback");
  });

  it("shows any other failure as failed", () => {
    expect(errorStatus(new Error("x")).text).toBe("failed");
  });

  it("formats accuracy as a percentage, or a dash when unknown", () => {
    expect(percent(0.9412)).toBe("94.1%");
    expect(percent(null)).toBe("–");
    expect(percent(Number.NaN)).toBe("–");
  });
});
