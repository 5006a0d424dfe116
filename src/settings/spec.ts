// Every setting a flow author can give — of the pattern model, its forest, the Home Assistant
// feedback rules and the score node — with its default, its range and its unit, written once.
// The core checks settings against these; the node adapters read forms with them; the build
// writes the editor forms' defaults and limits from them (nodes/editor-forms.ts).
import { describeValue, InvalidInputError } from "../errors";
import {
  checkChoice,
  checkFlag,
  checkNumber,
  checkText,
  checkWholeNumber,
  describeRange,
  inRange,
  MAX_TEXT_LENGTH,
  type NumberRange,
} from "../validate";

/** A numeric setting: its default, the range it must lie in, whether it is whole, and its unit. */
export interface NumberSetting extends NumberRange {
  readonly kind: "number";
  readonly default: number;
  readonly integer: boolean;
  /** What the number counts or measures ("trees", "ms", "points"), as the form shows it. */
  readonly unit: string;
}

/** An on/off setting. */
export interface FlagSetting {
  readonly kind: "flag";
  readonly default: boolean;
}

/** One of a closed list of words. */
export interface ChoiceSetting<T extends string = string> {
  readonly kind: "choice";
  readonly default: T;
  readonly values: readonly T[];
}

/** A short text (a prefix, an event type, an attribute name); blank in a form means the default. */
export interface TextSetting {
  readonly kind: "text";
  readonly default: string;
  readonly maxLength: number;
}

/** A whole number or a word standing for a rule (maxFeatures: "sqrt" or a count). */
export interface CountOrWordSetting<W extends string = string> extends NumberRange {
  readonly kind: "count-or-word";
  readonly default: W | number;
  readonly words: readonly W[];
  readonly unit: string;
}

/** Any one setting of the specification. */
export type SettingSpec = NumberSetting | FlagSetting | ChoiceSetting | TextSetting | CountOrWordSetting;

/** The defaults of a specification, in its shape (a section of settings gives an object). */
export type Defaults<S> = S extends { readonly kind: string; readonly default: infer D }
  ? D
  : { -readonly [K in keyof S]: Defaults<S[K]> };

function count(value: number, range: NumberRange, unit: string): NumberSetting {
  return Object.freeze({ kind: "number", default: value, integer: true, unit, ...range });
}

function amount(value: number, range: NumberRange, unit: string): NumberSetting {
  return Object.freeze({ kind: "number", default: value, integer: false, unit, ...range });
}

function flag(value: boolean): FlagSetting {
  return Object.freeze({ kind: "flag", default: value });
}

function text(value: string): TextSetting {
  return Object.freeze({ kind: "text", default: value, maxLength: MAX_TEXT_LENGTH });
}

function choice<T extends string>(value: T, values: readonly T[]): ChoiceSetting<T> {
  return Object.freeze({ kind: "choice", default: value, values: Object.freeze([...values]) });
}

/** How the forest is grown; the bounds keep a typo (100000 trees, depth 1000) from hanging the trainer. */
export const FOREST_PARAMS_SPEC = Object.freeze({
  trees: count(100, { min: 1, max: 10_000 }, "trees"),
  maxDepth: count(10, { min: 0, max: 64 }, "levels"),
  minSamplesLeaf: count(1, { min: 1, max: 1_000_000 }, "rows"),
  maxFeatures: Object.freeze({
    kind: "count-or-word",
    default: "sqrt",
    words: Object.freeze(["sqrt"]),
    min: 1,
    max: 100_000,
    unit: "features",
  }) as CountOrWordSetting<"sqrt">,
  bins: count(255, { min: 2, max: 255 }, "bins"),
  classWeight: choice<"balanced" | "none">("balanced", ["balanced", "none"]),
  // 2^32 - 1: the seed feeds a 32-bit generator.
  seed: count(1, { min: 0, max: 4_294_967_295 }, ""),
  incrementalTrees: count(10, { min: 1, max: 10_000 }, "trees"),
  historySample: count(1000, { min: 0, max: 10_000_000 }, "rows"),
});

/** How a pattern model learns, alerts and keeps its history (the forest has its own section above). */
export const PATTERN_MODEL_SPEC = Object.freeze({
  /** The kind of feature schema: the 25 standard pattern features, a named list, or the first sample's names. */
  schema: choice<"standard" | "names" | "infer">("standard", ["standard", "names", "infer"]),
  updateThreshold: count(100, { min: 1 }, "feedback"),
  minSamples: count(10, { min: 1 }, "feedback"),
  autoUpdate: flag(true),
  alerts: Object.freeze({
    // 0 is allowed: every update then raises a slow-update alert (tests and demos use it).
    updateBudgetMs: amount(1000, { min: 0 }, "ms"),
    accuracyDropPoints: amount(5, { min: 0, max: 100 }, "points"),
    drift: flag(true),
  }),
  retention: Object.freeze({
    versions: count(20, { min: 1 }, "versions"),
    feedback: count(100_000, { min: 1 }, "feedback"),
  }),
  guardrail: Object.freeze({
    /**
     * How many accuracy points a new version may lose against the active one and still go live:
     * the lower end of the 95 % interval on the difference must lie above −this. 5 under the
     * interval is stricter than the 2 the point estimate used to be held to (a version truly 5
     * points worse passed that about a third of the time at 50 feedback, and passes this about
     * 2.5 % of the time); 2 under the interval kept nearly every version on trial to its limit.
     */
    maxDropPoints: amount(5, { min: 0, max: 100 }, "points"),
    /** New feedback a new version answers beside the active one before it is judged (a clear difference decides sooner). */
    samples: count(50, { min: 1, max: 100_000 }, "feedback"),
    /**
     * The longest a trial runs: a version whose interval has not cleared the allowed drop by then is
     * kept back as unproven. 300: three updates at the default threshold, where the 95 % interval of
     * two versions that disagree on 6 % of answers is about ±3 points.
     */
    maxSamples: count(300, { min: 1, max: 100_000 }, "feedback"),
    /**
     * How long a rise of the error rate must last, with the model from before it still wrong, before
     * it counts as a change of taste and versions that learned it may go live. A burst of wrong
     * answers shorter than this (minus the few feedback it takes to see it end) never goes live.
     */
    confirmChange: count(130, { min: 10, max: 100_000 }, "feedback"),
    /**
     * What ends the hold a person's activate or rollback sets: a new version that proves better
     * on feedback received after it ("better"), or only a person resuming ("resume").
     */
    holdUntil: choice<"better" | "resume">("better", ["better", "resume"]),
  }),
});

/** How Home Assistant events become feedback (the helper entities' list has no default: it is the user's). */
export const HA_FEEDBACK_SPEC = Object.freeze({
  notificationAction: Object.freeze({
    enabled: flag(true),
    approvePrefix: text("PATTERN_APPROVE_"),
    rejectPrefix: text("PATTERN_REJECT_"),
  }),
  customEvent: Object.freeze({ enabled: flag(true), eventType: text("pattern_feedback") }),
  helperEntities: Object.freeze({
    enabled: flag(false),
    patternAttribute: text("pattern_id"),
    decisionAttribute: text("decision"),
  }),
  implicit: Object.freeze({
    // Off by default: it guesses rather than asks.
    enabled: flag(false),
    entityTemplate: text("automation.pattern_{id}"),
    // Fractions are fine (half a day); zero would decide every automation at once.
    days: amount(7, { above: 0 }, "days"),
  }),
});

/** Scoring: an uncertainty (0 sure … 1 a coin toss) above the threshold asks the household. */
export const SCORE_SPEC = Object.freeze({
  askThreshold: amount(0.5, { min: 0, max: 1 }, ""),
  /** Reasons given with each score: the features that moved it most, strongest first (0: none). */
  reasons: count(3, { min: 0, max: 100 }, "features"),
});

/** Updates: a few new trees on the new feedback, or a full retrain on all of it. */
export const UPDATE_SPEC = Object.freeze({
  mode: choice<"incremental" | "full">("incremental", ["incremental", "full"]),
  // Off: each message gets its own update's answer, and an http in → update → http response
  // flow must not meet updates nobody there asked for.
  /** Also report the updates other nodes or the automatic trigger started. */
  reportOthers: flag(false),
});

/**
 * Mining routines from Home Assistant's logbook: what is read, which routines count, when the
 * miner runs. Lists are comma-separated (entity ids, domains, people's user ids or names).
 */
export const MINING_SPEC = Object.freeze({
  /** Days of logbook read back; Home Assistant's recorder keeps 10 by default, many homes keep 30 or more. */
  lookbackDays: count(28, { min: 1, max: 365 }, "days"),
  domains: text("light, switch, cover, climate, fan, media_player, lock, scene, input_boolean, input_select, vacuum"),
  includeEntities: text(""),
  excludeEntities: text(""),
  /** People (user ids or names) whose actions are not mined, e.g. a guest account. */
  excludePeople: text(""),
  /** Distinct days a routine must have been done on. */
  minDays: count(5, { min: 2, max: 365 }, "days"),
  /** Share of eligible days (weekdays for a weekday routine, …) a time-of-day routine must have been done on. */
  minConsistency: amount(0.5, { min: 0, max: 1 }, ""),
  /** Width of a time-of-day routine: its times lie within ± half of it around the centre. */
  timeWindowMinutes: count(60, { min: 5, max: 360 }, "minutes"),
  /** How soon after its trigger an action counts as following it. */
  sequenceWindowSeconds: count(300, { min: 5, max: 3600 }, "seconds"),
  /** Share of a trigger's occurrences an action must follow. */
  minSequenceConfidence: amount(0.5, { min: 0, max: 1 }, ""),
  /** History needed before any routine is suggested. */
  minHistoryDays: count(7, { min: 1, max: 365 }, "days"),
  /** Entities changing more often than this, with nobody's hand on them, are integration chatter. */
  chatterPerDay: amount(48, { above: 0 }, "changes/day"),
  /** When the miner runs each day (local time of the Node-RED host), "HH:MM". */
  dailyAt: text("03:00"),
});

/**
 * Asking the household about suggestions: how many questions a day at most (the best first),
 * how long "Not now" waits, and the snooze button's action prefix (beside the approve and
 * reject prefixes of HA_FEEDBACK_SPEC). A phone buzzing more than a few times a day gets muted.
 */
export const ASK_SPEC = Object.freeze({
  asksPerDay: count(3, { min: 0, max: 50 }, "questions"),
  snoozeDays: amount(7, { above: 0, max: 365 }, "days"),
  snoozePrefix: text("PATTERN_SNOOZE_"),
});

/**
 * What a created automation's fate says: turned off or deleted within `keptDays` is a reject,
 * kept that long an approve; a person undoing its change by hand within `undoMinutes` counts
 * against it.
 */
export const AUTOMATION_FEEDBACK_SPEC = Object.freeze({
  keptDays: amount(7, { above: 0, max: 365 }, "days"),
  undoMinutes: amount(10, { above: 0, max: 24 * 60 }, "minutes"),
});

/** The defaults of a specification or one of its sections, as a fresh object. */
export function defaultsOf<S>(spec: S): Defaults<S> {
  const section = spec as Record<string, unknown>;
  if (isSetting(section)) return section.default as Defaults<S>;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(section)) out[key] = defaultsOf(value);
  return out as Defaults<S>;
}

/** A value for a setting: undefined or null take the default; anything else is checked (InvalidInputError). */
export function resolveSetting<T extends SettingSpec>(spec: T, value: unknown, field: string): T["default"] {
  return value === undefined || value === null ? spec.default : checkSetting(spec, value, field);
}

/** Checks a given value against its setting; InvalidInputError naming `field` when it does not fit. */
export function checkSetting<T extends SettingSpec>(spec: T, value: unknown, field: string): T["default"] {
  const setting: SettingSpec = spec;
  switch (setting.kind) {
    case "number":
      return setting.integer ? checkWholeNumber(value, field, setting) : checkNumber(value, field, setting);
    case "flag":
      return checkFlag(value, field);
    case "choice":
      return checkChoice(value, field, setting.values);
    case "text":
      return checkText(value, field, setting.maxLength);
    case "count-or-word":
      if ((setting.words as readonly unknown[]).includes(value)) return value as T["default"];
      if (typeof value === "number" && Number.isInteger(value) && inRange(value, setting)) return value;
      throw new InvalidInputError(
        field,
        `expected ${setting.words.join(" or ")} or a whole number ${describeRange(setting)}, ` +
          `got ${describeValue(value)}`,
      );
  }
}

/** True for one setting (as opposed to a section of them). */
export function isSetting(value: unknown): value is SettingSpec {
  return typeof value === "object" && value !== null && typeof (value as { kind?: unknown }).kind === "string";
}
