import { describe, expect, it } from "vitest";
import { InvalidInputError } from "../../src/errors";
import {
  askThreshold,
  feedbackItems,
  importText,
  isHaEvent,
  messageUser,
  optionalText,
  rollbackTarget,
  updateMode,
  versionCommand,
  versionId,
  versionPair,
} from "../../nodes/shared/messages";
import { asError, underMessage } from "../../nodes/shared/errors";
import { fieldOf } from "../support/invalid-input";

describe("feedback message parsing", () => {
  it("reads one feedback object as a single item", () => {
    expect(feedbackItems({ patternId: "p1", label: "approve" })).toEqual([
      { kind: "feedback", value: { patternId: "p1", label: "approve" } },
    ]);
  });

  it("reads an array of feedback objects item by item", () => {
    expect(feedbackItems([{ patternId: "a" }, { patternId: "b" }]).map((i) => i.kind)).toEqual([
      "feedback",
      "feedback",
    ]);
  });

  it("recognises raw Home Assistant events and events-node payloads", () => {
    const raw = { event_type: "pattern_feedback", data: { pattern_id: "p", decision: "approve" } };
    const nodeShape = { event_type: "pattern_feedback", event: { pattern_id: "p", decision: "approve" } };
    expect(feedbackItems(raw)[0].kind).toBe("ha-event");
    expect(feedbackItems([nodeShape])[0].kind).toBe("ha-event");
    expect(isHaEvent({ event_type: "x" })).toBe(false);
  });

  it("refuses an empty array, naming msg.payload", () => {
    expect(fieldOf(() => feedbackItems([]))).toBe("msg.payload");
  });

  it("refuses a payload that is not an object, naming msg.payload", () => {
    expect(fieldOf(() => feedbackItems("approve"))).toBe("msg.payload");
    expect(fieldOf(() => feedbackItems(undefined))).toBe("msg.payload");
  });

  it("names the array index of a bad item", () => {
    expect(fieldOf(() => feedbackItems([{ patternId: "a" }, 7]))).toBe("msg.payload[1]");
  });

  it("takes msg.user only when it is non-empty text", () => {
    expect(messageUser(" anna ")).toBe("anna");
    expect(messageUser("")).toBeUndefined();
    expect(messageUser(3)).toBeUndefined();
  });
});

describe("version command parsing", () => {
  it("takes the command from msg.topic when the node has no fixed command", () => {
    expect(versionCommand("List", "topic")).toBe("list");
    expect(versionCommand("rollback", "")).toBe("rollback");
  });

  it("prefers the node's fixed command over msg.topic", () => {
    expect(versionCommand("ui-table", "activate")).toBe("activate");
  });

  it("refuses an unknown command, naming msg.topic", () => {
    expect(fieldOf(() => versionCommand("destroy", "topic"))).toBe("msg.topic");
    expect(fieldOf(() => versionCommand(undefined, undefined))).toBe("msg.topic");
  });

  it("reads a version id from text, {id}, {version} or a table row", () => {
    expect(versionId(" v0003 ")).toBe("v0003");
    expect(versionId({ id: "v0002", kind: "full", active: false })).toBe("v0002");
    expect(versionId({ version: "v0001" })).toBe("v0001");
  });

  it("refuses a missing version id, naming the field", () => {
    expect(fieldOf(() => versionId({}))).toBe("msg.payload.id");
    expect(fieldOf(() => versionId(42))).toBe("msg.payload");
    expect(fieldOf(() => versionId(""))).toBe("msg.payload");
  });

  it("reads the pair of versions to compare from {a, b} or [a, b]", () => {
    expect(versionPair({ a: "v1", b: "v2" })).toEqual(["v1", "v2"]);
    expect(versionPair(["v1", "v2"])).toEqual(["v1", "v2"]);
    expect(fieldOf(() => versionPair({ a: "v1" }))).toBe("msg.payload.b");
    expect(fieldOf(() => versionPair(["v1"]))).toBe("msg.payload");
    expect(fieldOf(() => versionPair([1, "v2"]))).toBe("msg.payload[0]");
  });

  it("rolls back to the previous version unless a target is given", () => {
    expect(rollbackTarget(undefined)).toBe("previous");
    expect(rollbackTarget("")).toBe("previous");
    expect(rollbackTarget({ reason: "too eager" })).toBe("previous");
    expect(rollbackTarget({ to: "v0002" })).toBe("v0002");
    expect(rollbackTarget("v0001")).toBe("v0001");
    expect(rollbackTarget({ id: "v0004", reason: "dashboard" })).toBe("v0004");
  });

  it("reads the text to import from a string or {text}", () => {
    expect(importText("{...}")).toBe("{...}");
    expect(importText({ text: "{...}" })).toBe("{...}");
    expect(fieldOf(() => importText({}))).toBe("msg.payload");
  });

  it("reads optional text fields and ignores blanks", () => {
    expect(optionalText({ reason: " dashboard " }, "reason")).toBe("dashboard");
    expect(optionalText({ reason: " " }, "reason")).toBeUndefined();
    expect(optionalText("x", "reason")).toBeUndefined();
  });
});

describe("score and update message parsing", () => {
  it("uses msg.threshold when it is a number from 0 to 1, else the configured one", () => {
    expect(askThreshold(undefined, 0.4)).toBe(0.4);
    expect(askThreshold(0.9, 0.4)).toBe(0.9);
    expect(fieldOf(() => askThreshold(2, 0.4))).toBe("msg.threshold");
    expect(fieldOf(() => askThreshold("0.5", 0.4))).toBe("msg.threshold");
  });

  it("uses msg.mode when given, else the configured mode", () => {
    expect(updateMode(undefined, "incremental")).toBe("incremental");
    expect(updateMode("full", "incremental")).toBe("full");
    expect(updateMode("", "full")).toBe("full");
    expect(fieldOf(() => updateMode("partial", "incremental"))).toBe("msg.mode");
  });
});

describe("error adaptation", () => {
  it("re-anchors a core input error under the message property", () => {
    const error = underMessage("msg.payload", new InvalidInputError("data.action", "expected the action id"));
    expect(error).toBeInstanceOf(InvalidInputError);
    expect((error as InvalidInputError).field).toBe("msg.payload.data.action");
    expect((error as Error).message).toBe("msg.payload.data.action: expected the action id");
  });

  it("leaves other errors as they are", () => {
    const error = new Error("disk full");
    expect(underMessage("msg.payload", error)).toBe(error);
  });

  it("turns thrown non-errors into errors for done(err)", () => {
    expect(asError("boom").message).toBe("boom");
    const error = new Error("x");
    expect(asError(error)).toBe(error);
  });
});
