import { describe, expect, it } from "vitest";
import { circularMinutes, LocalClock } from "../../bench/mining/local-time";
import { type Confounder, matches, type PlantedRoutine, scoreHome, type Suggestion } from "../../bench/mining/scoring";

const light = { entityId: "light.kitchen", to: "on" };
const door = { entityId: "binary_sensor.front_door", to: "on" };
const atMidnight: PlantedRoutine = { kind: "time_of_day", change: light, minute: 23 * 60 + 50 };
const doorThenLight: PlantedRoutine = { kind: "sequence", trigger: door, action: light };

describe("the mining benchmark's scoring", () => {
  it("measures time of day on the 24-hour circle: 23:50 and 00:10 are 20 minutes apart", () => {
    expect(circularMinutes(23 * 60 + 50, 10)).toBe(20);
    expect(circularMinutes(10, 23 * 60 + 50)).toBe(20);
    expect(circularMinutes(6 * 60, 18 * 60)).toBe(720);
  });

  it("matches a time-of-day suggestion across midnight within 30 minutes, and not beyond", () => {
    expect(matches({ kind: "time_of_day", change: light, minute: 10 }, atMidnight)).toBe(true);
    expect(matches({ kind: "time_of_day", change: light, minute: 30 }, atMidnight)).toBe(false);
  });

  it("does not match a time-of-day suggestion with another target state", () => {
    expect(matches({ kind: "time_of_day", change: { ...light, to: "off" }, minute: 23 * 60 + 50 }, atMidnight)).toBe(
      false,
    );
  });

  it("matches HomeIQ's unordered pair to a planted sequence in either order, an ordered one only in its own", () => {
    expect(matches({ kind: "pair", first: light, second: door }, doorThenLight)).toBe(true);
    expect(matches({ kind: "pair", first: door, second: light }, doorThenLight)).toBe(true);
    expect(matches({ kind: "sequence", trigger: door, action: light }, doorThenLight)).toBe(true);
    expect(matches({ kind: "sequence", trigger: light, action: door }, doorThenLight)).toBe(false);
  });

  it("counts a second suggestion for a routine already found as a duplicate, not as precise", () => {
    const score = scoreHome(
      [
        { kind: "time_of_day", change: light, minute: 23 * 60 + 45 },
        { kind: "time_of_day", change: light, minute: 5 },
      ],
      [atMidnight],
      [],
    );
    expect(score).toMatchObject({ found: 1, duplicates: 1, unmatched: 0, recall: 1, precision: 0.5 });
  });

  it("pairs suggestions and routines so the figures do not depend on the order of the suggestions", () => {
    const early: PlantedRoutine = { kind: "time_of_day", change: light, minute: 7 * 60 };
    const later: PlantedRoutine = { kind: "time_of_day", change: light, minute: 7 * 60 + 40 };
    const between: Suggestion = { kind: "time_of_day", change: light, minute: 7 * 60 + 20 };
    const onlyEarly: Suggestion = { kind: "time_of_day", change: light, minute: 6 * 60 + 50 };
    for (const order of [
      [between, onlyEarly],
      [onlyEarly, between],
    ]) {
      expect(scoreHome(order, [early, later], [])).toMatchObject({ found: 2, duplicates: 0, recall: 1, precision: 1 });
    }
  });

  it("counts an unmatched suggestion on a confounder's entity as a leak of that kind, once per kind", () => {
    const confounders: Confounder[] = [
      { kind: "automation", entityIds: ["light.porch"] },
      { kind: "chatter", entityIds: ["binary_sensor.plug_power"] },
    ];
    const score = scoreHome(
      [
        { kind: "time_of_day", change: { entityId: "light.porch", to: "on" }, minute: 1200 },
        { kind: "pair", first: { entityId: "binary_sensor.plug_power", to: "on" }, second: light },
        { kind: "time_of_day", change: { entityId: "light.hall", to: "on" }, minute: 1200 },
      ],
      [doorThenLight],
      confounders,
    );
    expect(score.leaks).toEqual({ automation: 1, chatter: 1 });
    expect(score).toMatchObject({ found: 0, unmatched: 3, precision: 0, recall: 0 });
    expect(score.missed).toEqual({ sequence: 1 });
  });

  it("does not count a suggestion that finds a planted routine as a leak, even on a confounder's entity", () => {
    const score = scoreHome(
      [{ kind: "pair", first: door, second: light }],
      [doorThenLight],
      [{ kind: "one_off", entityIds: [light.entityId] }],
    );
    expect(score.leaks).toEqual({});
    expect(score.found).toBe(1);
  });

  it("gives no precision for a method that suggests nothing", () => {
    const score = scoreHome([], [atMidnight], []);
    expect(score.recall).toBe(0);
    expect(Number.isNaN(score.precision)).toBe(true);
  });

  it("reads local time in the home's time zone, summer time included", () => {
    const clock = new LocalClock("Europe/Berlin");
    // 2026-07-01 05:00 UTC is 07:00 in Berlin (UTC+2); 2026-01-15 05:00 UTC is 06:00 (UTC+1).
    expect(clock.minuteOfDay(Date.UTC(2026, 6, 1, 5, 0) / 1000)).toBe(7 * 60);
    expect(clock.minuteOfDay(Date.UTC(2026, 0, 15, 5, 0) / 1000)).toBe(6 * 60);
    // 2026-07-01 23:30 UTC is already 2 July in Berlin, a Thursday.
    expect(clock.weekday(Date.UTC(2026, 6, 1, 23, 30) / 1000)).toBe(4);
  });
});
