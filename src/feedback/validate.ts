import { describeValue, InvalidInputError } from "../errors";
import { type Feedback, type Features, parseLabel } from "./feedback";

const MAX_TEXT = 256;

/** Checks one feedback and returns a clean copy, or throws InvalidInputError naming the field. */
export function validateFeedback(value: unknown, field = "feedback"): Feedback {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new InvalidInputError(field, `expected a feedback object, got ${describeValue(value)}`);
  }
  const item = value as Record<string, unknown>;
  const feedback: Feedback = {
    id: text(item.id, `${field}.id`),
    patternId: text(item.patternId, `${field}.patternId`),
    label: parseLabel(item.label, `${field}.label`),
    source: text(item.source, `${field}.source`),
    receivedAt: timestamp(item.receivedAt, `${field}.receivedAt`),
  };
  if (item.features !== undefined) feedback.features = validateFeatures(item.features, `${field}.features`);
  if (item.user !== undefined) feedback.user = text(item.user, `${field}.user`);
  return feedback;
}

/** Checks a features object: finite numbers under non-empty names. */
export function validateFeatures(value: unknown, field = "features"): Features {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new InvalidInputError(field, `expected named numbers, got ${describeValue(value)}`);
  }
  // A null-prototype object: a feature named like an Object member (e.g. "__proto__") stays a feature.
  const features: Features = Object.create(null);
  for (const [name, number] of Object.entries(value)) {
    if (typeof number !== "number" || !Number.isFinite(number)) {
      throw new InvalidInputError(`${field}.${name}`, `expected a finite number, got ${describeValue(number)}`);
    }
    features[name] = number;
  }
  return features;
}

function text(value: unknown, field: string): string {
  if (typeof value !== "string" || value.trim() === "") {
    throw new InvalidInputError(field, `expected a non-empty string, got ${describeValue(value)}`);
  }
  if (value.length > MAX_TEXT) throw new InvalidInputError(field, `longer than ${MAX_TEXT} characters`);
  return value;
}

function timestamp(value: unknown, field: string): string {
  if (typeof value !== "string" || Number.isNaN(Date.parse(value))) {
    throw new InvalidInputError(field, `expected an ISO 8601 time, got ${describeValue(value)}`);
  }
  return value;
}
