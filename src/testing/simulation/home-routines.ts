import type { Change, DayClass } from "../../mining/routine";
import { DOMAIN_STATES, serviceFor } from "./home-catalog";
import type { LogbookWriter, Via, WrittenRow } from "./home-logbook";
import { isWeekend, type LocalDay, localToEpochMs } from "./local-time";
import type { SeededRandom } from "./random";

/**
 * The household's routines, planted by hand (a person at a wall switch, in the app, or by voice):
 * time-of-day routines (the same change at about the same local time on eligible days) and
 * sequences (a person's change a few seconds after a trigger), plus the noise that surrounds them
 * in a real home: whatever a routine turned on is turned off again later, at a random time.
 */

/** Ground truth: a routine the household really has, planted in the logbook by hand. */
export type PlantedRoutine = (
  | {
      kind: "time_of_day";
      change: Change;
      /** Local minute of day of the routine's centre. */
      minute: number;
      /** Standard deviation of the times around the centre, in minutes. */
      spreadMinutes: number;
      dayClass: DayClass;
      probability: number;
      by: Via[];
    }
  | {
      kind: "sequence";
      trigger: Change;
      action: Change;
      delaySeconds: number;
      probability: number;
      by: Via[];
    }
) & {
  /** Epoch seconds of each time it was done that is in the logbook (for a sequence: the action's). */
  executions: number[];
};

/** What planting needs to know about the home and its window. */
export interface Past {
  rng: SeededRandom;
  writer: LogbookWriter;
  /** The local days of the window, oldest first. */
  days: LocalDay[];
  timeZone: string;
  /** Epoch seconds of the window's start and end. */
  start: number;
  end: number;
  personUserIds: string[];
  wallSwitchShare: number;
  /** Entities a scene changes, by scene id. */
  sceneEntities: Map<string, string[]>;
}

const TIME_TEMPLATES: { change: Change; minute: number; spread: number; dayClass: DayClass }[] = [
  { change: { entityId: "lock.front_door", to: "locked" }, minute: 23 * 60 + 50, spread: 8, dayClass: "daily" },
  { change: { entityId: "light.kitchen", to: "on" }, minute: 6 * 60 + 45, spread: 5, dayClass: "weekdays" },
  {
    change: { entityId: "scene.good_morning", to: "activated" },
    minute: 8 * 60 + 30,
    spread: 12,
    dayClass: "weekends",
  },
  { change: { entityId: "cover.bedroom_blinds", to: "open" }, minute: 7 * 60 + 5, spread: 8, dayClass: "weekdays" },
  { change: { entityId: "climate.bathroom", to: "heat" }, minute: 6 * 60 + 20, spread: 4, dayClass: "daily" },
  { change: { entityId: "light.bedside", to: "on" }, minute: 22 * 60 + 40, spread: 10, dayClass: "daily" },
  {
    change: { entityId: "media_player.kitchen_speaker", to: "on" },
    minute: 7 * 60 + 15,
    spread: 7,
    dayClass: "weekdays",
  },
  { change: { entityId: "light.office", to: "on" }, minute: 8 * 60 + 55, spread: 9, dayClass: "weekdays" },
  { change: { entityId: "fan.bedroom", to: "on" }, minute: 23 * 60 + 15, spread: 12, dayClass: "daily" },
  { change: { entityId: "switch.kettle", to: "on" }, minute: 9 * 60 + 10, spread: 15, dayClass: "weekends" },
];

const SEQUENCE_TEMPLATES: { trigger: Change; action: Change; delay: number }[] = [
  {
    trigger: { entityId: "binary_sensor.front_door", to: "on" },
    action: { entityId: "light.hallway", to: "on" },
    delay: 8,
  },
  {
    trigger: { entityId: "binary_sensor.bathroom_motion", to: "on" },
    action: { entityId: "fan.bathroom", to: "on" },
    delay: 60,
  },
  {
    trigger: { entityId: "input_boolean.movie_mode", to: "on" },
    action: { entityId: "media_player.living_room_tv", to: "on" },
    delay: 15,
  },
  {
    trigger: { entityId: "binary_sensor.garage_door", to: "on" },
    action: { entityId: "light.garage", to: "on" },
    delay: 5,
  },
  {
    trigger: { entityId: "lock.back_door", to: "unlocked" },
    action: { entityId: "light.garden", to: "on" },
    delay: 90,
  },
];

/** How many routines of each kind can be planted (one entity, one routine). */
export const MAX_ROUTINES = { timeOfDay: TIME_TEMPLATES.length, sequence: SEQUENCE_TEMPLATES.length };

/**
 * A person's way of doing something: a wall switch with the home's share, else the app or voice.
 * A scene has no wall switch of its own (a button that starts one goes through an automation).
 */
export function pickVia(past: Past, entityId = ""): Via {
  if (past.personUserIds.length === 0) return "wall";
  if (!entityId.startsWith("scene.") && past.rng.chance(past.wallSwitchShare)) return "wall";
  return past.rng.chance(0.75) ? "app" : "voice";
}

/** A person's change (any way), returning its row. */
export function personChange(
  past: Past,
  when: number,
  entityId: string,
  to: string,
  via = pickVia(past, entityId),
): WrittenRow {
  const userId = past.personUserIds.length === 0 ? "" : past.rng.pick(past.personUserIds);
  const domain = entityId.split(".")[0]!;
  if (domain === "scene") {
    const changes = (past.sceneEntities.get(entityId) ?? []).map((id): [string, string] => [id, active(id)]);
    return past.writer.scene(when, entityId, changes, via, userId);
  }
  return past.writer.byPerson(when, entityId, to, via, userId, serviceFor(domain, to));
}

/** The state a routine takes an entity to (the domain's active one). */
function active(entityId: string): string {
  return DOMAIN_STATES[entityId.split(".")[0]!]?.[0] ?? "on";
}

/** The state that undoes a change. */
export function undo(change: Change): string {
  const states = DOMAIN_STATES[change.entityId.split(".")[0]!];
  if (states === undefined) return "off";
  return states[0] === change.to ? states[1] : states[0];
}

/** Whether a local day belongs to a day class. */
export function eligible(day: LocalDay, dayClass: DayClass): boolean {
  return dayClass === "daily" || (dayClass === "weekends") === isWeekend(day);
}

/** A person's routine at a local time, with the noise that undoes it later; `until` ends it early (epoch s). */
export function plantTimeRoutine(
  past: Past,
  template: { change: Change; minute: number; spread: number; dayClass: DayClass },
  probability: number,
  until = Number.POSITIVE_INFINITY,
): { rows: WrittenRow[]; by: Set<Via> } {
  const { rng } = past;
  const rows: WrittenRow[] = [];
  const by = new Set<Via>();
  for (const day of past.days) {
    if (!eligible(day, template.dayClass) || !rng.chance(probability)) continue;
    const offset = Math.max(-2.5, Math.min(2.5, rng.normal())) * template.spread;
    const when = localToEpochMs(day, template.minute + offset, past.timeZone) / 1000 + rng.uniform(0, 59);
    if (when <= past.start || when > until) continue;
    const via = pickVia(past, template.change.entityId);
    by.add(via);
    rows.push(personChange(past, when, template.change.entityId, template.change.to, via));
    undoLater(past, when, template.change);
  }
  return { rows, by };
}

/** Someone undoes a routine's change at a random later time (a lock: the next morning). */
function undoLater(past: Past, when: number, change: Change): void {
  const { rng } = past;
  const ids = change.entityId.startsWith("scene.")
    ? (past.sceneEntities.get(change.entityId) ?? [])
    : [change.entityId];
  for (const entityId of ids) {
    const later = entityId.startsWith("lock.") ? rng.uniform(6, 10) * 3600 : rng.uniform(20 * 60, 4 * 3600);
    const target = entityId === change.entityId ? change : { entityId, to: active(entityId) };
    personChange(past, when + later, entityId, undo(target));
  }
}

/** Plants the time-of-day routines: the first is always near midnight, so time of day must be circular. */
export function plantTimeRoutines(past: Past, count: number): { planted: PlantedRoutine[]; rows: WrittenRow[][] } {
  const { rng } = past;
  const rows: WrittenRow[][] = [];
  const planted = TIME_TEMPLATES.slice(0, count).map((template, i): PlantedRoutine => {
    const minute = i === 0 ? template.minute : template.minute + Math.round(rng.uniform(-15, 15));
    const spread = i === 0 ? template.spread : Math.round(rng.uniform(3, 15));
    const probability = Math.round(rng.uniform(0.75, 0.95) * 100) / 100;
    const done = plantTimeRoutine(past, { ...template, minute, spread }, probability);
    rows.push(done.rows);
    return {
      kind: "time_of_day",
      change: template.change,
      minute,
      spreadMinutes: spread,
      dayClass: template.dayClass,
      probability,
      by: [...done.by].sort(),
      executions: [],
    };
  });
  return { planted, rows };
}

/**
 * Plants the sequences: a door or motion sensor opens by itself (or a person flips the trigger)
 * 1–4 times a day in waking hours, and with the routine's probability a person makes the action
 * change after the delay, with some jitter; later someone undoes both.
 */
export function plantSequences(past: Past, count: number): { planted: PlantedRoutine[]; rows: WrittenRow[][] } {
  const { rng, writer } = past;
  const rows: WrittenRow[][] = [];
  const planted = SEQUENCE_TEMPLATES.slice(0, count).map((template): PlantedRoutine => {
    const delay = Math.max(5, Math.min(120, Math.round(template.delay * rng.uniform(0.8, 1.25))));
    const probability = Math.round(rng.uniform(0.75, 0.95) * 100) / 100;
    const by = new Set<Via>();
    const actions: WrittenRow[] = [];
    const sensor = template.trigger.entityId.startsWith("binary_sensor.");
    for (const day of past.days) {
      // A sensor opens 1–4 times a day; a person's switch at most once, in the evening.
      const times = sensor
        ? Array.from({ length: 1 + rng.int(4) }, () => rng.uniform(7 * 60, 22.5 * 60)).sort((a, b) => a - b)
        : rng.chance(0.8)
          ? [rng.uniform(18 * 60, 21.5 * 60)]
          : [];
      for (const minute of times) {
        const when = localToEpochMs(day, minute, past.timeZone) / 1000;
        if (when <= past.start) continue;
        const { entityId } = template.trigger;
        let trigger: WrittenRow;
        if (sensor) {
          // The sensor changes by itself: no context keys.
          trigger = writer.state(when, entityId, "on", writer.newContext(when));
          writer.state(when + rng.uniform(10, 90), entityId, "off", writer.newContext(when));
        } else {
          trigger = personChange(past, when, entityId, template.trigger.to);
          personChange(past, when + rng.uniform(30 * 60, 2 * 3600), entityId, undo(template.trigger));
        }
        if (!rng.chance(probability)) continue;
        const at = when + Math.max(2, delay * (1 + 0.15 * Math.max(-2, Math.min(2, rng.normal()))));
        const via = pickVia(past);
        by.add(via);
        const action = personChange(past, at, template.action.entityId, template.action.to, via);
        action.after = trigger;
        actions.push(action);
        personChange(past, at + rng.uniform(3 * 60, 40 * 60), template.action.entityId, undo(template.action));
      }
    }
    rows.push(actions);
    return {
      kind: "sequence",
      trigger: template.trigger,
      action: template.action,
      delaySeconds: delay,
      probability,
      by: [...by].sort(),
      executions: [],
    };
  });
  return { planted, rows };
}
