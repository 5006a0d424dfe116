import { describe, expect, it } from "vitest";
import { FeatureSchema } from "../../src/features/schema";
import { feedbackFromHaEvent, haFeedbackRules } from "../../src/ha/feedback-events";
import { parseFeedbackBatch } from "../../src/model/feedback-input";
import { fieldOf } from "../support/invalid-input";

const now = new Date("2026-11-02T09:00:00Z");
const ab = new FeatureSchema(["a", "b"]);

describe("when a feedback was decided", () => {
  it("keeps the time a Home Assistant event was fired", () => {
    const event = {
      event_type: "mobile_app_notification_action",
      data: { action: "PATTERN_APPROVE_p1" },
      time_fired: "2026-11-01T18:30:05.123456+00:00",
      context: { id: "ctx-1" },
    };
    const decided = feedbackFromHaEvent(event, haFeedbackRules());
    const { feedback } = parseFeedbackBatch([decided], ab, {}, now);
    expect(feedback[0]!.receivedAt).toBe("2026-11-01T18:30:05.123Z");
  });

  it("uses the time it was read when the event has no valid firing time", () => {
    const event = {
      event_type: "pattern_feedback",
      data: { pattern_id: "p2", decision: "reject" },
      context: { id: "c" },
    };
    for (const time_fired of [undefined, "not a time"]) {
      const before = Date.now();
      const decided = feedbackFromHaEvent({ ...event, time_fired }, haFeedbackRules());
      const { feedback } = parseFeedbackBatch([decided], ab, {}, now);
      expect(Date.parse(feedback[0]!.receivedAt)).toBeGreaterThanOrEqual(before);
      expect(Date.parse(feedback[0]!.receivedAt)).toBeLessThanOrEqual(Date.now());
    }
    expect(parseFeedbackBatch([{ patternId: "p", label: 1 }], ab, {}, now).feedback[0]!.receivedAt).toBe(
      now.toISOString(),
    );
  });

  it("refuses a given time that is not one, naming the item", () => {
    for (const receivedAt of ["yesterday", 1730000000000, {}]) {
      expect(
        fieldOf(() =>
          parseFeedbackBatch(
            [
              { patternId: "p", label: 1 },
              { patternId: "q", label: 0, receivedAt },
            ],
            ab,
          ),
        ),
      ).toBe("payload[1].receivedAt");
    }
  });
});
