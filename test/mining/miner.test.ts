import { describe, expect, it } from "vitest";
import type { LogbookEntry } from "../../src/mining/home-data";
import { mineRoutines, RoutineMiner } from "../../src/mining/miner";
import type { SequenceRoutine, TimeOfDayRoutine } from "../../src/mining/routine";
import { at, jitter, pastDays, row, smallHome, USERS } from "./logbook-builder";

// A Monday, midday.
const NOW = new Date("2026-11-30T12:00:00Z");

function routineAt(days: number[], entityId: string, to: string, hhmm: string, actor = { by: "wall" } as const) {
  return days.map((ago) => row(at(NOW, ago, hhmm, "UTC", jitter(ago, 6)), entityId, to, actor));
}

function sorted(entries: LogbookEntry[]): LogbookEntry[] {
  return [...entries].sort((a, b) => a.when - b.when);
}

describe("time-of-day routines", () => {
  it("finds a weekday routine done at a wall switch and says it in words with its evidence", () => {
    const entries = routineAt(pastDays(NOW, 27, "weekdays"), "light.kitchen", "on", "06:45");
    const result = mineRoutines(entries, smallHome(), {}, NOW);
    expect(result.patterns).toHaveLength(1);
    const pattern = result.patterns[0]!;
    const routine = pattern.routine as TimeOfDayRoutine;
    expect(routine.dayClass).toBe("weekdays");
    expect(Math.abs(routine.minute - (6 * 60 + 45))).toBeLessThanOrEqual(3);
    expect(pattern.title).toMatch(/^Turn on Kitchen light at about 06:4\d on weekdays$/);
    // 20 weekdays: today's 06:45 has passed (it is midday) and nothing was done today.
    expect(pattern.description).toMatch(/: done by hand on 19 of 20 weekdays, last 3 days ago$/);
    expect(pattern.pattern_type).toBe("time_of_day");
    expect(pattern.devices).toEqual(["dev-kitchen-light"]);
    expect(pattern.areas).toEqual(["kitchen"]);
    expect(pattern.occurrences).toBe(19);
    expect(pattern.id).toMatch(/^routine-[0-9a-f]{12}$/);
  });

  it("proposes the automation in Home Assistant's config format, with the weekday condition", () => {
    const entries = routineAt(pastDays(NOW, 27, "weekdays"), "light.kitchen", "on", "06:45");
    const { automation } = mineRoutines(entries, smallHome(), {}, NOW).patterns[0]!;
    expect(automation.triggers).toEqual([{ trigger: "time", at: expect.stringMatching(/^06:4\d:00$/) }]);
    expect(automation.conditions).toEqual([{ condition: "time", weekday: ["mon", "tue", "wed", "thu", "fri"] }]);
    expect(automation.actions).toEqual([{ action: "light.turn_on", target: { entity_id: "light.kitchen" } }]);
    expect(automation.mode).toBe("single");
    expect(automation.alias).toMatch(/^Turn on Kitchen light/);
    expect(automation.description).toContain("routine-");
  });

  it("treats 23:50 and 00:10 as one routine around midnight, not two", () => {
    const days = pastDays(NOW, 27);
    const entries = days.map((ago) =>
      row(at(NOW, ago, ago % 2 === 0 ? "23:45" : "23:55", "UTC", ago % 3 === 0 ? 20 : 0), "light.hallway", "off"),
    );
    const { routines } = mineRoutines(sorted(entries), smallHome(), {}, NOW);
    expect(routines).toHaveLength(1);
    const routine = routines[0] as TimeOfDayRoutine;
    expect(routine.dayClass).toBe("daily");
    expect(Math.min(routine.minute, 1440 - routine.minute)).toBeLessThanOrEqual(10);
  });

  it("tells weekend routines from daily ones", () => {
    const weekend = routineAt(pastDays(NOW, 27, "weekends"), "switch.coffee", "on", "09:30", {
      by: "user",
      userId: USERS.anna,
    } as never);
    const daily = routineAt(pastDays(NOW, 27), "light.hallway", "on", "18:00");
    const { routines } = mineRoutines(sorted([...weekend, ...daily]), smallHome(), {}, NOW);
    const classes = Object.fromEntries(
      routines.map((r) => [(r as TimeOfDayRoutine).change.entityId, (r as TimeOfDayRoutine).dayClass]),
    );
    expect(classes).toEqual({ "switch.coffee": "weekends", "light.hallway": "daily" });
  });

  it("reads local time in the home's time zone", () => {
    const days = pastDays(NOW, 27);
    const entries = days.map((ago) => row(at(NOW, ago, "07:00", "America/New_York"), "light.kitchen", "on"));
    const { patterns } = mineRoutines(entries, smallHome({ timeZone: "America/New_York" }), {}, NOW);
    expect(patterns.map((p) => p.title)).toEqual(["Turn on Kitchen light at about 07:00 every day"]);
  });
});

describe("who caused a change", () => {
  const days = pastDays(NOW, 27);

  it("never suggests what an automation, a script, this connection or the Supervisor did", () => {
    const entries = sorted([
      ...routineAt(days, "light.kitchen", "on", "07:00", {
        by: "automation",
        automation: "automation.morning",
      } as never),
      ...routineAt(days, "light.hallway", "on", "19:00", { by: "script", script: "Evening" } as never),
      ...routineAt(days, "switch.coffee", "on", "06:00", { by: "user", userId: USERS.supervisor } as never),
      ...routineAt(days, "input_boolean.guest_mode", "on", "20:00", { by: "user", userId: USERS.own } as never),
    ]);
    const result = mineRoutines(entries, smallHome(), {}, NOW);
    expect(result.patterns).toEqual([]);
    expect(result.stats.byCause).toMatchObject({ automation: 27, script: 27, system: 54, person: 0, physical: 0 });
  });

  it("counts a person's app action and a voice command through Home Assistant Cloud as a person's", () => {
    const entries = sorted([
      ...routineAt(days, "light.kitchen", "on", "07:00", { by: "user", userId: USERS.anna } as never),
      ...routineAt(days, "switch.coffee", "on", "06:00", { by: "user", userId: USERS.cloud } as never),
    ]);
    const result = mineRoutines(entries, smallHome(), {}, NOW);
    expect(result.patterns.map((p) => p.title).sort()).toEqual([
      "Turn on Coffee machine at about 06:00 every day",
      "Turn on Kitchen light at about 07:00 every day",
    ]);
  });

  it("leaves out the people the settings exclude, by name or user id", () => {
    const entries = routineAt(days, "light.kitchen", "on", "07:00", { by: "user", userId: USERS.ben } as never);
    expect(mineRoutines(entries, smallHome(), { excludePeople: "ben" }, NOW).patterns).toEqual([]);
    expect(mineRoutines(entries, smallHome(), { excludePeople: [USERS.ben] }, NOW).patterns).toEqual([]);
    expect(mineRoutines(entries, smallHome(), {}, NOW).patterns).toHaveLength(1);
  });

  it("does not suggest a routine an automation already does at that time", () => {
    const entries = sorted([
      ...routineAt(days, "light.kitchen", "on", "07:00"),
      ...routineAt(
        days.filter((d) => d % 3 === 0),
        "light.kitchen",
        "on",
        "07:05",
        {
          by: "automation",
          automation: "automation.morning",
        } as never,
      ),
    ]);
    const result = mineRoutines(entries, smallHome(), {}, NOW);
    expect(result.patterns).toEqual([]);
    expect(result.stats.alreadyAutomated).toBe(1);
  });

  it("sets aside an entity that changes by itself every few minutes (integration chatter)", () => {
    const entries: LogbookEntry[] = [];
    for (let t = NOW.getTime() - 28 * 86_400_000; t < NOW.getTime(); t += 10 * 60_000) {
      entries.push(row(t, "switch.coffee", Math.floor(t / 600_000) % 2 === 0 ? "on" : "off"));
    }
    const result = mineRoutines(entries, smallHome(), {}, NOW);
    expect(result.patterns).toEqual([]);
    expect(result.stats.chatter).toBe(1);
  });
});

describe("sequences: one thing after another", () => {
  it("finds the hallway light turned on after the front door opens, with support, confidence, lift and delay", () => {
    const entries: LogbookEntry[] = [];
    for (const ago of pastDays(NOW, 27)) {
      const open = at(NOW, ago, "18:00", "UTC", jitter(ago, 90));
      entries.push(row(open, "binary_sensor.front_door", "on"), row(open + 60_000, "binary_sensor.front_door", "off"));
      if (ago % 7 !== 0) entries.push(row(open + (20 + (ago % 5)) * 1000, "light.hallway", "on"));
    }
    const result = mineRoutines(sorted(entries), smallHome(), {}, NOW);
    const sequences = result.routines.filter((r): r is SequenceRoutine => r.kind === "sequence");
    expect(sequences).toHaveLength(1);
    const sequence = sequences[0]!;
    expect(sequence.trigger).toEqual({ entityId: "binary_sensor.front_door", to: "on" });
    expect(sequence.action).toEqual({ entityId: "light.hallway", to: "on" });
    expect(sequence.support).toBe(24);
    expect(sequence.sequenceConfidence).toBeCloseTo(24 / 27, 5);
    expect(sequence.lift).toBeGreaterThan(10);
    expect(sequence.delaySeconds).toBeGreaterThanOrEqual(20);
    expect(sequence.delaySeconds).toBeLessThanOrEqual(24);
    const pattern = result.patterns.find((p) => p.routine.kind === "sequence")!;
    expect(pattern.title).toBe("Turn on Hallway light when Front door opens");
    expect(pattern.pattern_type).toBe("co_occurrence");
    expect(pattern.automation.triggers).toEqual([
      { trigger: "state", entity_id: "binary_sensor.front_door", to: "on" },
    ]);
    expect(pattern.devices).toEqual(["dev-front-door", "dev-hall-light"]);
    // The light follows the door, at a time that wanders with it: the sequence explains it, not the clock.
    expect(result.routines.filter((r) => r.kind === "time_of_day")).toEqual([]);
  });

  it("ignores an action an automation takes after the trigger", () => {
    const entries: LogbookEntry[] = [];
    for (const ago of pastDays(NOW, 27)) {
      const open = at(NOW, ago, "18:00", "UTC", jitter(ago, 90));
      entries.push(row(open, "binary_sensor.front_door", "on"));
      entries.push(row(open + 2000, "light.hallway", "on", { by: "automation", automation: "automation.door_light" }));
    }
    expect(mineRoutines(sorted(entries), smallHome(), {}, NOW).patterns).toEqual([]);
  });
});

describe("ids, history and bad input", () => {
  const entries = routineAt(pastDays(NOW, 27, "weekdays"), "light.kitchen", "on", "06:45");

  it("gives the same routine the same id when mined again the next day", () => {
    const miner = new RoutineMiner(smallHome());
    miner.learnEntries(entries);
    const today = miner.mine(NOW);
    const tomorrow = new Date(NOW.getTime() + 86_400_000);
    miner.learnEntry(row(at(tomorrow, 0, "06:50"), "light.kitchen", "on"));
    const next = miner.mine(tomorrow, today.patterns);
    expect(next.patterns.map((p) => p.id)).toEqual(today.patterns.map((p) => p.id));
    expect(new RoutineMiner(smallHome()).mine(NOW).patterns).toEqual([]);
  });

  it("says so when there is too little history", () => {
    const recent = routineAt([1, 2, 3], "light.kitchen", "on", "06:45");
    const result = mineRoutines(recent, smallHome(), {}, NOW);
    expect(result.patterns).toEqual([]);
    expect(result.notice).toBe("no routines yet: 3 days of history, routines need at least 7");
  });

  it("skips and counts malformed entries, and counts events apart", () => {
    const odd = [null, 7, "x", [], { when: "yesterday" }, { when: 1, entity_id: "Not An Id", state: "on" }];
    const event = { when: NOW.getTime() / 1000 - 60, name: "Morning", message: "triggered", domain: "automation" };
    const result = mineRoutines([...odd, event, ...entries], smallHome(), {}, NOW);
    expect(result.stats.skipped).toBe(odd.length);
    expect(result.stats.events).toBe(1);
    expect(result.patterns).toHaveLength(1);
  });

  it("counts an entry seen twice (a backfill overlapping the stream) once", () => {
    const miner = new RoutineMiner(smallHome());
    miner.learnEntries(entries);
    miner.learnEntries(entries);
    expect(miner.mine(NOW).patterns[0]!.occurrences).toBe(19);
  });

  it("lets a routine on a removed entity fade without an error", () => {
    const home = smallHome();
    delete home.names["light.kitchen"];
    home.entities = home.entities.filter((e) => e.entity_id !== "light.kitchen");
    const result = mineRoutines(entries, home, {}, NOW);
    expect(result.patterns).toEqual([]);
    expect(result.stats.removed).toBe(1);
  });

  it("does not suggest a routine that stopped weeks ago", () => {
    const stopped = routineAt(
      pastDays(NOW, 27).filter((ago) => ago > 18),
      "light.kitchen",
      "on",
      "06:45",
    );
    const result = mineRoutines(stopped, smallHome(), {}, NOW);
    expect(result.patterns).toEqual([]);
  });

  it("refuses bad settings by name", () => {
    expect(() => new RoutineMiner(smallHome(), { minDays: 0 })).toThrow(/mining\.minDays/);
    expect(() => new RoutineMiner(smallHome(), { domains: 5 })).toThrow(/mining\.domains/);
    expect(() => new RoutineMiner(smallHome(), { dailyAt: "25:00" })).toThrow(/mining\.dailyAt/);
    expect(() => new RoutineMiner(smallHome({ timeZone: "Mars/Olympus" }))).toThrow(/timeZone/);
  });
});
