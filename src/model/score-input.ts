import { InvalidInputError } from "../errors";
import type { Features } from "../feedback/feedback";
import { isPattern } from "../features/pattern-features";
import type { FeatureSchema } from "../features/schema";
import { checkSetting, SCORE_SPEC } from "../settings/spec";
import { identifier, readFeatures } from "./feedback-input";

/** A scoring input read at the edge: the pattern's features, its id when one was given, and their schema. */
export interface ScoreInput {
  patternId?: string;
  features: Features;
  /** The schema the features were read with (inferred from given features while the model has none). */
  schema: FeatureSchema | null;
  /** True when the features came with the input (so they are worth remembering), false when looked up. */
  given: boolean;
}

/**
 * Reads what pattern-score accepts: named features, a positional array, a pattern object,
 * `{patternId, features | pattern}`, or `{patternId}` alone when `lookup` knows its features.
 * Throws InvalidInputError naming `field` (e.g. `payload[2].features`).
 */
export function parseScoreInput(
  input: unknown,
  field: string,
  schema: FeatureSchema | null,
  lookup: (patternId: string) => Features | undefined,
): ScoreInput {
  let patternId: string | undefined;
  let raw: unknown = input;
  let at = field;
  if (isPlainRecord(input) && !isPattern(input)) {
    if ("patternId" in input) {
      patternId = identifier(input.patternId, `${field}.patternId`);
      const key = input.features !== undefined ? "features" : input.pattern !== undefined ? "pattern" : null;
      if (key === null) {
        const known = lookup(patternId);
        if (!known) {
          throw new InvalidInputError(
            `${field}.features`,
            `no features given and none remembered for pattern ${patternId}`,
          );
        }
        return { patternId, features: known, schema, given: false };
      }
      raw = input[key];
      at = `${field}.${key}`;
    }
  } else if (isPattern(input) && (typeof input.id === "string" || typeof input.id === "number")) {
    patternId = String(input.id);
  }
  const read = readFeatures(raw, schema, at, new Date());
  const parsed: ScoreInput = { features: read.features, schema: read.schema, given: true };
  if (patternId !== undefined) parsed.patternId = patternId;
  return parsed;
}

/**
 * How many reasons to give with each score (ScoreOptions.reasons): none for undefined or false,
 * SCORE_SPEC's default for true, else a count in its range (InvalidInputError naming `field`).
 */
export function reasonCount(value: unknown, field = "options.reasons"): number {
  if (value === undefined || value === false) return 0;
  if (value === true) return SCORE_SPEC.reasons.default;
  return checkSetting(SCORE_SPEC.reasons, value, field);
}

/** The pattern id a scoring input names, if any (without reading its features). */
export function scoreInputPatternId(input: unknown): string | undefined {
  if (typeof input !== "object" || input === null) return undefined;
  const record = input as Record<string, unknown>;
  const id = isPattern(input) && !("patternId" in record) ? record.id : record.patternId;
  return typeof id === "string" || typeof id === "number" ? String(id) : undefined;
}

function isPlainRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !ArrayBuffer.isView(value);
}
