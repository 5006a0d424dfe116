import { describe, expect, it } from "vitest";
import type { Feedback } from "../../src/feedback/feedback";
import { HaFeedbackSource } from "../../src/ha/feedback-source";
import { ALERT_NOTIFICATION_INTERVAL_MS, HouseholdNotifier, alertNotificationId } from "../../src/ha/notifier";
import { connectionTo, startSimulator, until } from "./fixtures";

describe("HouseholdNotifier", () => {
  it("shows alerts as one persistent notification per type, so repeats update it", async () => {
    const sim = await startSimulator();
    const { connection } = connectionTo(sim);
    await connection.connect();
    // No rate limit here: every alert is shown at once, and a repeat of a type replaces it.
    const notifier = new HouseholdNotifier(connection, { minIntervalMs: 0 });
    expect(await notifier.alert({ type: "drift", message: "Decisions changed" })).toEqual([
      "persistent_notification.create",
    ]);
    await notifier.alert({ type: "drift", message: "Decisions changed again", title: "Drift" });
    await notifier.alert({ type: "update-failed", message: "Update failed" });
    expect(sim.serviceCalls.map((c) => [c.domain, c.service, c.serviceData.notification_id])).toEqual([
      ["persistent_notification", "create", "pattern_quality_drift"],
      ["persistent_notification", "create", "pattern_quality_drift"],
      ["persistent_notification", "create", "pattern_quality_update_failed"],
    ]);
    expect(sim.serviceCalls[1]!.serviceData).toMatchObject({ title: "Drift", message: "Decisions changed again" });
    await notifier.dismiss("drift");
    expect(sim.serviceCalls.at(-1)).toMatchObject({
      service: "dismiss",
      serviceData: { notification_id: "pattern_quality_drift" },
    });
  });

  it("also sends alerts through a notify service when configured", async () => {
    const sim = await startSimulator();
    const { connection } = connectionTo(sim);
    await connection.connect();
    const notifier = new HouseholdNotifier(connection, {
      persistentNotifications: false,
      notifyService: "notify.family",
      title: "Home learning",
    });
    expect(await notifier.alert({ type: "accuracy", message: "Accuracy dropped" })).toEqual(["notify.family"]);
    expect(sim.serviceCalls).toMatchObject([
      {
        domain: "notify",
        service: "family",
        serviceData: { title: "Home learning", message: "Accuracy dropped", data: { tag: "pattern_quality_accuracy" } },
      },
    ]);
  });

  it("pushes alerts of one type at most once per interval, then the latest held back, counting the rest", async () => {
    const sim = await startSimulator();
    const { connection } = connectionTo(sim);
    await connection.connect();
    const notifier = new HouseholdNotifier(connection, { notifyService: "family", minIntervalMs: 150 });
    const first = await notifier.alert({ type: "drift", message: "Decisions changed" });
    // Two drift alerts within a second: one phone push, not two.
    const held = [1, 2, 3].map((i) => notifier.alert({ type: "drift", message: `Decisions changed (${i})` }));
    const other = await notifier.alert({ type: "update-failed", message: "Update failed" });
    expect(first).toEqual(["persistent_notification.create", "notify.family"]);
    expect(other).toEqual(["persistent_notification.create", "notify.family"]);
    const pushes = () => sim.serviceCalls.filter((c) => c.domain === "notify").map((c) => c.serviceData.message);
    expect(pushes()).toEqual(["Decisions changed", "Update failed"]);
    // The superseded ones are never shown; the latest goes out once the interval is up.
    expect(await Promise.all(held)).toEqual([[], [], ["persistent_notification.create", "notify.family"]]);
    expect(pushes()).toEqual([
      "Decisions changed",
      "Update failed",
      "Decisions changed (3) (and 2 more drift alerts within 150 ms)",
    ]);
    notifier.close();
  });

  it("shows an alert held back alone as it came, once the interval is up", async () => {
    const sim = await startSimulator();
    const { connection } = connectionTo(sim);
    await connection.connect();
    const notifier = new HouseholdNotifier(connection, { minIntervalMs: 100 });
    await notifier.alert({ type: "drift", message: "one" });
    expect(await notifier.alert({ type: "drift", message: "two" })).toEqual(["persistent_notification.create"]);
    expect(sim.serviceCalls.map((c) => c.serviceData.message)).toEqual(["one", "two"]);
    notifier.close();
  });

  it("drops what it holds on close, and keeps no timer that holds the process", async () => {
    const sim = await startSimulator();
    const { connection } = connectionTo(sim);
    await connection.connect();
    const timers = () => process.getActiveResourcesInfo().filter((what) => what === "Timeout").length;
    const notifier = new HouseholdNotifier(connection);
    await notifier.alert({ type: "drift", message: "one" });
    const before = timers();
    const held = notifier.alert({ type: "drift", message: "two" });
    expect(timers()).toBe(before);
    notifier.close();
    expect(await held).toEqual([]);
    expect(await notifier.alert({ type: "drift", message: "three" })).toEqual([]);
    expect(sim.serviceCalls.map((c) => c.serviceData.message)).toEqual(["one"]);
  });

  it("limits each type to one notification every 5 minutes by default, and refuses a bad interval", () => {
    expect(ALERT_NOTIFICATION_INTERVAL_MS).toBe(300_000);
    expect(() => new HouseholdNotifier({ callService: async () => undefined }, { minIntervalMs: -1 })).toThrow(
      /minIntervalMs/,
    );
  });

  it("asks about a pattern on a phone, and the answer comes back as feedback", async () => {
    const sim = await startSimulator();
    const { connection } = connectionTo(sim);
    await connection.connect();
    const source = new HaFeedbackSource(connection);
    const feedback: Feedback[] = [];
    source.on("feedback", (f: Feedback) => feedback.push(f));
    await source.start();
    const notifier = new HouseholdNotifier(connection, { questionService: "mobile_app_phone" });
    expect(notifier.canAsk).toBe(true);
    await notifier.ask({ patternId: "evening-lights", description: "Dim the lights at 21:00" });
    const call = sim.serviceCalls.at(-1)!;
    expect(call).toMatchObject({ domain: "notify", service: "mobile_app_phone" });
    expect(call.serviceData.message).toMatch(/Dim the lights at 21:00/);
    const actions = (call.serviceData.data as { actions: { action: string; title: string }[] }).actions;
    expect(actions).toEqual([
      { action: "PATTERN_APPROVE_evening-lights", title: "Approve" },
      { action: "PATTERN_REJECT_evening-lights", title: "Reject" },
    ]);
    // The phone's answer: the button's action id comes back in mobile_app_notification_action.
    sim.fireEvent(
      "mobile_app_notification_action",
      { action: actions[1]!.action },
      { origin: "REMOTE", userId: "user-anna" },
    );
    await until(() => feedback.length === 1);
    expect(feedback[0]).toMatchObject({ patternId: "evening-lights", label: 0, user: "user-anna" });
    await source.stop();
  });

  it("refuses to ask without a question service, and names bad input", async () => {
    const sim = await startSimulator();
    const { connection } = connectionTo(sim);
    const notifier = new HouseholdNotifier(connection);
    expect(notifier.canAsk).toBe(false);
    await expect(notifier.ask({ patternId: "p" })).rejects.toMatchObject({ field: "questionService" });
    await expect(notifier.alert({ type: "", message: "x" })).rejects.toMatchObject({ field: "alert.type" });
    await expect(
      new HouseholdNotifier(connection, { questionService: "phone" }).ask({ patternId: 5 as never }),
    ).rejects.toMatchObject({ field: "patternId" });
    expect(() => new HouseholdNotifier(connection, { notifyService: "notify.Family Phone" })).toThrow(/notifyService/);
    expect(() => new HouseholdNotifier(connection, { questionService: 7 as never })).toThrow(/questionService/);
    await expect(notifier.alert({ type: "drift", message: "x" })).rejects.toMatchObject({ code: "ha-not-connected" });
  });

  it("makes notification ids from alert types", () => {
    expect(alertNotificationId("Update failed!")).toBe("pattern_quality_update_failed");
  });
});
