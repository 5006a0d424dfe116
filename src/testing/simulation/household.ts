import { describeValue, InvalidInputError } from "../../errors";
import type { Features, Label } from "../../feedback/feedback";
import {
  PATTERN_TYPES,
  patternFeatures,
  standardPatternSchema,
  type Pattern,
  type PatternType,
} from "../../features/pattern-features";
import { SeededRandom } from "./random";
import type { LabelledStream } from "./sea";

/** What the simulated household likes; it changes its mind once, from the first to the second. */
export type TasteName = "routines" | "savings";

/**
 * The hidden tastes, as scores over the standard pattern features (approve when > 0), so a model
 * that sees those features can learn them.
 * - routines: likes confident time-of-day and co-occurrence routines that happen often; dislikes
 *   anomalies, deprecated patterns and patterns that drive many devices.
 * - savings: (the household turns to saving energy) likes synergies and seasonal patterns, and
 *   patterns with conditions; dislikes time-of-day routines unless very confident, and patterns
 *   spread over many areas.
 */
const TASTES: Record<TasteName, (f: Features) => number> = {
  routines: (f) =>
    3 * (f.confidence_calibrated - 0.6) +
    (f.pattern_type_time_of_day + f.pattern_type_co_occurrence > 0 ? 0.8 : -0.4) -
    1.5 * f.pattern_type_anomaly +
    (f.occurrence_frequency >= 0.3 ? 0.5 : -0.5) -
    0.4 * Math.max(0, f.device_count_total - 4) -
    2 * f.is_deprecated,
  savings: (f) =>
    2 * (f.confidence_calibrated - 0.5) +
    (f.pattern_type_synergy + f.pattern_type_seasonal > 0 ? 1 : 0) -
    (f.pattern_type_time_of_day > 0 && f.confidence_calibrated < 0.9 ? 1.2 : 0) +
    0.6 * f.metadata_has_conditions -
    0.3 -
    0.5 * Math.max(0, f.area_count - 2) -
    2 * f.is_deprecated,
};

/** Entities of the simulated home, by area. */
const HOME: Record<string, string[]> = {
  kitchen: ["light.kitchen", "switch.coffee_maker", "sensor.kitchen_motion", "switch.dishwasher"],
  living_room: ["light.living_room", "media_player.tv", "climate.living_room", "cover.living_room_blinds"],
  bedroom: ["light.bedroom", "climate.bedroom", "cover.bedroom_blinds"],
  hallway: ["light.hallway", "binary_sensor.front_door", "lock.front_door"],
  office: ["light.office", "switch.monitor", "sensor.office_co2"],
  garden: ["switch.irrigation", "light.garden", "sensor.rain"],
};
const ENTITIES = Object.entries(HOME).flatMap(([area, ids]) => ids.map((id) => ({ id, area })));
const TYPE_WEIGHTS: Record<PatternType, number> = {
  time_of_day: 0.3,
  co_occurrence: 0.25,
  anomaly: 0.15,
  seasonal: 0.15,
  synergy: 0.15,
};
const DAY_MS = 86_400_000;

/** Options of a simulated household. */
export interface HouseholdOptions {
  seed?: number;
  /** Time of the first suggestion (default 2026-01-01T00:00:00Z). */
  start?: Date;
  /** Hours between two suggestions (default 2). */
  hoursBetween?: number;
  /** Share of decisions that go against the taste: moods, mis-taps (default 0.05). */
  noise?: number;
}

/**
 * A household that receives suggested patterns and approves or rejects them by a hidden taste,
 * with a little noise. Deterministic for a seed: usable by tests, the benchmark and a demo.
 */
export class SimulatedHousehold {
  private readonly random: SeededRandom;
  private readonly noise: number;
  private readonly stepMs: number;
  private clock: number;
  private current: TasteName = "routines";
  private count = 0;

  /** A household with the "routines" taste. */
  constructor(options: HouseholdOptions = {}) {
    const noise = options.noise ?? 0.05;
    const hours = options.hoursBetween ?? 2;
    if (typeof noise !== "number" || !(noise >= 0 && noise <= 0.5))
      throw new InvalidInputError("noise", `expected a share between 0 and 0.5, got ${describeValue(noise)}`);
    if (typeof hours !== "number" || !(hours > 0 && Number.isFinite(hours)))
      throw new InvalidInputError("hoursBetween", `expected a positive number, got ${describeValue(hours)}`);
    const start = options.start ?? new Date("2026-01-01T00:00:00Z");
    if (!(start instanceof Date) || !Number.isFinite(start.getTime()))
      throw new InvalidInputError("start", "expected a valid date");
    this.random = new SeededRandom(options.seed ?? 1);
    this.noise = noise;
    this.stepMs = hours * 3_600_000;
    this.clock = start.getTime();
  }

  /** The taste in effect now. */
  get taste(): TasteName {
    return this.current;
  }

  /** Switches to the other taste (or to the one named). */
  changeTaste(taste?: TasteName): void {
    if (taste !== undefined && !Object.hasOwn(TASTES, taste))
      throw new InvalidInputError("taste", `expected routines or savings, got ${describeValue(taste)}`);
    this.current = taste ?? (this.current === "routines" ? "savings" : "routines");
  }

  /** The next suggested pattern and the time it is suggested (time moves on by `hoursBetween`). */
  suggest(): { pattern: Pattern; at: Date } {
    const r = this.random;
    this.count++;
    const at = new Date(this.clock);
    this.clock += this.stepMs;
    const pattern_type = weightedType(r);
    const confidence = round(r.uniform(0.3, 1));
    const deviceCount = Math.min(8, 1 + Math.floor(-Math.log(1 - r.next()) * 1.6));
    const chosen = Array.from({ length: deviceCount }, () => r.pick(ENTITIES));
    const ageDays = r.uniform(1, 180);
    const firstSeen = at.getTime() - ageDays * DAY_MS;
    const lastSeen = at.getTime() - r.uniform(0, Math.min(ageDays, 14)) * DAY_MS;
    const metadata: Record<string, unknown> = { actions: chosen.map((e) => `${e.id.split(".")[0]}.turn_on`) };
    if (r.chance(0.5)) metadata.conditions = [{ condition: "state", entity_id: "person.someone", state: "home" }];
    if (r.chance(0.4)) metadata.hour = r.int(24);
    return {
      at,
      pattern: {
        id: `pattern-${this.count}`,
        pattern_type,
        confidence,
        raw_confidence: round(Math.min(1, Math.max(0, confidence + r.uniform(-0.1, 0.1)))),
        devices: chosen.map((e) => e.id),
        areas: chosen.map((e) => e.area),
        occurrences: Math.round(ageDays * r.uniform(0.05, 2)),
        trend_direction: r.pick(["increasing", "stable", "decreasing"] as const),
        trend_strength: round(r.next()),
        first_seen: new Date(firstSeen).toISOString(),
        last_seen: new Date(lastSeen).toISOString(),
        metadata,
        deprecated: r.chance(0.05),
        needs_review: r.chance(0.1),
        calibrated: r.chance(0.6),
      },
    };
  }

  /** What the taste says about a pattern at a time, without noise. */
  prefers(pattern: Pattern, at: Date): Label {
    return TASTES[this.current](patternFeatures(pattern, at)) > 0 ? 1 : 0;
  }

  /** The household's decision: its taste, against it with probability `noise`. */
  decide(pattern: Pattern, at: Date): Label {
    const label = this.prefers(pattern, at);
    return this.random.chance(this.noise) ? (label === 1 ? 0 : 1) : label;
  }
}

/** A stream of suggested patterns and the household's decisions. */
export interface HouseholdStream extends LabelledStream {
  patterns: Pattern[];
  /** When each pattern was suggested and decided. */
  at: Date[];
}

/**
 * `samples` decisions of a simulated household (default 3,000), whose taste changes from
 * "routines" to "savings" at `changeAt` (default half-way). Features are the standard ones.
 */
export function householdStream(
  options: HouseholdOptions & { samples?: number; changeAt?: number } = {},
): HouseholdStream {
  const samples = options.samples ?? 3000;
  if (!Number.isSafeInteger(samples) || samples < 1)
    throw new InvalidInputError("samples", `expected a whole number ≥ 1, got ${describeValue(samples)}`);
  const changeAt = options.changeAt ?? Math.floor(samples / 2);
  if (!Number.isSafeInteger(changeAt) || changeAt < 0)
    throw new InvalidInputError("changeAt", `expected a whole number ≥ 0, got ${describeValue(changeAt)}`);
  const household = new SimulatedHousehold(options);
  const stream: HouseholdStream = {
    schema: standardPatternSchema,
    X: [],
    y: [],
    concept: [],
    concepts: ["routines", "savings"],
    changes: changeAt < samples ? [{ at: changeAt, kind: "abrupt", width: 1 }] : [],
    patterns: [],
    at: [],
  };
  for (let i = 0; i < samples; i++) {
    if (i === changeAt) household.changeTaste("savings");
    const { pattern, at } = household.suggest();
    stream.patterns.push(pattern);
    stream.at.push(at);
    stream.X.push(standardPatternSchema.vector(patternFeatures(pattern, at)));
    stream.y.push(household.decide(pattern, at));
    stream.concept.push(i < changeAt ? 0 : 1);
  }
  return stream;
}

function weightedType(random: SeededRandom): PatternType {
  let u = random.next();
  const last = PATTERN_TYPES.length - 1;
  for (let i = 0; i < last; i++) {
    u -= TYPE_WEIGHTS[PATTERN_TYPES[i] as PatternType];
    if (u < 0) return PATTERN_TYPES[i] as PatternType;
  }
  return PATTERN_TYPES[last] as PatternType;
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
