import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { InvalidInputError } from "../../src/errors";
import {
  defaultHaFeedbackRules,
  feedbackFromHaEvent,
  haEventTypes,
  haFeedbackRules,
  normalizeHaEvent,
} from "../../src/ha/feedback-events";

const context = { id: "01JD8ZQ6R7W3K5X2M9T4B1C8FN", parent_id: null, user_id: "user-anna" };
const time_fired = "2026-11-20T18:42:07.331257+00:00";
const action = (value: unknown) => ({
  event_type: "mobile_app_notification_action",
  data: { action: value },
  origin: "REMOTE",
  time_fired,
  context,
});
const helperRules = haFeedbackRules({
  helperEntities: { enabled: true, entityIds: ["input_select.pattern_decision"] },
});
const helperEvent = (newState: unknown) => ({
  event_type: "state_changed",
  data: { entity_id: "input_select.pattern_decision", old_state: null, new_state: newState },
  context,
  time_fired,
});

describe("feedbackFromHaEvent: actionable notifications", () => {
  it("reads an approve answer with the pattern id, the user and the context id", () => {
    expect(feedbackFromHaEvent(action("PATTERN_APPROVE_evening-lights"))).toEqual({
      id: context.id,
      patternId: "evening-lights",
      label: 1,
      source: "ha:mobile_app_notification_action",
      user: "user-anna",
      receivedAt: "2026-11-20T18:42:07.331Z",
    });
  });

  it("reads a reject answer", () => {
    expect(feedbackFromHaEvent(action("PATTERN_REJECT_p7"))).toMatchObject({ patternId: "p7", label: 0 });
  });

  it("ignores the household's other actionable notifications", () => {
    expect(feedbackFromHaEvent(action("OPEN_GARAGE"))).toBeNull();
  });

  it("uses configured prefixes, even when one starts the other", () => {
    const rules = haFeedbackRules({ notificationAction: { approvePrefix: "OK_", rejectPrefix: "OK_NOT_" } });
    expect(feedbackFromHaEvent(action("OK_NOT_p1"), rules)).toMatchObject({ patternId: "p1", label: 0 });
    expect(feedbackFromHaEvent(action("OK_p1"), rules)).toMatchObject({ patternId: "p1", label: 1 });
    const reversed = haFeedbackRules({ notificationAction: { approvePrefix: "YES_PLEASE_", rejectPrefix: "YES_" } });
    expect(feedbackFromHaEvent(action("YES_PLEASE_p2"), reversed)).toMatchObject({ patternId: "p2", label: 1 });
    expect(feedbackFromHaEvent(action("YES_p2"), reversed)).toMatchObject({ patternId: "p2", label: 0 });
  });

  it("rejects an answer without an action or without a pattern id, naming the field", () => {
    expect(() => feedbackFromHaEvent(action(undefined))).toThrow(InvalidInputError);
    expect(() => feedbackFromHaEvent(action(undefined))).toThrow(/data\.action/);
    expect(() => feedbackFromHaEvent(action("PATTERN_APPROVE_"))).toThrow(/no pattern id/);
  });

  it('accepts the recorded message of an "events: all" node', () => {
    const message = JSON.parse(
      readFileSync(new URL("../fixtures/ha/events-all-message.json", import.meta.url), "utf8"),
    );
    expect(feedbackFromHaEvent(message)).toEqual({
      id: "01JD8ZQ6R7W3K5X2M9T4B1C8FN",
      patternId: "evening-lights-42",
      label: 1,
      source: "ha:mobile_app_notification_action",
      user: "8c1f7d2e4a6b40c19e3d5f7a9b2c4e6d",
      receivedAt: "2026-11-20T18:42:07.331Z",
    });
  });

  it("is off when disabled", () => {
    expect(
      feedbackFromHaEvent(action("PATTERN_APPROVE_x"), haFeedbackRules({ notificationAction: { enabled: false } })),
    ).toBeNull();
  });
});

describe("feedbackFromHaEvent: custom events", () => {
  const custom = (data: Record<string, unknown>) => ({ event_type: "pattern_feedback", data, context, time_fired });

  it("reads pattern id, decision and features", () => {
    expect(
      feedbackFromHaEvent(custom({ pattern_id: "p1", decision: "reject", features: { confidence_raw: 0.4 } })),
    ).toMatchObject({
      id: context.id,
      patternId: "p1",
      label: 0,
      features: { confidence_raw: 0.4 },
      source: "ha:pattern_feedback",
    });
  });

  it("accepts numeric pattern ids and approve words", () => {
    expect(feedbackFromHaEvent(custom({ pattern_id: 12, decision: "Approved" }))).toMatchObject({
      patternId: "12",
      label: 1,
    });
  });

  it("listens to a configured event type", () => {
    const rules = haFeedbackRules({ customEvent: { eventType: "household_verdict" } });
    expect(
      feedbackFromHaEvent({ event_type: "household_verdict", data: { pattern_id: "p", decision: 1 }, context }, rules),
    ).toMatchObject({ label: 1 });
    expect(feedbackFromHaEvent(custom({ pattern_id: "p", decision: 1 }), rules)).toBeNull();
  });

  it("names the field of a malformed custom event", () => {
    expect(() => feedbackFromHaEvent(custom({ decision: "approve" }))).toThrow(/data\.pattern_id/);
    expect(() => feedbackFromHaEvent(custom({ pattern_id: " ", decision: "approve" }))).toThrow(
      /data\.pattern_id: must not be empty/,
    );
    expect(() => feedbackFromHaEvent(custom({ pattern_id: "p", decision: "maybe" }))).toThrow(/data\.decision/);
    expect(() => feedbackFromHaEvent(custom({ pattern_id: "p", decision: 1, features: [1] }))).toThrow(
      /data\.features/,
    );
    expect(() => feedbackFromHaEvent(custom({ pattern_id: "p", decision: 1, features: { a: "x" } }))).toThrow(
      /data\.features\.a/,
    );
  });
});

describe("feedbackFromHaEvent: helper entities", () => {
  it("reads the decision from the state and the pattern from an attribute", () => {
    expect(
      feedbackFromHaEvent(helperEvent({ state: "approve", attributes: { pattern_id: "p3" } }), helperRules),
    ).toMatchObject({
      patternId: "p3",
      label: 1,
      source: "ha:state_changed",
    });
  });

  it("prefers a decision attribute over the state", () => {
    expect(
      feedbackFromHaEvent(
        helperEvent({ state: "2026-11-20T10:00:00", attributes: { pattern_id: "p3", decision: "reject" } }),
        helperRules,
      ),
    ).toMatchObject({ label: 0 });
  });

  it("ignores resets, removals, other entities, and unconfigured rules", () => {
    expect(
      feedbackFromHaEvent(helperEvent({ state: "pending", attributes: { pattern_id: "p3" } }), helperRules),
    ).toBeNull();
    expect(feedbackFromHaEvent(helperEvent(null), helperRules)).toBeNull();
    expect(
      feedbackFromHaEvent(
        { ...helperEvent({ state: "approve" }), data: { entity_id: "light.kitchen", new_state: { state: "on" } } },
        helperRules,
      ),
    ).toBeNull();
    expect(feedbackFromHaEvent(helperEvent({ state: "approve", attributes: { pattern_id: "p3" } }))).toBeNull();
  });

  it("names the attribute when a decision names no pattern", () => {
    expect(() => feedbackFromHaEvent(helperEvent({ state: "approve", attributes: {} }), helperRules)).toThrow(
      /data\.new_state\.attributes\.pattern_id/,
    );
    expect(() => feedbackFromHaEvent(helperEvent({ state: "approve" }), helperRules)).toThrow(/names no pattern/);
    expect(() => feedbackFromHaEvent(helperEvent("approve"), helperRules)).toThrow(/data\.new_state/);
  });
});

describe("feedbackFromHaEvent: shapes and identity", () => {
  it("returns null for things that are not events", () => {
    for (const input of [null, 42, "x", [], {}, { payload: "hello" }, { event_type: 3 }])
      expect(feedbackFromHaEvent(input)).toBeNull();
    expect(feedbackFromHaEvent({ event_type: "call_service", data: {} })).toBeNull();
  });

  it("rejects event data that is not an object, naming where it was", () => {
    expect(() => feedbackFromHaEvent({ event_type: "pattern_feedback", data: [1] })).toThrow(/event\.data/);
    expect(() => feedbackFromHaEvent({ payload: { event_type: "pattern_feedback", event: "x" } })).toThrow(
      /payload\.event/,
    );
  });

  it("derives an id from the firing time when the event has no context", () => {
    const event = { event_type: "pattern_feedback", data: { pattern_id: "p", decision: 1 }, time_fired };
    expect(feedbackFromHaEvent(event)!.id).toBe(`pattern_feedback:p:${time_fired}`);
    expect(() =>
      feedbackFromHaEvent({ event_type: "pattern_feedback", data: { pattern_id: "p", decision: 1 } }),
    ).toThrow(/context\.id/);
  });

  it("stamps the receiving time when the firing time is missing or unreadable", () => {
    const feedback = feedbackFromHaEvent({
      event_type: "pattern_feedback",
      data: { pattern_id: "p", decision: 1 },
      context,
      time_fired: "soon",
    })!;
    expect(Number.isFinite(Date.parse(feedback.receivedAt))).toBe(true);
    expect(feedback.user).toBe("user-anna");
    const anonymous = feedbackFromHaEvent({
      event_type: "pattern_feedback",
      data: { pattern_id: "p", decision: 1 },
      context: { id: "c1", user_id: null },
    })!;
    expect(anonymous.user).toBeUndefined();
  });

  it("normalizes both shapes to the same raw event", () => {
    const raw = normalizeHaEvent({ event_type: "x", data: { a: 1 }, origin: "LOCAL", time_fired, context });
    const node = normalizeHaEvent({
      topic: "x",
      payload: { event_type: "x", event: { a: 1 }, origin: "LOCAL", time_fired, context },
    });
    expect(node).toEqual(raw);
    expect(normalizeHaEvent({ event_type: "x" })).toEqual({ event_type: "x", data: {} });
  });
});

describe("haFeedbackRules", () => {
  it("fills in the defaults", () => {
    expect(haFeedbackRules()).toEqual(defaultHaFeedbackRules);
    expect(haEventTypes(haFeedbackRules())).toEqual(["mobile_app_notification_action", "pattern_feedback"]);
  });

  it("lists the event types of every enabled source", () => {
    const rules = haFeedbackRules({
      helperEntities: { enabled: true, entityIds: ["input_select.x"] },
      implicit: { enabled: true },
    });
    expect(haEventTypes(rules).sort()).toEqual([
      "automation_triggered",
      "entity_registry_updated",
      "mobile_app_notification_action",
      "pattern_feedback",
      "state_changed",
    ]);
    expect(
      haEventTypes(
        haFeedbackRules({
          notificationAction: { enabled: false },
          customEvent: { enabled: false },
          helperEntities: { enabled: true },
        }),
      ),
    ).toEqual([]);
  });

  it("names the field of bad rules", () => {
    expect(() => haFeedbackRules(null as never)).toThrow(/rules/);
    expect(() => haFeedbackRules({ notificationAction: { approvePrefix: "" } })).toThrow(/approvePrefix/);
    expect(() => haFeedbackRules({ notificationAction: { approvePrefix: "X_", rejectPrefix: "X_" } })).toThrow(
      /must differ/,
    );
    expect(() => haFeedbackRules({ customEvent: { eventType: 5 as never } })).toThrow(/customEvent\.eventType/);
    expect(() => haFeedbackRules({ helperEntities: { entityIds: ["ok", ""] } })).toThrow(/entityIds\[1\]/);
    expect(() => haFeedbackRules({ implicit: { entityTemplate: "automation.pattern" } })).toThrow(/\{id\}/);
    expect(() => haFeedbackRules({ implicit: { days: 0 } })).toThrow(/implicit\.days/);
  });
});
