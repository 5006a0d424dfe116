import type { HomeRegistry, LogbookEntry } from "../../src/mining/home-data";
import { LocalClock } from "../../src/mining/local-time";

/** Users of the small test home: two people, the connection's own user, and HA's system users. */
export const USERS = {
  anna: "u-anna",
  ben: "u-ben",
  own: "u-node-red",
  supervisor: "u-supervisor",
  cloud: "u-cloud",
};

/** A small home: kitchen and hallway, a few devices, names and users as Home Assistant gives them. */
export function smallHome(overrides: Partial<HomeRegistry> = {}): HomeRegistry {
  return {
    areas: [
      { area_id: "kitchen", name: "Kitchen" },
      { area_id: "hallway", name: "Hallway" },
    ],
    devices: [
      { id: "dev-kitchen-light", area_id: "kitchen", name: "Kitchen light", name_by_user: null },
      { id: "dev-hall-light", area_id: "hallway", name: "Hall light", name_by_user: null },
      { id: "dev-front-door", area_id: "hallway", name: "Front door sensor", name_by_user: null },
    ],
    entities: [
      { entity_id: "light.kitchen", device_id: "dev-kitchen-light", area_id: null, platform: "hue" },
      { entity_id: "light.hallway", device_id: "dev-hall-light", area_id: null, platform: "hue" },
      { entity_id: "binary_sensor.front_door", device_id: "dev-front-door", area_id: null, platform: "zha" },
      { entity_id: "switch.coffee", device_id: null, area_id: "kitchen", platform: "shelly" },
      { entity_id: "input_boolean.guest_mode", device_id: null, area_id: null, platform: "input_boolean" },
    ],
    names: {
      "light.kitchen": "Kitchen light",
      "light.hallway": "Hallway light",
      "binary_sensor.front_door": "Front door",
      "switch.coffee": "Coffee machine",
      "input_boolean.guest_mode": "Guest mode",
    },
    deviceClasses: { "binary_sensor.front_door": "door" },
    ownUserId: USERS.own,
    users: [
      { id: USERS.anna, name: "Anna" },
      { id: USERS.ben, name: "Ben" },
      { id: USERS.own, name: "Node-RED" },
      { id: USERS.supervisor, name: "Supervisor", system_generated: true },
      { id: USERS.cloud, name: "Home Assistant Cloud", system_generated: true },
    ],
    timeZone: "UTC",
    ...overrides,
  };
}

/** Who makes a change, as the logbook's context keys show it. */
export type Actor =
  | { by: "wall" }
  | { by: "user"; userId: string }
  | { by: "automation"; automation: string }
  | { by: "script"; script: string };

/** A state row as Home Assistant's websocket logbook gives it, caused by `actor`. */
export function row(whenMs: number, entityId: string, state: string, actor: Actor = { by: "wall" }): LogbookEntry {
  const entry: LogbookEntry = { when: whenMs / 1000, entity_id: entityId, state };
  const domain = entityId.slice(0, entityId.indexOf("."));
  switch (actor.by) {
    case "wall":
      return entry;
    case "user":
      return {
        ...entry,
        context_user_id: actor.userId,
        context_event_type: "call_service",
        context_domain: domain,
        context_service: state === "off" ? "turn_off" : "turn_on",
      };
    case "automation":
      return {
        ...entry,
        context_event_type: "automation_triggered",
        context_domain: "automation",
        context_entity_id: actor.automation,
        context_name: "Morning lights",
        context_message: "triggered by time",
        context_source: "time",
      };
    case "script":
      return { ...entry, context_event_type: "script_started", context_domain: "script", context_name: actor.script };
  }
}

/** The epoch ms of a local time on a given local day (days counted back from `now`'s day). */
export function at(now: Date, daysAgo: number, hhmm: string, timeZone = "UTC", jitterMinutes = 0): number {
  const clock = new LocalClock(timeZone);
  const [h, m] = hhmm.split(":").map(Number) as [number, number];
  const dayStartUtc = (clock.day(now.getTime()) - daysAgo) * 86_400_000;
  const guess = dayStartUtc + (h * 60 + m + jitterMinutes) * 60_000;
  return guess - clock.offset(guess);
}

/** Local days back from `now` (1 … days) that are weekdays, weekend days or any. */
export function pastDays(now: Date, days: number, which: "weekdays" | "weekends" | "daily" = "daily"): number[] {
  const clock = new LocalClock("UTC");
  const today = clock.day(now.getTime());
  const out: number[] = [];
  for (let ago = 1; ago <= days; ago++) {
    const weekend = LocalClock.isWeekend(today - ago);
    if (which === "daily" || (which === "weekends") === weekend) out.push(ago);
  }
  return out;
}

/** A deterministic jitter in minutes for day `n` (−spread … +spread). */
export function jitter(n: number, spread: number): number {
  return Math.round(Math.sin(n * 12.9898) * spread);
}
