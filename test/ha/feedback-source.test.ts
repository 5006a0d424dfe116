import { describe, expect, it } from "vitest";
import type { Feedback } from "../../src/feedback/feedback";
import { HaFeedbackSource } from "../../src/ha/feedback-source";
import { GUEST, connectionTo, onCleanup, startSimulator, until } from "./fixtures";
import type { HomeAssistantSimulator } from "../../src/testing/ha-simulator/simulator";
import type { DeepPartial, HaFeedbackRules } from "../../src/ha/feedback-events";

async function listening(
  sim: HomeAssistantSimulator,
  rules: DeepPartial<HaFeedbackRules> = {},
  token?: string,
  clock?: () => number,
) {
  const { connection, subscribed } = connectionTo(sim, token === undefined ? {} : { token });
  await connection.connect();
  const source = new HaFeedbackSource(connection, rules, clock === undefined ? {} : { clock });
  onCleanup(() => source.stop());
  const feedback: Feedback[] = [];
  const invalid: Error[] = [];
  source.on("feedback", (f: Feedback) => feedback.push(f));
  source.on("invalid", ({ error }: { error: Error }) => invalid.push(error));
  const report = await source.start();
  return { connection, source, feedback, invalid, report, subscribed };
}

describe("feedback from Home Assistant, end to end", () => {
  it("turns an actionable notification answer into feedback with the user who answered", async () => {
    const sim = await startSimulator();
    const { feedback, report } = await listening(sim);
    expect(report).toEqual({ subscribed: ["mobile_app_notification_action", "pattern_feedback"], refused: [] });
    const event = sim.fireEvent(
      "mobile_app_notification_action",
      { action: "PATTERN_APPROVE_evening-lights" },
      { origin: "REMOTE", userId: "user-anna" },
    );
    await until(() => feedback.length === 1);
    expect(feedback[0]).toMatchObject({
      id: event.context.id,
      patternId: "evening-lights",
      label: 1,
      user: "user-anna",
      source: "ha:mobile_app_notification_action",
    });
  });

  it("turns a custom event fired through the REST API into feedback with features", async () => {
    const sim = await startSimulator();
    const { feedback } = await listening(sim);
    const response = await fetch(`${sim.url}/api/events/pattern_feedback`, {
      method: "POST",
      headers: { authorization: "Bearer admin-token-7f3a9c1e5b" },
      body: JSON.stringify({ pattern_id: "p9", decision: "reject", features: { device_count: 2 } }),
    });
    expect(await response.json()).toEqual({ message: "Event pattern_feedback fired." });
    await until(() => feedback.length === 1);
    expect(feedback[0]).toMatchObject({ patternId: "p9", label: 0, features: { device_count: 2 }, user: "user-admin" });
  });

  it("reads helper entities with a non-admin token while reporting the refused sources", async () => {
    const sim = await startSimulator();
    const { feedback, report } = await listening(
      sim,
      { helperEntities: { enabled: true, entityIds: ["input_select.pattern_decision"] } },
      GUEST,
    );
    expect(report.subscribed).toEqual(["state_changed"]);
    expect(report.refused.map((r) => r.eventType)).toEqual(["mobile_app_notification_action", "pattern_feedback"]);
    expect(report.refused[0]!.message).toMatch(/non-admin user/);
    sim.setState("input_select.pattern_decision", "approve", { pattern_id: "p4" }, "user-ben");
    sim.setState("input_select.pattern_decision", "pending", { pattern_id: "p4" });
    sim.setState("light.kitchen", "on");
    sim.setState("input_select.pattern_decision", "reject", { pattern_id: "p5" });
    await until(() => feedback.length === 2);
    expect(feedback.map((f) => [f.patternId, f.label, f.user])).toEqual([
      ["p4", 1, "user-ben"],
      ["p5", 0, undefined],
    ]);
  });

  it("reports a malformed decision event without stopping", async () => {
    const sim = await startSimulator();
    const { feedback, invalid } = await listening(sim);
    sim.fireEvent("pattern_feedback", { decision: "approve" });
    sim.fireEvent("pattern_feedback", { pattern_id: "ok", decision: "approve" });
    await until(() => feedback.length === 1);
    expect(invalid.map((e) => e.message)).toEqual([expect.stringMatching(/data\.pattern_id/)]);
  });

  it("emits a repeated event once", async () => {
    const sim = await startSimulator();
    const { feedback, source } = await listening(sim);
    const event = sim.fireEvent("pattern_feedback", { pattern_id: "p", decision: 1 }, { contextId: "ctx-1" });
    sim.fireEvent("pattern_feedback", { pattern_id: "p", decision: 1 }, { contextId: "ctx-1" });
    sim.fireEvent("pattern_feedback", { pattern_id: "q", decision: 1 }, { contextId: "ctx-2" });
    await until(() => feedback.length === 2);
    expect(source.receive(event)).toBeNull();
    expect(feedback.map((f) => f.id)).toEqual(["ctx-1", "ctx-2"]);
  });

  it("forgets the oldest ids beyond its dedup capacity", async () => {
    const sim = await startSimulator();
    const { connection } = connectionTo(sim);
    const source = new HaFeedbackSource(connection, {}, { dedupCapacity: 2 });
    const event = (id: string) => ({
      event_type: "pattern_feedback",
      data: { pattern_id: "p", decision: 1 },
      context: { id },
    });
    expect(source.receive(event("a"))).not.toBeNull();
    source.receive(event("b"));
    source.receive(event("c"));
    expect(source.receive(event("a"))).not.toBeNull();
    expect(source.receive(event("c"))).toBeNull();
  });

  it("keeps delivering every event once across dropped connections", async () => {
    const sim = await startSimulator();
    const { feedback, subscribed } = await listening(sim);
    for (let i = 0; i < 10; i++) sim.fireEvent("pattern_feedback", { pattern_id: `before-${i}`, decision: 1 });
    await until(() => feedback.length === 10);
    sim.dropConnections();
    await until(() => subscribed.length === 4, "both subscriptions renewed");
    for (let i = 0; i < 10; i++)
      sim.fireEvent("mobile_app_notification_action", { action: `PATTERN_REJECT_after-${i}` });
    await until(() => feedback.length === 20);
    expect(new Set(feedback.map((f) => f.id)).size).toBe(20);
    expect(feedback.slice(10).map((f) => f.patternId)).toEqual(Array.from({ length: 10 }, (_, i) => `after-${i}`));
  });

  it("stops listening when stopped", async () => {
    const sim = await startSimulator();
    const { source } = await listening(sim);
    await source.stop();
    expect(source.sweep()).toEqual([]);
    expect(sim.subscriptionCount("pattern_feedback")).toBe(0);
    expect(sim.subscriptionCount("mobile_app_notification_action")).toBe(0);
  });

  it("passes other errors of a handler on", async () => {
    const sim = await startSimulator();
    const { connection } = connectionTo(sim);
    const source = new HaFeedbackSource(connection);
    source.on("feedback", () => {
      throw new TypeError("downstream broke");
    });
    expect(() =>
      source.receive({ event_type: "pattern_feedback", data: { pattern_id: "p", decision: 1 }, context: { id: "x" } }),
    ).toThrow(TypeError);
  });
});

describe("implicit feedback, end to end", () => {
  const DAY = 24 * 60 * 60 * 1000;

  it("rejects an automation the household deletes within the period", async () => {
    const sim = await startSimulator();
    let now = Date.parse("2026-11-01T00:00:00Z");
    const { feedback, report } = await listening(sim, { implicit: { enabled: true, days: 7 } }, undefined, () => now);
    expect(report.subscribed).toEqual(expect.arrayContaining(["state_changed", "entity_registry_updated"]));
    sim.fireEvent("entity_registry_updated", { action: "create", entity_id: "automation.pattern_p1" });
    sim.setState("automation.pattern_p1", "on");
    now += 2 * DAY;
    sim.removeEntity("automation.pattern_p1");
    await until(() => feedback.length === 1);
    expect(feedback[0]).toMatchObject({ id: "implicit:p1", patternId: "p1", label: 0, source: "ha:implicit" });
  });

  it("rejects an automation switched off within the period, by the user who did it", async () => {
    const sim = await startSimulator();
    let now = Date.parse("2026-11-01T00:00:00Z");
    const { feedback } = await listening(sim, { implicit: { enabled: true, days: 7 } }, undefined, () => now);
    sim.setState("automation.pattern_p2", "on");
    now += DAY;
    sim.setState("automation.pattern_p2", "off", {}, "user-carla");
    await until(() => feedback.length === 1);
    expect(feedback[0]).toMatchObject({ patternId: "p2", label: 0, user: "user-carla" });
  });

  it("checks kept-on automations on its own timer", async () => {
    const sim = await startSimulator();
    sim.setState("automation.pattern_p6", "on");
    let now = Date.now();
    const { connection } = connectionTo(sim);
    await connection.connect();
    const source = new HaFeedbackSource(
      connection,
      { implicit: { enabled: true, days: 1 } },
      { clock: () => now, sweepIntervalMs: 5 },
    );
    onCleanup(() => source.stop());
    const feedback: Feedback[] = [];
    source.on("feedback", (f: Feedback) => feedback.push(f));
    await source.start();
    now += DAY + 1;
    await until(() => feedback.length === 1, "the approval");
    expect(feedback[0]).toMatchObject({ patternId: "p6", label: 1 });
  });

  it("reads the automations' states once connected when started before, and again after a reconnect", async () => {
    const sim = await startSimulator();
    sim.setState("automation.pattern_p7", "on");
    let now = Date.now();
    const { connection } = connectionTo(sim);
    const early = new HaFeedbackSource(connection, { implicit: { enabled: true, days: 1 } }, { clock: () => now });
    onCleanup(() => early.stop());
    await early.start();
    expect(sim.commandCount("get_states")).toBe(0);
    await connection.connect();
    expect(sim.commandCount("get_states")).toBe(0);
    // Answered in order: once this one is, the source's own reading has been seeded.
    await connection.getStates();
    expect(sim.commandCount("get_states")).toBe(2);
    now += 2 * DAY;
    expect(early.sweep()).toMatchObject([{ id: "implicit:p7", label: 1 }]);
    const reconnected = async () => {
      const attempts = connection.attempts;
      sim.dropConnections();
      await until(() => connection.attempts > attempts && connection.connected, "the reconnect");
      await connection.getStates();
    };
    await reconnected();
    expect(sim.commandCount("get_states")).toBe(4);
    await early.stop();
    await reconnected();
    expect(sim.commandCount("get_states")).toBe(5);
  });

  it("starts watching automations without their states when reading them fails", async () => {
    const sim = await startSimulator();
    const { connection } = connectionTo(sim);
    await connection.connect();
    sim.failNextCommand("get_states");
    const failing = new HaFeedbackSource(connection, { implicit: { enabled: true, days: 1 } });
    onCleanup(() => failing.stop());
    const warnings: string[] = [];
    failing.on("warning", (w: string) => warnings.push(w));
    await failing.start();
    expect(warnings).toEqual([
      expect.stringMatching(
        /Could not read the automations' states: Home Assistant refused get_states: Simulated failure/,
      ),
    ]);
  });

  it("approves an automation kept on for the period, found among existing states", async () => {
    const sim = await startSimulator();
    sim.setState("automation.pattern_p3", "on");
    sim.setState("automation.morning_coffee", "on");
    let now = Date.now();
    const { feedback, source } = await listening(sim, { implicit: { enabled: true, days: 3 } }, undefined, () => now);
    expect(source.sweep()).toEqual([]);
    now += 3 * DAY + 1;
    expect(source.sweep()).toMatchObject([{ id: "implicit:p3", patternId: "p3", label: 1 }]);
    expect(feedback).toHaveLength(1);
    expect(source.sweep()).toEqual([]);
  });
});
