import type { Pattern } from "../features/pattern-features";
import type { AutomationConfig } from "./home-data";

/** Which days a time-of-day routine happens on. */
export type DayClass = "weekdays" | "weekends" | "daily";

/** A change an entity makes: the entity and the state it goes to. */
export interface Change {
  entityId: string;
  /** The state it goes to; for scenes, scripts and buttons (whose state is a time) "activated". */
  to: string;
}

/** What a routine's evidence says, shared by both kinds. */
export interface RoutineEvidence {
  /** Times it was done by a person (a person's action or a wall switch). */
  occurrences: number;
  /** Distinct local days it was done on. */
  days: number;
  /** Eligible days in the window (weekdays for a weekday routine, …) since it was first seen. */
  eligibleDays: number;
  /** Epoch milliseconds of the first and the last time. */
  firstSeen: number;
  lastSeen: number;
  /** Occurrences in the window's second half against its first (-1 … 1); + increasing, − fading. */
  trend: number;
  /** 0 … 1: see the miner's documentation of how confidence is computed. */
  confidence: number;
}

/** The same entity to the same state at a consistent local time on enough days. */
export interface TimeOfDayRoutine extends RoutineEvidence {
  kind: "time_of_day";
  change: Change;
  /** Local minute of day of the routine's centre (circular mean), 0 … 1439. */
  minute: number;
  /** Circular standard deviation of the times, in minutes. */
  spreadMinutes: number;
  dayClass: DayClass;
}

/** B follows A within a window: A is the trigger, B the action a person takes. */
export interface SequenceRoutine extends RoutineEvidence {
  kind: "sequence";
  trigger: Change;
  action: Change;
  /** Of the trigger's occurrences, the share followed by the action within the window. */
  support: number;
  /** P(action within the window | trigger). */
  sequenceConfidence: number;
  /** How much likelier the action is after the trigger than at a random moment. */
  lift: number;
  /** Median and interquartile spread of the delay, in seconds. */
  delaySeconds: number;
  delaySpreadSeconds: number;
}

/** One routine the miner found. */
export type Routine = TimeOfDayRoutine | SequenceRoutine;

/**
 * A mined routine as a pattern object: the standard shape the features read (`pattern_type`,
 * `confidence`, `devices` with device ids, `areas` with area ids, `occurrences`, `first_seen`,
 * `last_seen`, trend) plus a stable `id`, a `title` (the question to ask), a `description` with
 * its evidence, and the proposed `automation` in Home Assistant's config format.
 */
export interface MinedPattern extends Pattern {
  id: string;
  confidence: number;
  title: string;
  description: string;
  automation: AutomationConfig;
  routine: Routine;
}
