import { describe, expect, it } from "vitest";
import { routineSuggestions } from "../../bench/mining";
import { danm72Suggestions, homeIqSuggestions } from "../../bench/mining/baselines";
import { scoreHome } from "../../bench/mining/scoring";
import type { Routine } from "../../src/mining/routine";
import { generateHome } from "../../src/testing/simulation/home-history";

const evidence = { occurrences: 20, days: 18, eligibleDays: 20, firstSeen: 0, lastSeen: 0, trend: 0, confidence: 0.8 };

describe("the mining section", () => {
  it("scores our miner's routines as time-of-day and ordered sequence suggestions", () => {
    const routines: Routine[] = [
      {
        ...evidence,
        kind: "time_of_day",
        change: { entityId: "light.kitchen", to: "on" },
        minute: 405,
        spreadMinutes: 6,
        dayClass: "weekdays",
      },
      {
        ...evidence,
        kind: "sequence",
        trigger: { entityId: "binary_sensor.front_door", to: "on" },
        action: { entityId: "light.hallway", to: "on" },
        support: 0.9,
        sequenceConfidence: 0.9,
        lift: 40,
        delaySeconds: 9,
        delaySpreadSeconds: 3,
      },
    ];
    expect(routineSuggestions(routines)).toMatchObject([
      { kind: "time_of_day", change: { entityId: "light.kitchen", to: "on" }, minute: 405 },
      {
        kind: "sequence",
        trigger: { entityId: "binary_sensor.front_door", to: "on" },
        action: { entityId: "light.hallway", to: "on" },
      },
    ]);
  });

  it("on a generated home done entirely at wall switches, Danm72's finds nothing and HomeIQ's leaks automations", () => {
    const home = generateHome({
      seed: 7,
      days: 14,
      entityCount: 60,
      wallSwitchShare: 1,
      now: new Date("2026-11-30T04:00:00Z"),
    });
    const danm72 = scoreHome(danm72Suggestions(home.logbook, home.timeZone), home.planted, home.confounders);
    expect(danm72.found).toBe(0);
    const homeIq = scoreHome(homeIqSuggestions(home.logbook, home.timeZone), home.planted, home.confounders);
    expect(homeIq.leaks.automation ?? 0).toBeGreaterThan(0);
  });
});
