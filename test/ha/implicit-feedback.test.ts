import { describe, expect, it } from "vitest";
import { haFeedbackRules } from "../../src/ha/feedback-events";
import { AutomationWatch } from "../../src/ha/implicit-feedback";

const DAY = 24 * 60 * 60 * 1000;
const rules = haFeedbackRules({
  implicit: { enabled: true, entityTemplate: "automation.suggested_{id}_v1", days: 7 },
}).implicit;
const changed = (entity_id: string, state: string | null) => ({
  event_type: "state_changed",
  data: { entity_id, new_state: state === null ? null : { state } },
  context: { id: "c", user_id: null },
});
const registry = (entity_id: string, action: string) => ({
  event_type: "entity_registry_updated",
  data: { entity_id, action },
});

describe("AutomationWatch", () => {
  it("finds the pattern id through the entity template", () => {
    const watch = new AutomationWatch(rules);
    expect(watch.patternIdOf("automation.suggested_abc.1_v1")).toBe("abc.1");
    expect(watch.patternIdOf("automation.suggestedXabc_v1")).toBeNull();
    expect(watch.patternIdOf(undefined)).toBeNull();
  });

  it("decides each pattern once", () => {
    let now = 0;
    const watch = new AutomationWatch(rules, () => now);
    watch.observe(registry("automation.suggested_p_v1", "create"));
    now = DAY;
    expect(watch.observe(changed("automation.suggested_p_v1", "off"))).toMatchObject({ label: 0 });
    expect(watch.observe(changed("automation.suggested_p_v1", "on"))).toBeNull();
    expect(watch.observe(registry("automation.suggested_p_v1", "remove"))).toBeNull();
    now = 30 * DAY;
    expect(watch.due()).toEqual([]);
  });

  it("approves rather than rejects an automation switched off after the period", () => {
    let now = 0;
    const watch = new AutomationWatch(rules, () => now);
    watch.observe(changed("automation.suggested_p_v1", "on"));
    now = 8 * DAY;
    expect(watch.observe(changed("automation.suggested_p_v1", "off"))).toMatchObject({ label: 1, id: "implicit:p" });
  });

  it("does not count time switched off as kept on, and ignores unknown removals and updates", () => {
    let now = 0;
    const watch = new AutomationWatch(rules, () => now);
    watch.seed([
      { entity_id: "automation.suggested_q_v1", state: "off", last_changed: "bad date" },
      { entity_id: "light.x", state: "on" },
    ]);
    expect(watch.size).toBe(1);
    now = 10 * DAY;
    expect(watch.due()).toEqual([]);
    expect(watch.observe(registry("automation.suggested_zz_v1", "remove"))).toBeNull();
    expect(watch.observe(registry("automation.suggested_q_v1", "update"))).toBeNull();
    expect(watch.observe(changed("automation.suggested_q_v1", null))).toBeNull();
    expect(watch.observe(changed("light.kitchen", "off"))).toBeNull();
  });

  it("seeds from existing states using when they last changed", () => {
    const watch = new AutomationWatch(rules, () => Date.parse("2026-11-10T00:00:00Z"));
    watch.seed([{ entity_id: "automation.suggested_old_v1", state: "on", last_changed: "2026-11-01T00:00:00Z" }]);
    watch.seed([{ entity_id: "automation.suggested_old_v1", state: "on", last_changed: "2026-11-09T00:00:00Z" }]);
    expect(watch.due()).toMatchObject([{ patternId: "old", label: 1 }]);
    watch.seed([{ entity_id: "automation.suggested_old_v1", state: "on" }]);
    expect(watch.size).toBe(0);
  });
});
