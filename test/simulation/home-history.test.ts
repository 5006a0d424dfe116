import { describe, expect, it } from "vitest";
import type { LogbookEntry } from "../../src/mining/home-data";
import { type GeneratedHome, generateHome } from "../../src/testing/simulation/home-history";
import { localDayOf, localMinuteOf } from "../../src/testing/simulation/local-time";

const NOW = new Date("2026-12-07T04:00:00Z");
const home = generateHome({ seed: 7, now: NOW });
const wallHome = generateHome({ seed: 8, now: NOW, wallSwitchShare: 0.9, timeZone: "Europe/Berlin" });

const CONTEXT_KEYS = [
  "context_user_id",
  "context_event_type",
  "context_domain",
  "context_service",
  "context_entity_id",
  "context_entity_id_name",
  "context_state",
  "context_name",
  "context_message",
  "context_source",
];
const STATE_ROW_KEYS = new Set(["when", "state", "entity_id", "icon", ...CONTEXT_KEYS]);
const DESCRIBED_ROW_KEYS = new Set([
  "when",
  "name",
  "message",
  "source",
  "entity_id",
  "domain",
  "context_id",
  ...CONTEXT_KEYS,
]);

const indexes = new Map<GeneratedHome, Map<string, LogbookEntry>>();
/** The logbook row of an entity at a time (the executions in the ground truth are those rows' times). */
const rowAt = (h: GeneratedHome, when: number, entityId: string): LogbookEntry => {
  let index = indexes.get(h);
  if (index === undefined) {
    index = new Map(h.logbook.map((e) => [`${e.when}|${e.entity_id}`, e]));
    indexes.set(h, index);
  }
  return index.get(`${when}|${entityId}`)!;
};
const rowsOf = (h: GeneratedHome, entityId: string): LogbookEntry[] =>
  h.logbook.filter((e) => e.entity_id === entityId);
const hasContext = (e: LogbookEntry): boolean => CONTEXT_KEYS.some((k) => k in e);
const userId = (h: GeneratedHome, name: string): string => h.users.find((u) => u.name === name)!.id;
/** Signed distance between two minutes of day, the short way round the clock. */
const circular = (a: number, b: number): number => ((((a - b) % 1440) + 2160) % 1440) - 720;

describe("generateHome: the home", () => {
  it("is the same for the same seed and differs for another seed", () => {
    const options = { seed: 3, now: NOW, days: 5, entityCount: 80 };
    expect(generateHome(options)).toEqual(generateHome(options));
    expect(generateHome({ ...options, seed: 4 }).logbook).not.toEqual(generateHome(options).logbook);
  });

  it("has about 150 entities and 100,000 logbook entries over 28 days by default", () => {
    expect(home.states.length).toBeGreaterThanOrEqual(145);
    expect(home.states.length).toBeLessThanOrEqual(155);
    expect(home.logbook.length).toBeGreaterThan(90_000);
    expect(home.logbook.length).toBeLessThan(110_000);
    expect(home.logbookContextIds).toHaveLength(home.logbook.length);
  });

  it("has named areas, devices in them, and entities on devices, with their own area or neither", () => {
    const areaIds = new Set(home.areas.map((a) => a.area_id));
    expect(home.areas.map((a) => a.name)).toEqual(expect.arrayContaining(["Kitchen", "Living room", "Hallway"]));
    expect(home.devices.every((d) => d.area_id === null || areaIds.has(d.area_id))).toBe(true);
    const deviceIds = new Set(home.devices.map((d) => d.id));
    expect(home.entities.every((e) => e.device_id === null || deviceIds.has(e.device_id))).toBe(true);
    expect(home.entities.some((e) => e.device_id !== null && e.area_id !== null)).toBe(true);
    expect(home.entities.some((e) => e.device_id === null && e.area_id === null)).toBe(true);
    expect(new Set(home.entities.map((e) => e.entity_id)).size).toBe(home.entities.length);
  });

  it("gives every entity a current state with a friendly name, in get_states' shape", () => {
    const kitchen = home.states.find((s) => s.entity_id === "light.kitchen")!;
    expect(kitchen.attributes.friendly_name).toBe("Kitchen light");
    expect(home.states.every((s) => typeof s.attributes.friendly_name === "string")).toBe(true);
    expect(kitchen).toMatchObject({ last_changed: expect.any(String), context: { id: expect.any(String) } });
    expect(new Set(home.states.map((s) => s.entity_id))).toEqual(new Set(home.entities.map((e) => e.entity_id)));
  });

  it("has the owner, people with logins, and Home Assistant's system users", () => {
    expect(home.users.filter((u) => u.is_owner)).toHaveLength(1);
    expect(home.users.filter((u) => u.system_generated).map((u) => u.name)).toEqual([
      "Supervisor",
      "Home Assistant Cloud",
      "Home Assistant Content",
    ]);
    expect(home.users.find((u) => u.name === "Supervisor")!.is_admin).toBe(true);
    expect(home.people).toHaveLength(3);
    const ids = new Set(home.users.map((u) => u.id));
    expect(home.people.every((p) => ids.has(p.userId!))).toBe(true);
    expect(generateHome({ seed: 1, now: NOW, days: 1, people: 4 }).people[3]!.userId).toBeNull();
  });

  it("refuses a time zone Intl does not know", () => {
    expect(() => generateHome({ seed: 1, now: NOW, timeZone: "Mars/Olympus" })).toThrow(RangeError);
  });
});

describe("generateHome: the logbook", () => {
  it("is sorted by time, inside the window, in Home Assistant's exact entry shapes", () => {
    const start = NOW.getTime() / 1000 - 28 * 86_400;
    const whens = home.logbook.map((e) => e.when);
    expect(whens.every((w, i) => w >= (whens[i - 1] ?? start))).toBe(true);
    expect(whens.at(-1)).toBeLessThanOrEqual(NOW.getTime() / 1000);
    const odd = home.logbook.filter((e) => {
      const allowed = e.domain === undefined ? STATE_ROW_KEYS : DESCRIBED_ROW_KEYS;
      return Object.keys(e).some((key) => !allowed.has(key)) || typeof e.entity_id !== "string";
    });
    expect(odd).toEqual([]);
    const described = home.logbook.filter((e) => e.domain !== undefined);
    expect(described.every((e) => e.name && e.message && e.context_id && e.state === undefined)).toBe(true);
  });

  it("never shows continuous sensors, nor a state row that changes nothing", () => {
    const continuous = new Set(
      home.states.filter((s) => "unit_of_measurement" in s.attributes).map((s) => s.entity_id),
    );
    expect(continuous.size).toBeGreaterThan(0);
    expect(home.logbook.some((e) => continuous.has(e.entity_id!))).toBe(false);
    const last = new Map<string, string>();
    const repeated = home.logbook.filter((e) => {
      if (e.domain !== undefined) return false;
      const same = last.get(e.entity_id!) === e.state;
      last.set(e.entity_id!, e.state!);
      return same;
    });
    expect(repeated).toEqual([]);
  });

  it("ends in the states get_states gives", () => {
    const last = new Map(home.logbook.filter((e) => e.domain === undefined).map((e) => [e.entity_id, e.state]));
    for (const s of home.states) if (last.has(s.entity_id)) expect(s.state).toBe(last.get(s.entity_id));
  });
});

describe("generateHome: planted routines", () => {
  it("plants 6 time-of-day routines and 4 sequences, weekday, weekend and daily ones, one near midnight", () => {
    const times = home.planted.filter((p) => p.kind === "time_of_day");
    expect(times).toHaveLength(6);
    expect(home.planted.filter((p) => p.kind === "sequence")).toHaveLength(4);
    expect(new Set(times.map((p) => p.dayClass))).toEqual(new Set(["weekdays", "weekends", "daily"]));
    expect(times.some((p) => p.minute >= 23 * 60 + 40)).toBe(true);
    for (const p of times) {
      expect(p.spreadMinutes).toBeGreaterThanOrEqual(3);
      expect(p.spreadMinutes).toBeLessThanOrEqual(15);
    }
    for (const p of home.planted) expect(p.probability).toBeGreaterThanOrEqual(0.75);
  });

  it("does each time routine by hand at its local time, on its days, on most eligible days", () => {
    for (const h of [home, wallHome]) {
      for (const p of h.planted) {
        if (p.kind !== "time_of_day") continue;
        expect(p.executions.length).toBeGreaterThanOrEqual(p.dayClass === "weekends" ? 5 : 12);
        for (const when of p.executions) {
          const local = localMinuteOf(when * 1000, h.timeZone);
          const offset = circular(local, p.minute);
          expect(Math.abs(offset)).toBeLessThanOrEqual(2.5 * p.spreadMinutes + 1);
          const day = localDayOf(when * 1000 - offset * 60_000, h.timeZone);
          const weekend = day.weekday === 0 || day.weekday === 6;
          if (p.dayClass !== "daily") expect(weekend).toBe(p.dayClass === "weekends");
          const row = rowAt(h, when, p.change.entityId);
          expect(row.context_domain ?? "wall").not.toMatch(/automation|script/);
        }
      }
    }
  });

  it("does the midnight routine on both sides of midnight", () => {
    const midnight = home.planted.find((p) => p.kind === "time_of_day" && p.minute > 23 * 60)!;
    const minutes = midnight.executions.map((w) => localMinuteOf(w * 1000, "UTC"));
    expect(minutes.some((m) => m < 60)).toBe(true);
    expect(minutes.some((m) => m > 23 * 60)).toBe(true);
  });

  it("plants local times: in Berlin the kitchen light routine is an hour off in UTC", () => {
    const routine = wallHome.planted.find((p) => p.kind === "time_of_day" && p.change.entityId === "light.kitchen")!;
    const utc = routine.executions.map((w) =>
      circular(localMinuteOf(w * 1000, "UTC"), routine.kind === "time_of_day" ? routine.minute : 0),
    );
    const mean = utc.reduce((a, b) => a + b, 0) / utc.length;
    expect(mean).toBeGreaterThan(-60 - 10);
    expect(mean).toBeLessThan(-60 + 10);
  });

  it("does each sequence's action by hand a few seconds after its trigger", () => {
    for (const p of home.planted) {
      if (p.kind !== "sequence") continue;
      expect(p.executions.length).toBeGreaterThan(15);
      const triggers = rowsOf(home, p.trigger.entityId).filter((e) => e.state === p.trigger.to);
      for (const when of p.executions) {
        const before = triggers.filter((t) => t.when < when).at(-1)!;
        expect(when - before.when).toBeGreaterThanOrEqual(p.delaySeconds * 0.6);
        expect(when - before.when).toBeLessThanOrEqual(p.delaySeconds * 1.4);
      }
    }
    const door = home.planted.find((p) => p.kind === "sequence" && p.trigger.entityId.startsWith("binary_sensor."))!;
    expect(door.kind === "sequence" && door.delaySeconds).toBeGreaterThanOrEqual(5);
  });

  it("respects the wall-switch share: no context keys on that share of executions", () => {
    const share = (h: GeneratedHome): number => {
      const rows = h.planted.flatMap((p) =>
        p.executions.map((w) => rowAt(h, w, p.kind === "sequence" ? p.action.entityId : p.change.entityId)),
      );
      return rows.filter((r) => !hasContext(r)).length / rows.length;
    };
    expect(share(home)).toBeGreaterThan(0.4);
    expect(share(home)).toBeLessThan(0.6);
    expect(share(wallHome)).toBeGreaterThan(0.82);
  });

  it("marks an app action with the person's user and a voice action with HA Cloud's user", () => {
    const people = new Set(home.people.map((p) => p.userId));
    const cloud = userId(home, "Home Assistant Cloud");
    const rows = home.planted.flatMap((p) =>
      p.executions.map((w) => rowAt(home, w, p.kind === "sequence" ? p.action.entityId : p.change.entityId)),
    );
    const users = rows.filter((r) => r.context_user_id !== undefined).map((r) => r.context_user_id!);
    expect(users.some((u) => people.has(u))).toBe(true);
    expect(users.some((u) => u === cloud)).toBe(true);
    expect(users.every((u) => people.has(u) || u === cloud)).toBe(true);
  });

  it("writes a scene a person turned on (never at a wall switch), and the lights it changed in its context", () => {
    const scenes = rowsOf(wallHome, "scene.good_morning");
    expect(scenes.length).toBeGreaterThan(4);
    expect(scenes.every((e) => e.context_user_id !== undefined)).toBe(true);
    const scene = rowsOf(home, "scene.good_morning")[0]!;
    expect(scene.state).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(scene).toMatchObject({
      context_event_type: "call_service",
      context_domain: "scene",
      context_service: "turn_on",
    });
    const light = home.logbook.find((e) => e.entity_id === "light.living_room" && e.when > scene.when)!;
    expect(light).toMatchObject({ state: "on", context_domain: "scene", context_user_id: scene.context_user_id });
  });
});

describe("generateHome: confounders", () => {
  it("marks what automations did, after their automation_triggered row", () => {
    const porch = rowsOf(home, "light.porch");
    expect(porch.length).toBeGreaterThan(40);
    expect(
      porch.every((e) => e.context_event_type === "automation_triggered" && e.context_domain === "automation"),
    ).toBe(true);
    expect(porch[0]).toMatchObject({
      context_entity_id: "automation.porch_light_on_in_the_evening",
      context_source: "time",
    });
    const triggered = home.logbook.find((e) => e.entity_id === "automation.stairs_light_on_motion")!;
    expect(triggered).toMatchObject({
      name: "Stairs light on motion",
      message: "triggered by state of binary_sensor.stairs_motion",
      domain: "automation",
      context_id: expect.any(String),
      context_entity_id: "binary_sensor.stairs_motion",
      context_state: "on",
    });
    expect(rowsOf(home, "light.stairs").every((e) => e.context_name?.startsWith("Stairs light"))).toBe(true);
    expect(home.automations.map((a) => a.id)).toHaveLength(4);
    const entity = home.entities.find((e) => e.entity_id === "automation.stairs_light_on_motion")!;
    expect(entity).toMatchObject({ platform: "automation", unique_id: home.automations[2]!.id });
  });

  it("marks what the script did, and what an app did as the Supervisor user", () => {
    expect(home.logbook.find((e) => e.entity_id === "script.morning_heating")).toMatchObject({
      message: "started",
      domain: "script",
    });
    const heating = rowsOf(home, "climate.living_room").filter((e) => e.state === "heat");
    expect(heating.every((e) => e.context_domain === "script" && e.context_event_type === "script_started")).toBe(true);
    const irrigation = rowsOf(home, "switch.garden_irrigation");
    expect(irrigation.length).toBeGreaterThanOrEqual(54);
    expect(
      irrigation.every(
        (e) => e.context_user_id === userId(home, "Supervisor") && e.context_event_type === "call_service",
      ),
    ).toBe(true);
  });

  it("lets chatter change by itself, with no context keys, as most of the volume", () => {
    const chatter = new Set(home.confounders.find((c) => c.kind === "chatter")!.entityIds);
    const rows = home.logbook.filter((e) => chatter.has(e.entity_id!));
    expect(rows.length / home.logbook.length).toBeGreaterThan(0.8);
    expect(rows.some(hasContext)).toBe(false);
  });

  it("does one-offs at most twice, and the stopped routine only before three weeks ago", () => {
    for (const entityId of home.confounders.find((c) => c.kind === "one_off")!.entityIds)
      expect(rowsOf(home, entityId).length).toBeLessThanOrEqual(2);
    const stopped = rowsOf(home, "switch.coffee_machine");
    expect(stopped.filter((e) => e.state === "on").length).toBeGreaterThanOrEqual(4);
    const cutoff = NOW.getTime() / 1000 - 21 * 86_400;
    expect(stopped.every((e) => e.when < cutoff + 5 * 3600)).toBe(true);
  });

  it("leaves confounders out when asked, keeping the routines", () => {
    const quiet = generateHome({ seed: 7, now: NOW, confounders: false });
    expect(quiet.confounders).toEqual([]);
    expect(quiet.automations).toEqual([]);
    expect(quiet.logbook.length).toBeLessThan(3000);
    const some = generateHome({
      seed: 7,
      now: NOW,
      days: 3,
      confounders: { chatter: false },
      routines: { timeOfDay: 10, sequence: 5 },
    });
    expect(some.confounders.map((c) => c.kind)).not.toContain("chatter");
    expect(some.planted).toHaveLength(15);
  });
});
