import { describe, expect, it } from "vitest";
import {
  danm72IsManual,
  danm72Suggestions,
  homeIqConfidence,
  homeIqSuggestions,
  kmeans1d,
} from "../../bench/mining/baselines";
import { scoreHome } from "../../bench/mining/scoring";
import type { LogbookEntry } from "../../src/mining/home-data";

/** Epoch seconds of a UTC day (0 = Monday 2 November 2026) at hh:mm:ss. */
const at = (day: number, hour: number, minute: number, second = 0): number =>
  Date.UTC(2026, 10, 2 + day, hour, minute, second) / 1000;

const wallSwitch = (when: number, entityId: string, state: string): LogbookEntry => ({
  when,
  entity_id: entityId,
  state,
});
const byApp = (when: number, entityId: string, state: string, user = "user-anna"): LogbookEntry => ({
  when,
  entity_id: entityId,
  state,
  context_user_id: user,
  context_event_type: "call_service",
  context_domain: entityId.split(".")[0]!,
  context_service: state === "on" ? "turn_on" : "turn_off",
});
const byAutomation = (when: number, entityId: string, state: string): LogbookEntry => ({
  when,
  entity_id: entityId,
  state,
  context_event_type: "automation_triggered",
  context_domain: "automation",
  context_entity_id: "automation.porch_lights",
  context_name: "Porch lights",
});

const days = (n: number) => Array.from({ length: n }, (_, d) => d);

describe("Danm72's baseline", () => {
  it("does not see wall-switch actions: a home run by wall switches gets no suggestion", () => {
    const entries = days(14).map((d) => wallSwitch(at(d, 7, 5 + (d % 10)), "light.kitchen", "on"));
    expect(danm72Suggestions(entries, "UTC")).toEqual([]);
  });

  it("suggests the busiest 30-minute bucket of an action done from the app, at the bucket's start", () => {
    const entries = days(14).map((d) => byApp(at(d, 7, 5 + (d % 10)), "light.kitchen", "on"));
    expect(danm72Suggestions(entries, "UTC")).toEqual([
      { kind: "time_of_day", change: { entityId: "light.kitchen", to: "on" }, minute: 7 * 60 },
    ]);
  });

  it("keeps only the busiest bucket, so a second time of day for the same action is never suggested", () => {
    const entries = days(14).flatMap((d) => [
      byApp(at(d, 7, 10), "light.kitchen", "on"),
      byApp(at(d, 19, 10), "light.kitchen", "on"),
    ]);
    expect(danm72Suggestions(entries, "UTC")).toHaveLength(1);
  });

  it("drops an action whose busiest bucket holds under 30 % of it", () => {
    // Spread over 4 buckets evenly: 25 % each.
    const entries = days(16).map((d) => byApp(at(d, 7 + (d % 4), 10), "light.kitchen", "on"));
    expect(danm72Suggestions(entries, "UTC")).toEqual([]);
  });

  it("counts every activation of a scene as the same action, whatever time its state says", () => {
    const entries = days(10).map((d) =>
      byApp(at(d, 8, 5), "scene.good_morning", new Date(at(d, 8, 5) * 1000).toISOString()),
    );
    expect(danm72Suggestions(entries, "UTC")).toEqual([
      { kind: "time_of_day", change: { entityId: "scene.good_morning", to: "activated" }, minute: 8 * 60 },
    ]);
  });

  it("ignores automations' and scripts' changes but counts any user id, an app's system user too", () => {
    expect(danm72IsManual(byAutomation(at(0, 7, 0), "light.porch", "on"))).toBe(false);
    expect(danm72IsManual({ ...byApp(at(0, 7, 0), "light.porch", "on"), context_domain: "script" })).toBe(false);
    expect(danm72IsManual(byApp(at(0, 7, 0), "light.porch", "on", "user-supervisor"))).toBe(true);
  });
});

describe("HomeIQ's baseline", () => {
  it("clusters one-dimensional times with KMeans", () => {
    const labels = kmeans1d([7, 7.1, 6.9, 19, 19.2, 18.9], 2);
    expect(labels[0]).toBe(labels[1]);
    expect(labels[0]).toBe(labels[2]);
    expect(labels[3]).toBe(labels[4]);
    expect(labels[0]).not.toBe(labels[3]);
  });

  it("computes its documented confidence: share × (1 − spread penalty) + 0.1 for 6 or more, within 0.5 … 0.95", () => {
    expect(homeIqConfidence(10, 10, 0)).toBe(0.95);
    expect(homeIqConfidence(4, 10, 60)).toBe(0.5);
    expect(homeIqConfidence(6, 10, 12)).toBeCloseTo(0.6 * 0.9 + 0.1, 10);
  });

  it("suggests what an automation does, since it counts every state change", () => {
    const entries = days(10).map((d) => byAutomation(at(d, 20, 0, d), "light.porch", "on"));
    expect(homeIqSuggestions(entries, "UTC")).toEqual([
      { kind: "time_of_day", change: { entityId: "light.porch", to: "on" }, minute: 20 * 60 },
    ]);
  });

  it("has no midnight handling: a routine at about midnight averages to about noon", () => {
    const entries = days(10).map((d) =>
      d % 2 === 0 ? wallSwitch(at(d, 23, 50), "light.hall", "off") : wallSwitch(at(d, 0, 10), "light.hall", "off"),
    );
    const suggestions = homeIqSuggestions(entries, "UTC");
    // One cluster (10 changes): its mean is 12:00, its confidence 1 × (1 − 0.3) + 0.1 = 0.8 passes.
    expect(suggestions).toEqual([{ kind: "time_of_day", change: { entityId: "light.hall", to: "off" }, minute: 720 }]);
    const planted = [{ kind: "time_of_day" as const, change: { entityId: "light.hall", to: "off" }, minute: 0 }];
    expect(scoreHome(suggestions, planted, [])).toMatchObject({ found: 0, unmatched: 1 });
  });

  it("pairs changes within 5 minutes without order, and the pair matches the planted sequence in reverse", () => {
    const entries = days(10).flatMap((d) => [
      wallSwitch(at(d, 18, 0), "binary_sensor.front_door", "on"),
      wallSwitch(at(d, 18, 0, 40), "light.hall", "on"),
    ]);
    const pairs = homeIqSuggestions(entries, "UTC").filter((s) => s.kind === "pair");
    expect(pairs).toHaveLength(1);
    const planted = [
      {
        kind: "sequence" as const,
        trigger: { entityId: "binary_sensor.front_door", to: "on" },
        action: { entityId: "light.hall", to: "on" },
      },
    ];
    expect(scoreHome(pairs, planted, [])).toMatchObject({ found: 1, precision: 1 });
    // The same pair listed light first still finds the door → light routine.
    const reversed = [{ ...pairs[0]!, first: planted[0]!.action, second: planted[0]!.trigger }];
    expect(scoreHome(reversed, planted, [])).toMatchObject({ found: 1, precision: 1 });
  });

  it("does not pair changes more than 5 minutes apart", () => {
    const entries = days(10).flatMap((d) => [
      wallSwitch(at(d, 18, 0), "binary_sensor.front_door", "on"),
      wallSwitch(at(d, 18, 6), "light.hall", "on"),
    ]);
    expect(homeIqSuggestions(entries, "UTC").filter((s) => s.kind === "pair")).toEqual([]);
  });
});
