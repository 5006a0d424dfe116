// The checks every entry point of the core shares: ids, texts, counts and numbers, each limit
// written once. Every check throws InvalidInputError(field, …) that shows the bad value, so a
// flow author reads which field is wrong and what was sent, whichever door the input came in by.
import { describeValue, InvalidInputError } from "./errors";

/**
 * Longest pattern or feedback id, in characters. The model's own door (feedback and scoring)
 * held ids to 200 while the log and the pattern cache allowed 256; 200 is the limit the tests
 * of the feedback input pin, and every id that reached the log had passed it.
 */
export const MAX_ID_LENGTH = 200;

/** Longest short text: a source, a user, a feature name, a Home Assistant prefix or event type. */
export const MAX_TEXT_LENGTH = 256;

/** Longest reason or actor of an activation in the version registry's log. */
export const MAX_REASON_LENGTH = 500;

/** Longest free-text note on a version. */
export const MAX_NOTE_LENGTH = 1000;

/** Longest store directory path (Linux's PATH_MAX): deep user directories are normal, so not MAX_TEXT_LENGTH. */
export const MAX_PATH_LENGTH = 4096;

/** A version id as the registry numbers them (`v0001`); also keeps `../x` out of file names. */
export const VERSION_ID_PATTERN = /^v\d{4,9}$/;

/** The allowed numbers: `min`/`max` included, `above` excluded; a missing end is open. */
export interface NumberRange {
  min?: number;
  max?: number;
  above?: number;
}

/** A pattern or feedback id: non-blank text of at most MAX_ID_LENGTH characters, or a finite number (as its text). */
export function checkId(value: unknown, field: string): string {
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  if (typeof value !== "string") {
    throw new InvalidInputError(field, `expected an id (text or a number), got ${describeValue(value)}`);
  }
  return checkText(value, field, MAX_ID_LENGTH);
}

/** A version id like `v0003`. */
export function checkVersionId(value: unknown, field = "id"): string {
  if (typeof value !== "string" || !VERSION_ID_PATTERN.test(value)) {
    throw new InvalidInputError(field, `expected a version id like v0001, got ${describeValue(value)}`);
  }
  return value;
}

/** A rollback's target: "previous" (the version active before the current one) or a version id like `v0003`. */
export function checkRollbackTarget(value: unknown, field = "to"): string {
  if (value === "previous" || (typeof value === "string" && VERSION_ID_PATTERN.test(value))) return value;
  throw new InvalidInputError(field, `expected "previous" or a version id like v0001, got ${describeValue(value)}`);
}

/** Non-blank text of at most `max` characters, returned as given (not trimmed: it may be stored as is). */
export function checkText(value: unknown, field: string, max = MAX_TEXT_LENGTH): string {
  if (typeof value !== "string") throw new InvalidInputError(field, `expected text, got ${describeValue(value)}`);
  if (value.trim() === "") throw new InvalidInputError(field, `must not be empty, got ${describeValue(value)}`);
  if (value.length > max) {
    throw new InvalidInputError(
      field,
      `expected at most ${max} characters, got ${value.length} (${describeValue(value)})`,
    );
  }
  return value;
}

/** Like checkText, but undefined or null means "not given". */
export function checkOptionalText(value: unknown, field: string, max = MAX_TEXT_LENGTH): string | undefined {
  return value === undefined || value === null ? undefined : checkText(value, field, max);
}

/**
 * The trimmed text of an optional form field or message property, or undefined when it is not
 * text or is blank. It never throws: a blank field means "use the default".
 */
export function trimmedText(value: unknown): string | undefined {
  if (typeof value !== "string") return undefined;
  const text = value.trim();
  return text === "" ? undefined : text;
}

/** A whole number within the range. */
export function checkWholeNumber(value: unknown, field: string, range: NumberRange = {}): number {
  if (typeof value !== "number" || !Number.isInteger(value) || !inRange(value, range)) {
    throw new InvalidInputError(field, `expected a whole number ${describeRange(range)}, got ${describeValue(value)}`);
  }
  return value;
}

/** A finite number within the range (NaN and ±Infinity are refused). */
export function checkNumber(value: unknown, field: string, range: NumberRange = {}): number {
  if (typeof value !== "number" || !Number.isFinite(value) || !inRange(value, range)) {
    const what = describeRange(range) === "" ? "a finite number" : `a number ${describeRange(range)}`;
    throw new InvalidInputError(field, `expected ${what}, got ${describeValue(value)}`);
  }
  return value;
}

/** True or false. */
export function checkFlag(value: unknown, field: string): boolean {
  if (typeof value !== "boolean")
    throw new InvalidInputError(field, `expected true or false, got ${describeValue(value)}`);
  return value;
}

/** One of a closed list of words (a mode, a kind). */
export function checkChoice<T extends string>(value: unknown, field: string, values: readonly T[]): T {
  if (typeof value !== "string" || !(values as readonly string[]).includes(value)) {
    throw new InvalidInputError(field, `expected ${listWords(values)}, got ${describeValue(value)}`);
  }
  return value as T;
}

/** A plain object (not null, not an array). */
export function checkRecord(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new InvalidInputError(field, `expected an object, got ${describeValue(value)}`);
  }
  return value as Record<string, unknown>;
}

/** True when the number lies in the range. */
export function inRange(value: number, range: NumberRange): boolean {
  return (
    (range.min === undefined || value >= range.min) &&
    (range.max === undefined || value <= range.max) &&
    (range.above === undefined || value > range.above)
  );
}

/** The range in words for a message: "from 1 to 64", "≥ 1", "> 0", or "" when open at both ends. */
export function describeRange(range: NumberRange): string {
  const low = range.min !== undefined ? range.min : range.above;
  if (low !== undefined && range.max !== undefined) {
    return range.min !== undefined ? `from ${low} to ${range.max}` : `> ${low} and ≤ ${range.max}`;
  }
  if (range.min !== undefined) return `≥ ${range.min}`;
  if (range.above !== undefined) return `> ${range.above}`;
  if (range.max !== undefined) return `≤ ${range.max}`;
  return "";
}

function listWords(values: readonly string[]): string {
  return values.length <= 1 ? values.join("") : `${values.slice(0, -1).join(", ")} or ${values[values.length - 1]}`;
}
