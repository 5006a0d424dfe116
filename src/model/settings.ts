import { InvalidInputError } from "../errors";
import { FeatureSchema } from "../features/schema";
import { defaultsOf, PATTERN_MODEL_SPEC, resolveSetting } from "../settings/spec";
import { checkChoice, checkRecord, checkText, MAX_PATH_LENGTH } from "../validate";

/** Which features the model reads: the 25 standard pattern features, a named list, or the first sample's names. */
export type SchemaSetting = { kind: "standard" } | { kind: "names"; names: string[] } | { kind: "infer" };

/** How a pattern model learns, alerts and keeps its history, as a flow author configures it. */
export interface PatternModelSettings {
  /** The store directory: feedback log, pattern cache, versions. One writer at a time. */
  storeDir: string;
  schema?: SchemaSetting;
  /** Forest parameters (trees, maxDepth, …), passed to the learner, which validates them. */
  forest?: Record<string, unknown>;
  /** New feedback that triggers an automatic incremental update. Defaults and ranges: PATTERN_MODEL_SPEC. */
  updateThreshold?: number;
  /** Labelled samples needed before any training. */
  minSamples?: number;
  /** Update automatically when `updateThreshold` new feedback have arrived. */
  autoUpdate?: boolean;
  alerts?: { updateBudgetMs?: number; accuracyDropPoints?: number; drift?: boolean };
  retention?: { versions?: number; feedback?: number };
  guardrail?: {
    maxDropPoints?: number;
    samples?: number;
    maxSamples?: number;
    confirmChange?: number;
    holdUntil?: "better" | "resume";
  };
}

/** Settings with every default filled in. */
export interface ResolvedSettings {
  storeDir: string;
  schema: SchemaSetting;
  forest: Record<string, unknown>;
  updateThreshold: number;
  minSamples: number;
  autoUpdate: boolean;
  alerts: { updateBudgetMs: number; accuracyDropPoints: number; drift: boolean };
  retention: { versions: number; feedback: number };
  guardrail: {
    maxDropPoints: number;
    samples: number;
    maxSamples: number;
    confirmChange: number;
    holdUntil: "better" | "resume";
  };
}

const SPEC = PATTERN_MODEL_SPEC;

/** Every default of a pattern model's settings but the store directory, from PATTERN_MODEL_SPEC. */
export const DEFAULT_SETTINGS: Readonly<Omit<ResolvedSettings, "storeDir">> = Object.freeze({
  ...defaultsOf(SPEC),
  schema: { kind: SPEC.schema.default } as SchemaSetting,
  // Forest parameters left out take the learner's defaults (FOREST_PARAMS_SPEC), checked there.
  forest: {},
});

/**
 * Checks settings and fills in defaults. Anything malformed is an InvalidInputError naming the
 * setting (e.g. `settings.guardrail.maxDropPoints`), so a misconfigured node says what to fix.
 */
export function resolveSettings(input: unknown): ResolvedSettings {
  const settings = checkRecord(input, "settings");
  const alerts = optionalRecord(settings.alerts, "settings.alerts");
  const retention = optionalRecord(settings.retention, "settings.retention");
  const guardrail = optionalRecord(settings.guardrail, "settings.guardrail");
  const at = (path: string) => `settings.${path}`;
  const samples = resolveSetting(SPEC.guardrail.samples, guardrail.samples, at("guardrail.samples"));
  const maxSamples = resolveSetting(SPEC.guardrail.maxSamples, guardrail.maxSamples, at("guardrail.maxSamples"));
  if (maxSamples < samples) {
    // A trial would end before it could ever call a version not worse.
    throw new InvalidInputError(
      at("guardrail.maxSamples"),
      `must be at least settings.guardrail.samples (${samples}), got ${maxSamples}: a trial could never decide`,
    );
  }
  return {
    storeDir: checkText(settings.storeDir, "settings.storeDir", MAX_PATH_LENGTH),
    schema: schemaSetting(settings.schema),
    forest: { ...optionalRecord(settings.forest, "settings.forest") },
    updateThreshold: resolveSetting(SPEC.updateThreshold, settings.updateThreshold, at("updateThreshold")),
    minSamples: resolveSetting(SPEC.minSamples, settings.minSamples, at("minSamples")),
    autoUpdate: resolveSetting(SPEC.autoUpdate, settings.autoUpdate, at("autoUpdate")),
    alerts: {
      updateBudgetMs: resolveSetting(SPEC.alerts.updateBudgetMs, alerts.updateBudgetMs, at("alerts.updateBudgetMs")),
      accuracyDropPoints: resolveSetting(
        SPEC.alerts.accuracyDropPoints,
        alerts.accuracyDropPoints,
        at("alerts.accuracyDropPoints"),
      ),
      drift: resolveSetting(SPEC.alerts.drift, alerts.drift, at("alerts.drift")),
    },
    retention: {
      versions: resolveSetting(SPEC.retention.versions, retention.versions, at("retention.versions")),
      feedback: resolveSetting(SPEC.retention.feedback, retention.feedback, at("retention.feedback")),
    },
    guardrail: {
      maxDropPoints: resolveSetting(
        SPEC.guardrail.maxDropPoints,
        guardrail.maxDropPoints,
        at("guardrail.maxDropPoints"),
      ),
      samples,
      maxSamples,
      confirmChange: resolveSetting(
        SPEC.guardrail.confirmChange,
        guardrail.confirmChange,
        at("guardrail.confirmChange"),
      ),
      holdUntil: resolveSetting(SPEC.guardrail.holdUntil, guardrail.holdUntil, at("guardrail.holdUntil")),
    },
  };
}

function schemaSetting(value: unknown): SchemaSetting {
  if (value === undefined || value === null) return { ...DEFAULT_SETTINGS.schema };
  const schema = checkRecord(value, "settings.schema");
  const kind = checkChoice(schema.kind, "settings.schema.kind", SPEC.schema.values);
  // FeatureSchema names the offending entry (empty, duplicate, not a string).
  if (kind === "names") {
    return { kind, names: [...new FeatureSchema(schema.names as string[], "settings.schema.names").names] };
  }
  return { kind } as SchemaSetting;
}

function optionalRecord(value: unknown, field: string): Record<string, unknown> {
  return value === undefined || value === null ? {} : checkRecord(value, field);
}
