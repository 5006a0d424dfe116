import { describe, expect, it } from "vitest";
import { standardPatternSchema } from "../../src/features/pattern-features";
import { FeatureSchema } from "../../src/features/schema";
import { identifier, parseFeedbackBatch, readFeatures } from "../../src/model/feedback-input";
import { fieldOf } from "../support/invalid-input";

const now = new Date("2026-11-01T12:00:00Z");
const ab = new FeatureSchema(["a", "b"]);
const pattern = { pattern_type: "time_of_day", confidence: 0.8, devices: ["light.hall"], occurrences: 12 };

describe("feedback input", () => {
  it("reads a complete item as given", () => {
    const { feedback } = parseFeedbackBatch(
      [{ id: "e1", patternId: "p1", label: "approved", features: { b: 2, a: 1 }, user: "anna", source: "ha:event" }],
      ab,
      {},
      now,
    );
    expect(feedback).toEqual([
      {
        id: "e1",
        patternId: "p1",
        label: 1,
        features: { a: 1, b: 2 },
        user: "anna",
        source: "ha:event",
        receivedAt: now.toISOString(),
      },
    ]);
  });

  it("generates an id and applies the defaults when the item lacks them", () => {
    const { feedback } = parseFeedbackBatch(
      [{ patternId: 7, label: 0 }],
      ab,
      { source: "dashboard", user: "ben" },
      now,
    );
    expect(feedback[0]?.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(feedback[0]).toMatchObject({ patternId: "7", label: 0, source: "dashboard", user: "ben" });
    expect(feedback[0]).not.toHaveProperty("features");
  });

  it("defaults the source to flow and leaves the user out when unknown", () => {
    const { feedback } = parseFeedbackBatch([{ patternId: "p", label: true }], ab);
    expect(feedback[0]?.source).toBe("flow");
    expect(feedback[0]).not.toHaveProperty("user");
  });

  it("computes the standard features from a pattern object", () => {
    const { feedback, schema } = parseFeedbackBatch(
      [{ patternId: "p", label: 1, features: pattern }],
      standardPatternSchema,
      {},
      now,
    );
    expect(schema).toBe(standardPatternSchema);
    expect(Object.keys(feedback[0]?.features ?? {})).toEqual([...standardPatternSchema.names]);
    expect(feedback[0]?.features?.device_count_total).toBe(1);
  });

  it("accepts the pattern under a `pattern` key too", () => {
    const { feedback } = parseFeedbackBatch([{ patternId: "p", label: 1, pattern }], standardPatternSchema, {}, now);
    expect(feedback[0]?.features?.pattern_type_time_of_day).toBe(1);
  });

  it("infers the schema from the first named features and holds the rest of the batch to it", () => {
    const parsed = parseFeedbackBatch(
      [
        { patternId: "p", label: 1, features: { x: 1, y: 2 } },
        { patternId: "q", label: 0, features: [3, 4] },
      ],
      null,
    );
    expect(parsed.schema?.names).toEqual(["x", "y"]);
    expect(parsed.feedback[1]?.features).toEqual({ x: 3, y: 4 });
    expect(
      fieldOf(() =>
        parseFeedbackBatch(
          [
            { patternId: "p", label: 1, features: { x: 1 } },
            { patternId: "q", label: 0, features: { z: 1 } },
          ],
          null,
        ),
      ),
    ).toBe("payload[1].features.z");
  });

  it("infers the standard schema from a pattern object", () => {
    expect(parseFeedbackBatch([{ patternId: "p", label: 1, features: pattern }], null).schema).toBe(
      standardPatternSchema,
    );
  });

  it("names the item and field at fault", () => {
    const good = { patternId: "p", label: 1 };
    expect(fieldOf(() => parseFeedbackBatch([good, good, good, { patternId: "p", label: "maybe" }], ab))).toBe(
      "payload[3].label",
    );
    expect(fieldOf(() => parseFeedbackBatch([good, { label: 1 }], ab))).toBe("payload[1].patternId");
    expect(fieldOf(() => parseFeedbackBatch([{ ...good, id: "" }], ab))).toBe("payload[0].id");
    expect(fieldOf(() => parseFeedbackBatch([{ ...good, user: 5 }], ab))).toBe("payload[0].user");
    expect(fieldOf(() => parseFeedbackBatch([{ ...good, source: {} }], ab))).toBe("payload[0].source");
    expect(fieldOf(() => parseFeedbackBatch([{ ...good, features: { a: 1, b: Number.NaN } }], ab))).toBe(
      "payload[0].features.b",
    );
    expect(fieldOf(() => parseFeedbackBatch([{ ...good, features: "a=1" }], ab))).toBe("payload[0].features");
    expect(fieldOf(() => parseFeedbackBatch([good, 42], ab))).toBe("payload[1]");
  });

  it("refuses a batch that is not a non-empty list", () => {
    expect(fieldOf(() => parseFeedbackBatch({ patternId: "p", label: 1 }, ab))).toBe("payload");
    expect(fieldOf(() => parseFeedbackBatch([], ab))).toBe("payload");
  });

  it("refuses defaults of the wrong type", () => {
    expect(
      fieldOf(() => parseFeedbackBatch([{ patternId: "p", label: 1 }], ab, { source: 3 as unknown as string })),
    ).toBe("defaults.source");
  });

  it("refuses a pattern object for a model with named features", () => {
    expect(fieldOf(() => readFeatures(pattern, ab, "input", now))).toBe("input");
  });

  it("refuses positional features before any schema is known", () => {
    expect(fieldOf(() => readFeatures([1, 2], null, "input", now))).toBe("input");
  });

  it("reads positional features in schema order", () => {
    expect(readFeatures(new Float64Array([5, 6]), ab, "input", now).features).toEqual({ a: 5, b: 6 });
  });

  it("accepts ids as text or numbers and refuses overlong ones", () => {
    expect(identifier(12, "id")).toBe("12");
    expect(identifier("abc", "id")).toBe("abc");
    expect(fieldOf(() => identifier("x".repeat(201), "id"))).toBe("id");
    expect(fieldOf(() => identifier(Number.POSITIVE_INFINITY, "id"))).toBe("id");
  });
});
