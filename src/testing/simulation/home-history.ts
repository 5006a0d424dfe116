import type {
  AreaEntry,
  AutomationConfig,
  DeviceEntry,
  EntityEntry,
  HomeUser,
  LogbookEntry,
} from "../../mining/home-data";
import { personState, type SimulatedPerson, type SimulatedState } from "../ha-simulator/home";
import { plantConfounders } from "./home-confounders";
import { buildLayout } from "./home-layout";
import { LogbookWriter } from "./home-logbook";
import { MAX_ROUTINES, type Past, type PlantedRoutine, plantSequences, plantTimeRoutines } from "./home-routines";
import { checkTimeZone, type LocalDay, localDayOf, localToEpochMs, nextLocalDay } from "./local-time";
import { SeededRandom } from "./random";

/**
 * A simulated home with a past: the registries, users and states of a household, and weeks of
 * its logbook in Home Assistant's exact shape, with the ground truth of what a routine miner
 * should find and what it must never suggest.
 *
 * Planted (by people, `planted`): time-of-day routines (one at 23:50 ± 8 min, so time must be
 * circular; weekday-only, weekend-only and daily ones; spreads 3–15 min, a normal spread clipped
 * at 2.5 σ; done on 75–95 % of eligible days) and sequences (a door or motion sensor opening by
 * itself 1–4 times a day, or a person's switch once an evening, then a person's change 5–120 s
 * later, ±15 % jitter). Each execution is done at a wall switch (no context keys) with the
 * `wallSwitchShare`, else in the app (a person's user, 3 in 4) or by voice (HA Cloud's user).
 * `executions` lists the logbook times of each; a change that found the entity already in its
 * state is not a logbook row, so it is not an execution either.
 *
 * Confounders (`confounders`, never to be suggested): automations at a fixed time (porch light)
 * and on motion (stairs light), a script run daily (morning heating), an app acting daily as the
 * Supervisor user (garden irrigation), chatter (sensors, phones and the sun changing by themselves
 * every few minutes, no context keys: ~97 % of the ~100,000 rows of 28 days × 150 entities),
 * one-off person actions (done once or twice), and a daily routine that stopped 3 weeks before
 * `now`. Continuous sensors (a unit or state class) exist but are never in the logbook.
 * Noise: whatever a routine changed, someone undoes at a random later time (a sequence's action
 * 3–40 min later, a time routine's 20 min–4 h later, a lock the next morning).
 */

/** What kind of thing must never become a suggestion. */
export type ConfounderKind = "automation" | "script" | "supervisor" | "chatter" | "one_off" | "stopped";

/** Ground truth: changes a miner must not suggest, and why. */
export interface Confounder {
  kind: ConfounderKind;
  entityIds: string[];
  description: string;
}

export type { PlantedRoutine } from "./home-routines";

/** How to generate a home; only `seed` is required. */
export interface HomeHistoryOptions {
  seed: number;
  /** Length of the past, in days (default 28). */
  days?: number;
  /** The end of the past (default: now, to the minute; pass one for a reproducible home). */
  now?: Date;
  /** About this many entities (default 150; never fewer than the ~60 every home has). */
  entityCount?: number;
  /** Person entities (default 3; the first is the owner; from the fourth on, children without a login). */
  people?: number;
  /** Share of a routine's executions done at a wall switch (0 … 1, default 0.5; a "wall-switch home": 0.85+). */
  wallSwitchShare?: number;
  /** IANA time zone the household lives in (default "UTC"): planted minutes are local. */
  timeZone?: string;
  /** Which confounders to include (default all); `false` for none. */
  confounders?: boolean | Partial<Record<ConfounderKind, boolean>>;
  /** How many routines to plant (default 6 time-of-day, 4 sequences; at most 10 and 5). */
  routines?: { timeOfDay?: number; sequence?: number };
}

/** A generated home: what Home Assistant would serve, and the ground truth behind it. */
export interface GeneratedHome {
  seed: number;
  timeZone: string;
  /** The end of the past: the logbook stops here. */
  now: Date;
  areas: AreaEntry[];
  devices: DeviceEntry[];
  entities: EntityEntry[];
  /** Current states in `get_states` shape (person entities included). */
  states: SimulatedState[];
  users: HomeUser[];
  people: SimulatedPerson[];
  /** The logbook, sorted by `when` (epoch seconds). */
  logbook: LogbookEntry[];
  /** Each logbook entry's context id (HA sends it only on described events; `get_events` filters by it). */
  logbookContextIds: string[];
  /** The automations the home already has, with their ids. */
  automations: AutomationConfig[];
  planted: PlantedRoutine[];
  confounders: Confounder[];
}

/** Generates a home with a past, the same for the same options. */
export function generateHome(options: HomeHistoryOptions): GeneratedHome {
  const days = options.days ?? 28;
  const timeZone = options.timeZone ?? "UTC";
  checkTimeZone(timeZone);
  const now = options.now ?? new Date(Math.floor(Date.now() / 60_000) * 60_000);
  const on = (kind: ConfounderKind): boolean =>
    typeof options.confounders === "object" ? options.confounders[kind] !== false : options.confounders !== false;
  const rng = new SeededRandom(options.seed);
  const layout = buildLayout(rng, options.entityCount ?? 150, options.people ?? 3);
  const { specs } = layout;
  const end = now.getTime() / 1000;
  const start = end - days * 86_400;
  const writer = new LogbookWriter(rng, { cloud: layout.cloudUserId });
  const localDays: LocalDay[] = [];
  for (let d = localDayOf(start * 1000, timeZone); localToEpochMs(d, 0, timeZone) < end * 1000; d = nextLocalDay(d))
    localDays.push(d);
  const sceneEntities = new Map<string, string[]>();
  for (const spec of specs.values())
    if (spec.entityId.startsWith("scene.")) sceneEntities.set(spec.entityId, spec.attributes.entity_id as string[]);
  const past: Past = {
    rng,
    writer,
    days: localDays,
    timeZone,
    start,
    end,
    personUserIds: layout.personUserIds,
    wallSwitchShare: options.wallSwitchShare ?? 0.5,
    sceneEntities,
  };

  const times = plantTimeRoutines(past, Math.min(options.routines?.timeOfDay ?? 6, MAX_ROUTINES.timeOfDay));
  const sequences = plantSequences(past, Math.min(options.routines?.sequence ?? 4, MAX_ROUTINES.sequence));
  const plantedEntities = [...times.planted, ...sequences.planted]
    .flatMap(routineEntities)
    .flatMap((id) => [id, ...(sceneEntities.get(id) ?? [])]);
  const { confounders, automations } = plantConfounders(past, layout, on, plantedEntities);

  const initial = new Map([...specs.values()].map((s) => [s.entityId, s.initial]));
  const finished = writer.finish(initial, end);
  for (const [planted, rows] of [
    ...times.planted.map((p, i) => [p, times.rows[i]!] as const),
    ...sequences.planted.map((p, i) => [p, sequences.rows[i]!] as const),
  ])
    planted.executions = rows.filter((r) => r.kept && r.after?.kept !== false).map((r) => r.entry.when);

  const states: SimulatedState[] = [...specs.values()].map((spec) => {
    const last = finished.last.get(spec.entityId);
    const changed = new Date((last?.entry.when ?? start - 3600) * 1000).toISOString();
    return {
      entity_id: spec.entityId,
      state: last?.entry.state ?? spec.initial,
      attributes: spec.attributes,
      last_changed: changed,
      last_updated: changed,
      context: {
        id: last?.contextId ?? writer.newContext(start),
        parent_id: null,
        user_id: last?.entry.context_user_id ?? null,
      },
    };
  });
  for (const person of layout.people) {
    const [entityId, state, attributes] = personState(person);
    const index = states.findIndex((s) => s.entity_id === entityId);
    if (index >= 0) states[index] = { ...states[index]!, state, attributes };
  }
  return {
    seed: options.seed,
    timeZone,
    now,
    areas: layout.areas,
    devices: layout.devices,
    entities: layout.entities,
    states,
    users: layout.users,
    people: layout.people,
    logbook: finished.logbook,
    logbookContextIds: finished.contextIds,
    automations,
    planted: [...times.planted, ...sequences.planted],
    confounders,
  };
}

/** The entities a planted routine changes. */
function routineEntities(routine: PlantedRoutine): string[] {
  return routine.kind === "time_of_day"
    ? [routine.change.entityId]
    : [routine.trigger.entityId, routine.action.entityId];
}
