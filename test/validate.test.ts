import { describe, expect, it } from "vitest";
import { describeValue, echoText, InvalidInputError, MAX_ECHO_LENGTH } from "../src/errors";
import { FeatureSchema } from "../src/features/schema";
import {
  checkChoice,
  checkFlag,
  checkId,
  checkNumber,
  checkOptionalText,
  checkRecord,
  checkRollbackTarget,
  checkText,
  checkVersionId,
  checkWholeNumber,
  describeRange,
  MAX_ID_LENGTH,
  MAX_TEXT_LENGTH,
  trimmedText,
} from "../src/validate";
import { fieldOf, invalidInputOf } from "./support/invalid-input";

/** The message of the InvalidInputError `run` throws. */
function messageOf(run: () => unknown): string {
  return invalidInputOf(run).message;
}

describe("ids", () => {
  it("accept text as given and numbers as their text", () => {
    expect(checkId(" p1", "id")).toBe(" p1");
    expect(checkId(42, "id")).toBe("42");
  });

  it("refuse blank text, overlong text, non-finite numbers and other types, naming the field", () => {
    expect(fieldOf(() => checkId("  ", "payload[2].patternId"))).toBe("payload[2].patternId");
    expect(fieldOf(() => checkId("x".repeat(MAX_ID_LENGTH + 1), "id"))).toBe("id");
    expect(fieldOf(() => checkId(Number.NaN, "id"))).toBe("id");
    expect(fieldOf(() => checkId({}, "id"))).toBe("id");
  });

  it("allow exactly MAX_ID_LENGTH characters", () => {
    expect(checkId("x".repeat(MAX_ID_LENGTH), "id")).toHaveLength(MAX_ID_LENGTH);
  });

  it("say what was sent", () => {
    expect(messageOf(() => checkId(" ", "data.pattern_id"))).toBe('data.pattern_id: must not be empty, got " "');
    expect(messageOf(() => checkId(true, "id"))).toBe("id: expected an id (text or a number), got true");
  });
});

describe("version ids", () => {
  it("accept the registry's numbering and refuse anything else, path tricks included", () => {
    expect(checkVersionId("v0003")).toBe("v0003");
    expect(fieldOf(() => checkVersionId("../x"))).toBe("id");
    expect(fieldOf(() => checkVersionId(3, "msg.payload"))).toBe("msg.payload");
  });
});

describe("rollback targets", () => {
  it('accept "previous" or a version id, and refuse anything else, blank and other types included', () => {
    expect(checkRollbackTarget("previous")).toBe("previous");
    expect(checkRollbackTarget("v0002")).toBe("v0002");
    for (const bad of [1, null, true, [], {}, "", "v1", " previous"]) {
      expect(fieldOf(() => checkRollbackTarget(bad, "body.to"))).toBe("body.to");
    }
    expect(messageOf(() => checkRollbackTarget(1))).toBe('to: expected "previous" or a version id like v0001, got 1');
  });
});

describe("texts", () => {
  it("keep the text as given, up to the limit", () => {
    expect(checkText(" anna ", "user")).toBe(" anna ");
    expect(checkText("x".repeat(MAX_TEXT_LENGTH), "user")).toHaveLength(MAX_TEXT_LENGTH);
  });

  it("refuse blank, overlong or non-text values", () => {
    expect(fieldOf(() => checkText("", "source"))).toBe("source");
    expect(fieldOf(() => checkText("x".repeat(MAX_TEXT_LENGTH + 1), "source"))).toBe("source");
    expect(fieldOf(() => checkText("abcd", "reason", 3))).toBe("reason");
    expect(fieldOf(() => checkText(7, "source"))).toBe("source");
  });

  it("echo the length and the start of an overlong text", () => {
    expect(messageOf(() => checkText("abcd", "reason", 3))).toBe(
      'reason: expected at most 3 characters, got 4 ("abcd")',
    );
  });

  it("take undefined or null as not given when optional", () => {
    expect(checkOptionalText(undefined, "user")).toBeUndefined();
    expect(checkOptionalText(null, "user")).toBeUndefined();
    expect(fieldOf(() => checkOptionalText(" ", "user"))).toBe("user");
  });

  it("read optional form and message text trimmed, blanks and non-text as absent", () => {
    expect(trimmedText(" dashboard ")).toBe("dashboard");
    expect(trimmedText("  ")).toBeUndefined();
    expect(trimmedText(3)).toBeUndefined();
  });
});

describe("numbers", () => {
  it("accept whole numbers within the range, ends included", () => {
    expect(checkWholeNumber(1, "trees", { min: 1, max: 10 })).toBe(1);
    expect(checkWholeNumber(10, "trees", { min: 1, max: 10 })).toBe(10);
  });

  it("refuse fractions, numbers out of range and text", () => {
    expect(fieldOf(() => checkWholeNumber(2.5, "trees", { min: 1 }))).toBe("trees");
    expect(fieldOf(() => checkWholeNumber(11, "trees", { min: 1, max: 10 }))).toBe("trees");
    expect(fieldOf(() => checkWholeNumber("3", "trees"))).toBe("trees");
    expect(messageOf(() => checkWholeNumber(0, "trees", { min: 1, max: 10 }))).toBe(
      "trees: expected a whole number from 1 to 10, got 0",
    );
  });

  it("accept finite numbers and refuse NaN, infinities and the excluded lower end", () => {
    expect(checkNumber(0.25, "x")).toBe(0.25);
    expect(fieldOf(() => checkNumber(Number.NaN, "x"))).toBe("x");
    expect(fieldOf(() => checkNumber(Number.POSITIVE_INFINITY, "x"))).toBe("x");
    expect(fieldOf(() => checkNumber(0, "days", { above: 0 }))).toBe("days");
    expect(messageOf(() => checkNumber("1", "x"))).toBe('x: expected a finite number, got "1"');
  });

  it("describe every kind of range in words", () => {
    expect(describeRange({ min: 0, max: 1 })).toBe("from 0 to 1");
    expect(describeRange({ min: 1 })).toBe("≥ 1");
    expect(describeRange({ above: 0 })).toBe("> 0");
    expect(describeRange({ above: 0, max: 5 })).toBe("> 0 and ≤ 5");
    expect(describeRange({ max: 5 })).toBe("≤ 5");
    expect(describeRange({})).toBe("");
  });
});

describe("flags, choices and objects", () => {
  it("accept true and false only", () => {
    expect(checkFlag(false, "autoUpdate")).toBe(false);
    expect(fieldOf(() => checkFlag("yes", "autoUpdate"))).toBe("autoUpdate");
  });

  it("accept one of the listed words, naming them all when refused", () => {
    expect(checkChoice("full", "mode", ["incremental", "full"])).toBe("full");
    expect(messageOf(() => checkChoice("partial", "mode", ["incremental", "full"]))).toBe(
      'mode: expected incremental or full, got "partial"',
    );
  });

  it("accept plain objects only", () => {
    expect(checkRecord({ a: 1 }, "settings")).toEqual({ a: 1 });
    expect(fieldOf(() => checkRecord([], "settings"))).toBe("settings");
    expect(fieldOf(() => checkRecord(null, "settings"))).toBe("settings");
  });
});

describe("input repeated in error messages", () => {
  const huge = "x".repeat(1_000_000);

  it("is cut to MAX_ECHO_LENGTH characters, and the message says so", () => {
    const message = messageOf(() => checkText(huge, "user"));
    expect(message.length).toBeLessThan(300);
    expect(message).toContain(`"${"x".repeat(MAX_ECHO_LENGTH)}"`);
    expect(message).toContain("1000000 characters, cut to 80");
  });

  it("is repeated whole up to MAX_ECHO_LENGTH characters", () => {
    const fits = "y".repeat(MAX_ECHO_LENGTH);
    expect(describeValue(fits)).toBe(JSON.stringify(fits));
    expect(echoText(fits)).toBe(fits);
  });

  it("is cut once, however often a field is re-anchored under another", () => {
    const inner = new InvalidInputError(`features.${huge}`, "unknown feature");
    const outer = new InvalidInputError(`msg.payload.${inner.field}`, "unknown feature");
    expect(outer.field).toBe(`msg.payload.features.${"x".repeat(MAX_ECHO_LENGTH - 21)}… (cut to 80 characters)`);
  });

  it("is cut in the field an error names too: an unknown feature name of 1 MB", () => {
    const error = invalidInputOf(() => new FeatureSchema(["a"]).vector({ a: 1, [huge]: 2 }));
    expect(error.message.length).toBeLessThan(400);
    expect(error.field.length).toBeLessThan(200);
    expect(error.field).toBe(`features.${"x".repeat(MAX_ECHO_LENGTH - 9)}… (cut to 80 characters)`);
    expect(error.message).toMatch(/unknown feature/);
  });

  it("is never cut between the two halves of a character", () => {
    // "a" first: the 80th code unit is then the first half of a face.
    const faces = `a${"😀".repeat(MAX_ECHO_LENGTH)}`;
    expect(echoText(faces)).toBe(`a${"😀".repeat(39)}… (cut to 80 characters)`);
    expect(describeValue(faces)).toBe(`"a${"😀".repeat(39)}"… (161 characters, cut to 80)`);
  });
});
