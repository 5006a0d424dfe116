// A created automation watched by its registry entry, and a person undoing what it just did.
import { describe, expect, it } from "vitest";
import { haFeedbackRules } from "../../src/ha/feedback-events";
import { AutomationWatch } from "../../src/ha/implicit-feedback";

const rules = haFeedbackRules({ implicit: { enabled: true, days: 7 } }).implicit;
const AUTOMATION = "automation.turn_on_kitchen_light";
const at = (minute: number) => new Date(Date.UTC(2026, 11, 7, 6, minute)).toISOString();
const run = (contextId: string, minute: number) => ({
  event_type: "automation_triggered",
  data: { entity_id: AUTOMATION },
  time_fired: at(minute),
  context: { id: contextId, parent_id: null, user_id: null },
});
const change = (
  state: string,
  minute: number,
  context: { id: string; parent_id?: string | null; user_id?: string | null },
) => ({
  event_type: "state_changed",
  data: { entity_id: "light.kitchen", new_state: { state } },
  time_fired: at(minute),
  context,
});

function watched() {
  const watch = new AutomationWatch(rules, () => Date.parse(at(0)));
  watch.track(AUTOMATION, "routine-kitchen");
  return watch;
}

describe("AutomationWatch: an automation found by its unique id", () => {
  it("knows the tracked automation's pattern without the entity template", () => {
    const watch = watched();
    expect(watch.patternIdOf(AUTOMATION)).toBe("routine-kitchen");
    expect(watch.size).toBe(1);
  });

  it("learns a reject when a person turns off what the automation just turned on, with who", () => {
    const watch = watched();
    expect(watch.observe(run("run-1", 45))).toBeNull();
    expect(watch.observe(change("on", 45, { id: "run-1", parent_id: null, user_id: null }))).toBeNull();
    expect(watch.observe(change("off", 48, { id: "c2", user_id: "user-anna" }))).toMatchObject({
      id: "implicit:routine-kitchen",
      patternId: "routine-kitchen",
      label: 0,
      user: "user-anna",
    });
    expect(watch.size).toBe(0);
  });

  it("counts a wall switch (no user, no parent) as a person's hand", () => {
    const watch = watched();
    watch.observe(run("run-1", 45));
    watch.observe(change("on", 45, { id: "run-1" }));
    const feedback = watch.observe(change("off", 46, { id: "switch", parent_id: null, user_id: null }));
    expect(feedback).toMatchObject({ label: 0 });
    expect(feedback?.user).toBeUndefined();
  });

  it("does not count a change after the undo window, by another automation, or to the same state", () => {
    const late = watched();
    late.observe(run("run-1", 0));
    late.observe(change("on", 0, { id: "run-1" }));
    expect(late.observe(change("off", 30, { id: "c", user_id: "u" }))).toBeNull();
    const automated = watched();
    automated.observe(run("run-1", 0));
    automated.observe(change("on", 0, { id: "run-1" }));
    expect(automated.observe(change("off", 2, { id: "other-run", parent_id: "p", user_id: null }))).toBeNull();
    const same = watched();
    same.observe(run("run-1", 0));
    same.observe(change("on", 0, { id: "run-1" }));
    expect(same.observe(change("on", 1, { id: "c", user_id: "u" }))).toBeNull();
    expect(
      same.observe({ event_type: "state_changed", data: { entity_id: "light.kitchen", new_state: null } }),
    ).toBeNull();
  });

  it("ignores runs of automations that are not watched", () => {
    const watch = watched();
    expect(watch.observe({ ...run("x", 1), data: { entity_id: "automation.other" } })).toBeNull();
    expect(watch.observe(change("off", 2, { id: "c", user_id: "u" }))).toBeNull();
  });
});
