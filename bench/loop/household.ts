/**
 * The households of the `loop` section: a home big enough to be asked 100 times, and a hidden
 * taste that answers each suggestion.
 *
 * A generated home holds at most 15 planted routines (the generator's templates), so the miner
 * finds about a dozen: too few for 100 asks, and with no more candidates than asks every ranking
 * asks the same ones. A loop home is therefore made of several generated homes ("wings", each
 * its own seed, entity and area ids prefixed `wN_`), whose pasts start on staggered days: the
 * first wings have weeks of history when the loop starts, later ones move in while it runs, so
 * new routines reach the miner day after day, as in a home whose routines change. Wings leave out
 * integration chatter (a third of a second to mine at most, and the mining section measures it).
 */
import { createHash } from "node:crypto";
import type { Features } from "../../src/feedback/feedback";
import type { HomeRegistry, LogbookEntry } from "../../src/mining/home-data";
import { generateHome } from "../../src/testing/simulation/home-history";
import { SeededRandom } from "../../src/testing/simulation/random";

const DAY_MS = 86_400_000;

/** A loop home: its registries, its logbook (sorted), and when its wings moved in. */
export interface LoopHome {
  seed: number;
  registry: HomeRegistry;
  logbook: LogbookEntry[];
  /** Epoch ms of each wing's first day of history. */
  wingStarts: number[];
}

/** How a loop home is laid out in time (days relative to the loop's first day). */
export interface LoopHomeOptions {
  seed: number;
  /** The loop's first day (epoch ms, midnight UTC). */
  loopStartMs: number;
  /** Days the loop may run; the logbook ends there. */
  loopDays: number;
  /** Wings, and the days between two wings moving in; the first has `historyDays` before the loop. */
  wings: number;
  staggerDays: number;
  historyDays: number;
}

/** Generates the wings and merges them into one home. */
export function buildLoopHome(options: LoopHomeOptions): LoopHome {
  const rng = new SeededRandom(options.seed);
  const end = new Date(options.loopStartMs + options.loopDays * DAY_MS);
  const registry: HomeRegistry = {
    areas: [],
    devices: [],
    entities: [],
    names: {},
    deviceClasses: {},
    ownUserId: null,
    users: [],
    timeZone: "UTC",
  };
  const logbook: LogbookEntry[] = [];
  const wingStarts: number[] = [];
  for (let w = 0; w < options.wings; w++) {
    const startDay = -options.historyDays + w * options.staggerDays;
    if (startDay >= options.loopDays) break;
    wingStarts.push(options.loopStartMs + startDay * DAY_MS);
    const home = generateHome({
      seed: options.seed * 1000 + w,
      days: options.loopDays - startDay,
      now: end,
      entityCount: 60,
      people: 1 + rng.int(4),
      // From mostly app and voice to mostly wall switches: the miner must read both.
      wallSwitchShare: rng.uniform(0.2, 0.9),
      confounders: { chatter: false },
      routines: { timeOfDay: 10, sequence: 5 },
    });
    const prefix = `w${w}_`;
    const entity = (id: string) => id.replace(".", `.${prefix}`);
    const area = (id: string | null) => (id === null ? null : `${prefix}${id}`);
    for (const a of home.areas) registry.areas.push({ ...a, area_id: `${prefix}${a.area_id}` });
    for (const d of home.devices) registry.devices.push({ ...d, area_id: area(d.area_id) });
    for (const e of home.entities)
      registry.entities.push({ ...e, entity_id: entity(e.entity_id), area_id: area(e.area_id) });
    for (const s of home.states) {
      const attributes = (s.attributes ?? {}) as Record<string, unknown>;
      if (typeof attributes.friendly_name === "string") registry.names[entity(s.entity_id)] = attributes.friendly_name;
      if (typeof attributes.device_class === "string")
        (registry.deviceClasses as Record<string, string>)[entity(s.entity_id)] = attributes.device_class;
    }
    registry.users?.push(...home.users);
    for (const row of home.logbook) {
      const renamed: LogbookEntry = { ...row };
      if (row.entity_id !== undefined) renamed.entity_id = entity(row.entity_id);
      if (row.context_entity_id !== undefined) renamed.context_entity_id = entity(row.context_entity_id);
      logbook.push(renamed);
    }
  }
  logbook.sort((a, b) => a.when - b.when);
  return { seed: options.seed, registry, logbook, wingStarts };
}

/** The hidden tastes; each is a rule over the 25 standard features, so a model of those features can learn it. */
export type TasteName = "sequences" | "scheduled" | "confident" | "daily";

/**
 * What each taste wants. The standard features carry the pattern type, whether it has a
 * condition (a weekday or weekend routine does), the miner's confidence, how often it happens,
 * devices and areas, age and recency, but not the entity's domain or its name: a household that
 * wants its lights and not its locks would be unlearnable from them, so no taste reads those.
 * - sequences: "when this happens, do that" (co-occurrence) routines, not fixed times;
 * - scheduled: time-of-day routines kept to weekdays or weekends (they carry a condition);
 * - confident: routines the miner is sure of and that happen most days (confidence ≥ 0.85 and
 *   at least 0.6 a day): the taste confidence ordering serves best;
 * - daily: every-day time-of-day routines (one device, no condition).
 */
export const TASTES: Record<TasteName, (f: Features) => boolean> = {
  sequences: (f) => f.pattern_type_co_occurrence === 1,
  scheduled: (f) => f.pattern_type_time_of_day === 1 && f.metadata_has_conditions === 1,
  confident: (f) => f.confidence_calibrated >= 0.85 && f.occurrence_frequency >= 0.6,
  daily: (f) => f.pattern_type_time_of_day === 1 && f.metadata_has_conditions === 0,
};

/** Tastes in the order homes take them (home i has TASTE_ORDER[i % 4]). */
export const TASTE_ORDER: readonly TasteName[] = ["sequences", "scheduled", "confident", "daily"];

/** Share of answers that go against the taste: a mood, a mis-tap. */
export const ANSWER_NOISE = 0.1;

/**
 * The household's answer to a suggestion: its taste, flipped for ANSWER_NOISE of the suggestions.
 * Whether a suggestion is flipped depends on the home and the pattern id only, so the household
 * gives the same answer to the same suggestion whichever ranking asked it.
 */
export function answer(taste: TasteName, features: Features, homeSeed: number, patternId: string): boolean {
  const wants = TASTES[taste](features);
  return flipped(homeSeed, patternId) ? !wants : wants;
}

/** True for about ANSWER_NOISE of (home, pattern) pairs: a hash, uniform and reproducible. */
export function flipped(homeSeed: number, patternId: string): boolean {
  const digest = createHash("sha256").update(`${homeSeed}|${patternId}`).digest();
  return digest.readUInt32BE(0) / 4294967296 < ANSWER_NOISE;
}
