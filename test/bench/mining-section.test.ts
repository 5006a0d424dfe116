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

  it("on a generated home done at wall switches, Danm72's finds only what was done in the app or by voice", () => {
    const home = generateHome({
      seed: 7,
      days: 14,
      entityCount: 60,
      wallSwitchShare: 1,
      now: new Date("2026-11-30T04:00:00Z"),
    });
    const suggestions = danm72Suggestions(home.logbook, home.timeZone);
    const atTheWallOnly = home.planted.filter((p) => (p.by as string[]).every((via) => via === "wall"));
    expect(atTheWallOnly.length).toBeGreaterThan(0);
    expect(scoreHome(suggestions, atTheWallOnly, []).found).toBe(0);
  });

  it("on a generated home, HomeIQ's suggests what automations do", () => {
    const home = generateHome({ seed: 7, days: 14, entityCount: 60, now: new Date("2026-11-30T04:00:00Z") });
    const homeIq = scoreHome(homeIqSuggestions(home.logbook, home.timeZone), home.planted, home.confounders);
    expect(homeIq.leaks.automation ?? 0).toBeGreaterThan(0);
  });
});
