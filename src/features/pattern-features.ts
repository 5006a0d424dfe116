/**
 * The standard pattern features: 25 numbers computed from a suggested automation ("pattern"),
 * the same 25 the original design trained its model on, under the same names.
 *
 * The pattern object read here (snake_case, as pattern detectors and their databases emit it):
 *
 * field (type; default when absent) → feature(s):
 * - `pattern_type` ("time_of_day" | "co_occurrence" | "anomaly" | "seasonal" | "synergy"; **required**)
 *   → `pattern_type_*` one-hot
 * - `confidence` (number, the calibrated confidence 0…1; 0) → `confidence_calibrated`
 * - `raw_confidence` (number, the detector's own confidence; `confidence`) → `confidence_raw`,
 *   `confidence_normalized` (= raw clamped to 0…1)
 * - `device_id` (string, the main entity; none) → counted with `devices`
 * - `devices` (string[], entity ids involved, repeats allowed; []) → `device_count_total` (all),
 *   `device_count_unique`
 * - `areas` (string[], areas involved; one area when there are devices, else none) → `area_count`
 *   (distinct), `device_count_per_area` (total ÷ areas, 0 without areas)
 * - `occurrences` (number ≥ 0, times the pattern was observed; 0) → `occurrence_count_total`,
 *   `occurrence_frequency` (per day: occurrences ÷ max(age in days, 1))
 * - `trend_direction` ("increasing" | "stable" | "decreasing"; "stable") → `occurrence_trend_direction`
 *   (1, 0, -1)
 * - `trend_strength` (number 0…1; 0) → `occurrence_trend_strength`
 * - `first_seen` (ISO 8601 string, epoch milliseconds or Date; none: features 0) → `age_days`
 *   (now − first_seen), `time_span_days` (last_seen − first_seen)
 * - `last_seen` (ISO 8601 string, epoch milliseconds or Date; none: features 0) → `recency_days`
 *   (now − last_seen)
 * - `metadata` (object; {}) → `metadata_complexity` (number of keys), `metadata_has_conditions`
 *   (`conditions` or `condition` key), `metadata_has_actions` (`actions` or `action` key)
 * - `deprecated`, `needs_review`, `calibrated` (boolean or 0/1; false) → `is_deprecated`,
 *   `needs_review`, `calibrated` (0/1)
 *
 * Durations are in days (fractional). A time in the future counts as now (durations never go
 * negative); `last_seen` before `first_seen` is an error. `metadata.devices` and
 * `metadata.device_ids` (string lists) are counted as devices too, as the original design did.
 * Other fields (`id`, `description`, …) are ignored. A field of the wrong type is an
 * InvalidInputError naming it, e.g. `pattern.occurrences`.
 */
import { describeValue, InvalidInputError } from "../errors";
import { checkChoice, checkNumber, checkRecord, type NumberRange } from "../validate";
import type { Features } from "../feedback/feedback";
import { FeatureSchema } from "./schema";

/** The kinds of pattern a detector suggests; one-hot encoded as `pattern_type_*`. */
export const PATTERN_TYPES = ["time_of_day", "co_occurrence", "anomaly", "seasonal", "synergy"] as const;
/** One of PATTERN_TYPES. */
export type PatternType = (typeof PATTERN_TYPES)[number];

/** How the occurrences of a pattern are trending. */
export type TrendDirection = "increasing" | "stable" | "decreasing";
type Moment = string | number | Date;

/** A suggested automation as a pattern detector describes it (see the table above). */
export interface Pattern {
  pattern_type: PatternType;
  confidence?: number;
  raw_confidence?: number;
  device_id?: string;
  devices?: string[];
  areas?: string[];
  occurrences?: number;
  trend_direction?: TrendDirection;
  trend_strength?: number;
  first_seen?: Moment;
  last_seen?: Moment;
  metadata?: Record<string, unknown>;
  deprecated?: boolean | 0 | 1;
  needs_review?: boolean | 0 | 1;
  calibrated?: boolean | 0 | 1;
  [other: string]: unknown;
}

/** The 25 standard feature names, in model order. */
export const STANDARD_PATTERN_FEATURES: readonly string[] = Object.freeze([
  "pattern_type_time_of_day",
  "pattern_type_co_occurrence",
  "pattern_type_anomaly",
  "pattern_type_seasonal",
  "pattern_type_synergy",
  "confidence_raw",
  "confidence_calibrated",
  "confidence_normalized",
  "device_count_total",
  "device_count_unique",
  "area_count",
  "device_count_per_area",
  "occurrence_count_total",
  "occurrence_frequency",
  "occurrence_trend_direction",
  "occurrence_trend_strength",
  "time_span_days",
  "recency_days",
  "age_days",
  "metadata_complexity",
  "metadata_has_conditions",
  "metadata_has_actions",
  "is_deprecated",
  "needs_review",
  "calibrated",
]);

/** The schema of the standard pattern features. */
export const standardPatternSchema = new FeatureSchema(STANDARD_PATTERN_FEATURES);

const TREND: Record<TrendDirection, number> = { increasing: 1, stable: 0, decreasing: -1 };
const TREND_DIRECTIONS = Object.keys(TREND) as TrendDirection[];
const DAY_MS = 86_400_000;

/** Cheap shape check: an object with a string `pattern_type` is a pattern, not named features. */
export function isPattern(x: unknown): x is Pattern {
  return (
    typeof x === "object" &&
    x !== null &&
    !Array.isArray(x) &&
    typeof (x as { pattern_type?: unknown }).pattern_type === "string"
  );
}

/** The 25 standard features of a pattern, at time `now`; bad fields throw InvalidInputError. */
export function patternFeatures(pattern: Pattern, now: Date = new Date(), field = "pattern"): Features {
  if (typeof pattern !== "object" || pattern === null || Array.isArray(pattern)) {
    throw new InvalidInputError(field, `expected a pattern object, got ${describeValue(pattern)}`);
  }
  const at = (key: string) => `${field}.${key}`;
  const type = checkChoice(pattern.pattern_type, at("pattern_type"), PATTERN_TYPES);

  const calibratedConfidence = optionalNumber(pattern.confidence, at("confidence")) ?? 0;
  const rawConfidence = optionalNumber(pattern.raw_confidence, at("raw_confidence")) ?? calibratedConfidence;

  const metadata = checkRecord(pattern.metadata ?? {}, at("metadata"));
  const devices: string[] = [];
  if (pattern.device_id !== undefined && pattern.device_id !== null) {
    if (typeof pattern.device_id !== "string") {
      throw new InvalidInputError(at("device_id"), `expected a string, got ${describeValue(pattern.device_id)}`);
    }
    devices.push(pattern.device_id);
  }
  devices.push(...(optionalStrings(pattern.devices, at("devices")) ?? []));
  devices.push(...(optionalStrings(metadata.devices, at("metadata.devices")) ?? []));
  devices.push(...(optionalStrings(metadata.device_ids, at("metadata.device_ids")) ?? []));
  const areas = optionalStrings(pattern.areas, at("areas"));
  const areaCount = areas ? new Set(areas).size : devices.length > 0 ? 1 : 0;

  const occurrences = optionalNumber(pattern.occurrences, at("occurrences"), { min: 0 }) ?? 0;
  const direction = checkChoice(pattern.trend_direction ?? "stable", at("trend_direction"), TREND_DIRECTIONS);
  const trendStrength = optionalNumber(pattern.trend_strength, at("trend_strength")) ?? 0;

  const nowMs = now.getTime();
  if (!Number.isFinite(nowMs)) throw new InvalidInputError("now", "expected a valid date");
  const firstSeen = optionalMoment(pattern.first_seen, at("first_seen"));
  const lastSeen = optionalMoment(pattern.last_seen, at("last_seen"));
  if (firstSeen !== undefined && lastSeen !== undefined && lastSeen < firstSeen) {
    throw new InvalidInputError(at("last_seen"), "is before first_seen");
  }
  const days = (ms: number) => Math.max(0, ms) / DAY_MS;
  const ageDays = firstSeen === undefined ? 0 : days(nowMs - firstSeen);

  return {
    pattern_type_time_of_day: type === "time_of_day" ? 1 : 0,
    pattern_type_co_occurrence: type === "co_occurrence" ? 1 : 0,
    pattern_type_anomaly: type === "anomaly" ? 1 : 0,
    pattern_type_seasonal: type === "seasonal" ? 1 : 0,
    pattern_type_synergy: type === "synergy" ? 1 : 0,
    confidence_raw: rawConfidence,
    confidence_calibrated: calibratedConfidence,
    confidence_normalized: Math.min(1, Math.max(0, rawConfidence)),
    device_count_total: devices.length,
    device_count_unique: new Set(devices).size,
    area_count: areaCount,
    device_count_per_area: areaCount > 0 ? devices.length / areaCount : 0,
    occurrence_count_total: occurrences,
    occurrence_frequency: occurrences / Math.max(ageDays, 1),
    occurrence_trend_direction: TREND[direction],
    occurrence_trend_strength: trendStrength,
    time_span_days: firstSeen !== undefined && lastSeen !== undefined ? days(lastSeen - firstSeen) : 0,
    recency_days: lastSeen === undefined ? 0 : days(nowMs - lastSeen),
    age_days: ageDays,
    metadata_complexity: Object.keys(metadata).length,
    metadata_has_conditions: "conditions" in metadata || "condition" in metadata ? 1 : 0,
    metadata_has_actions: "actions" in metadata || "action" in metadata ? 1 : 0,
    is_deprecated: flag(pattern.deprecated, at("deprecated")),
    needs_review: flag(pattern.needs_review, at("needs_review")),
    calibrated: flag(pattern.calibrated, at("calibrated")),
  };
}

function optionalNumber(value: unknown, field: string, range: NumberRange = {}): number | undefined {
  return value === undefined || value === null ? undefined : checkNumber(value, field, range);
}

function optionalStrings(value: unknown, field: string): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value))
    throw new InvalidInputError(field, `expected a list of strings, got ${describeValue(value)}`);
  value.forEach((item: unknown, i) => {
    if (typeof item !== "string")
      throw new InvalidInputError(`${field}[${i}]`, `expected a string, got ${describeValue(item)}`);
  });
  return value as string[];
}

function optionalMoment(value: unknown, field: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  const ms =
    value instanceof Date
      ? value.getTime()
      : typeof value === "number"
        ? value
        : typeof value === "string"
          ? Date.parse(value)
          : NaN;
  if (!Number.isFinite(ms)) {
    throw new InvalidInputError(
      field,
      `expected an ISO 8601 time, epoch milliseconds or a Date, got ${describeValue(value)}`,
    );
  }
  return ms;
}

function flag(value: unknown, field: string): number {
  if (value === undefined || value === null || value === false || value === 0) return 0;
  if (value === true || value === 1) return 1;
  throw new InvalidInputError(field, `expected true or false, got ${describeValue(value)}`);
}
