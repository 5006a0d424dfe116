import { describe, expect, it } from "vitest";
import { ModelFormatError } from "../../src/errors";
import { FeatureSchema } from "../../src/features/schema";
import { fieldOf } from "../support/invalid-input";

const schema = new FeatureSchema(["confidence", "device_count", "age_days"]);

describe("FeatureSchema construction", () => {
  it("keeps the names in the given order and reports its size", () => {
    expect(schema.names).toEqual(["confidence", "device_count", "age_days"]);
    expect(schema.size).toBe(3);
    expect(schema.indexOf("device_count")).toBe(1);
    expect(schema.indexOf("nope")).toBe(-1);
  });

  it("does not share the caller's array", () => {
    const names = ["a", "b"];
    const own = new FeatureSchema(names);
    names.push("c");
    expect(own.size).toBe(2);
  });

  it("refuses an empty list of names", () => {
    expect(fieldOf(() => new FeatureSchema([]))).toBe("schema.names");
  });

  it("refuses something that is not a list", () => {
    expect(fieldOf(() => new FeatureSchema("a,b" as unknown as string[]))).toBe("schema.names");
  });

  it("refuses a blank name and names its position", () => {
    expect(fieldOf(() => new FeatureSchema(["a", " "]))).toBe("schema.names[1]");
  });

  it("refuses a name that is not a string", () => {
    expect(fieldOf(() => new FeatureSchema(["a", 3 as unknown as string]))).toBe("schema.names[1]");
  });

  it("refuses a duplicate name and names the second occurrence", () => {
    expect(fieldOf(() => new FeatureSchema(["a", "b", "a"]))).toBe("schema.names[2]");
  });
});

describe("FeatureSchema.vector", () => {
  it("orders named features by the schema", () => {
    expect([...schema.vector({ age_days: 3, confidence: 0.5, device_count: 2 })]).toEqual([0.5, 2, 3]);
  });

  it("accepts a positional array and a Float64Array of the right length", () => {
    expect([...schema.vector([1, 2, 3])]).toEqual([1, 2, 3]);
    expect([...schema.vector(Float64Array.of(4, 5, 6))]).toEqual([4, 5, 6]);
  });

  it("returns a fresh vector that does not alias the input", () => {
    const input = Float64Array.of(1, 2, 3);
    const out = schema.vector(input);
    out[0] = 9;
    expect(input[0]).toBe(1);
  });

  it("names an unknown feature", () => {
    expect(fieldOf(() => schema.vector({ confidence: 1, device_count: 1, age_days: 1, colour: 2 }))).toBe(
      "features.colour",
    );
  });

  it("names a missing feature", () => {
    expect(fieldOf(() => schema.vector({ confidence: 1, age_days: 1 }))).toBe("features.device_count");
  });

  it("names a NaN feature", () => {
    expect(fieldOf(() => schema.vector({ confidence: Number.NaN, device_count: 1, age_days: 1 }))).toBe(
      "features.confidence",
    );
  });

  it("names an infinite feature", () => {
    expect(fieldOf(() => schema.vector({ confidence: 1, device_count: Infinity, age_days: 1 }))).toBe(
      "features.device_count",
    );
  });

  it("names a feature given as a string", () => {
    const input = { confidence: 1, device_count: 1, age_days: "3" } as unknown as Record<string, number>;
    expect(fieldOf(() => schema.vector(input))).toBe("features.age_days");
  });

  it("names a non-finite element of an array by its feature name", () => {
    expect(fieldOf(() => schema.vector([1, Number.NaN, 3]))).toBe("features.device_count");
    expect(fieldOf(() => schema.vector(Float64Array.of(1, 2, -Infinity)))).toBe("features.age_days");
  });

  it("refuses an array of the wrong length", () => {
    expect(fieldOf(() => schema.vector([1, 2]))).toBe("features");
    expect(fieldOf(() => schema.vector([1, 2, 3, 4]))).toBe("features");
  });

  it("refuses input that is neither named features nor an array", () => {
    for (const bad of [null, undefined, 3, "1,2,3", new Int32Array(3)]) {
      expect(fieldOf(() => schema.vector(bad as unknown as number[]))).toBe("features");
    }
  });

  it("uses the caller's field name in errors", () => {
    expect(fieldOf(() => schema.vector({ confidence: 1, age_days: 1 }, "msg.payload"))).toBe(
      "msg.payload.device_count",
    );
  });

  it("reports an unknown name in the message with the expected names", () => {
    const wide = new FeatureSchema(["a", "b", "c", "d", "e", "f"]);
    expect(() => wide.vector({ g: 1 })).toThrow(/a, b, c, d, e, … \(6 in all\)/);
  });
});

describe("FeatureSchema serialization and comparison", () => {
  it("names turns a vector back into named features", () => {
    expect(schema.named([0.5, 2, 3])).toEqual({ confidence: 0.5, device_count: 2, age_days: 3 });
  });

  it("round-trips through JSON", () => {
    const copy = FeatureSchema.fromJSON(JSON.parse(JSON.stringify(schema)));
    expect(copy.names).toEqual(schema.names);
    expect(copy.equals(schema)).toBe(true);
  });

  it("compares names and their order", () => {
    expect(schema.equals(new FeatureSchema(["confidence", "age_days", "device_count"]))).toBe(false);
    expect(schema.equals(new FeatureSchema(["confidence", "device_count"]))).toBe(false);
  });

  it("rejects a malformed serialized schema as a model format error", () => {
    expect(() => FeatureSchema.fromJSON(null)).toThrow(ModelFormatError);
    expect(() => FeatureSchema.fromJSON({ names: "a" })).toThrow(ModelFormatError);
    expect(() => FeatureSchema.fromJSON({ names: ["a", "a"] })).toThrow(/duplicate feature name/);
    expect(() => FeatureSchema.fromJSON({ names: ["a", "a"] })).toThrow(ModelFormatError);
  });
});
