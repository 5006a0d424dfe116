import { randomUUID } from "node:crypto";
import { describeValue, InvalidInputError } from "../errors";
import { parseLabel, type Features, type Feedback } from "../feedback/feedback";
import { isPattern, patternFeatures, standardPatternSchema } from "../features/pattern-features";
import { FeatureSchema } from "../features/schema";
import { checkId, checkOptionalText } from "../validate";

/** Values filled in when a feedback item does not carry them. */
export interface FeedbackDefaults {
  source?: string;
  user?: string;
}

/** The result of reading features: named, in schema order, plus the schema they fit (inferred if there was none). */
export interface ReadFeatures {
  features: Features;
  schema: FeatureSchema;
}

/**
 * Reads the features of one pattern — named numbers, a positional array, or a pattern object
 * (standard schema only) — and checks them against the schema. With no schema yet (schema
 * "infer"), named features define it and a pattern object selects the standard one.
 */
export function readFeatures(input: unknown, schema: FeatureSchema | null, field: string, now: Date): ReadFeatures {
  if (isPattern(input)) {
    if (schema !== null && !schema.equals(standardPatternSchema)) {
      throw new InvalidInputError(
        field,
        "a pattern object needs the standard pattern features, " +
          `but this model reads named features (${schema.names.slice(0, 5).join(", ")}…)`,
      );
    }
    return { features: patternFeatures(input, now, field), schema: standardPatternSchema };
  }
  if (Array.isArray(input) || input instanceof Float64Array) {
    if (schema === null) {
      throw new InvalidInputError(field, "positional features need a known schema; send named features first");
    }
    return { features: schema.named(schema.vector(input, field)), schema };
  }
  if (typeof input !== "object" || input === null) {
    throw new InvalidInputError(
      field,
      `expected named features, an array of numbers or a pattern object, got ${describeValue(input)}`,
    );
  }
  const known = schema ?? new FeatureSchema(Object.keys(input), field);
  return { features: known.named(known.vector(input as Features, field)), schema: known };
}

/** A validated batch, and the schema it fits (newly inferred when it was null). */
export interface ParsedBatch {
  feedback: Feedback[];
  schema: FeatureSchema | null;
}

/**
 * Validates a batch of feedback items `{patternId, label, features?, id?, user?, source?,
 * receivedAt?}`. Every item is checked before anything is returned, so one bad item rejects the
 * whole batch with an InvalidInputError naming it (e.g. `payload[3].label`). Ids are generated
 * when absent; `receivedAt` (when the decision was made, e.g. a Home Assistant event's
 * `time_fired`) is kept when given, else it is `now`.
 */
export function parseFeedbackBatch(
  inputs: unknown,
  schema: FeatureSchema | null,
  defaults: FeedbackDefaults = {},
  now: Date = new Date(),
  field = "payload",
): ParsedBatch {
  if (!Array.isArray(inputs))
    throw new InvalidInputError(field, `expected a list of feedback, got ${describeValue(inputs)}`);
  if (inputs.length === 0) throw new InvalidInputError(field, "expected at least one feedback, got an empty list");
  const defaultSource = checkOptionalText(defaults.source, "defaults.source") ?? "flow";
  const defaultUser = checkOptionalText(defaults.user, "defaults.user");
  const parsedAt = now.toISOString();
  let known = schema;
  const feedback = inputs.map((item: unknown, i): Feedback => {
    const at = `${field}[${i}]`;
    if (typeof item !== "object" || item === null || Array.isArray(item)) {
      throw new InvalidInputError(at, `expected {patternId, label, features?}, got ${describeValue(item)}`);
    }
    const record = item as Record<string, unknown>;
    const patternId = identifier(record.patternId, `${at}.patternId`);
    const label = parseLabel(record.label, `${at}.label`);
    const id = record.id === undefined || record.id === null ? randomUUID() : identifier(record.id, `${at}.id`);
    const source = checkOptionalText(record.source, `${at}.source`) ?? defaultSource;
    const user = checkOptionalText(record.user, `${at}.user`) ?? defaultUser;
    const receivedAt = decidedAt(record.receivedAt, `${at}.receivedAt`) ?? parsedAt;
    const rawFeatures = record.features ?? record.pattern;
    const parsed: Feedback = { id, patternId, label, source, receivedAt };
    if (rawFeatures !== undefined && rawFeatures !== null) {
      const fieldName = record.features !== undefined && record.features !== null ? "features" : "pattern";
      const read = readFeatures(rawFeatures, known, `${at}.${fieldName}`, now);
      known = read.schema;
      parsed.features = read.features;
    }
    if (user !== undefined) parsed.user = user;
    return parsed;
  });
  return { feedback, schema: known };
}

/** When a decision was made, as an ISO 8601 time; undefined when not given. */
function decidedAt(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  const time = typeof value === "string" ? Date.parse(value) : Number.NaN;
  if (!Number.isFinite(time)) {
    throw new InvalidInputError(
      field,
      `expected an ISO 8601 time like 2026-11-01T18:30:00Z, got ${describeValue(value)}`,
    );
  }
  return new Date(time).toISOString();
}

/** A pattern or feedback id: non-blank text of at most MAX_ID_LENGTH characters, or a number (as its text). */
export const identifier: (value: unknown, field: string) => string = checkId;
