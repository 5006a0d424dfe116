import { describeValue, InvalidInputError } from "../errors";
import { FeatureSchema } from "../features/schema";

/** Which features the model reads: the 25 standard pattern features, a named list, or the first sample's names. */
export type SchemaSetting = { kind: "standard" } | { kind: "names"; names: string[] } | { kind: "infer" };

/** How a pattern model learns, alerts and keeps its history, as a flow author configures it. */
export interface PatternModelSettings {
  /** The store directory: feedback log, pattern cache, versions. One writer at a time. */
  storeDir: string;
  schema?: SchemaSetting;
  /** Forest parameters (trees, maxDepth, …), passed to the learner, which validates them. */
  forest?: Record<string, unknown>;
  /** New feedback that triggers an automatic incremental update (default 100). */
  updateThreshold?: number;
  /** Labelled samples needed before any training (default 10). */
  minSamples?: number;
  /** Update automatically when `updateThreshold` new feedback have arrived (default true). */
  autoUpdate?: boolean;
  alerts?: { updateBudgetMs?: number; accuracyDropPoints?: number; drift?: boolean };
  retention?: { versions?: number; feedback?: number };
  guardrail?: { maxDropPoints?: number; recentWindow?: number };
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
  guardrail: { maxDropPoints: number; recentWindow: number };
}

export const DEFAULT_SETTINGS: Readonly<Omit<ResolvedSettings, "storeDir">> = Object.freeze({
  schema: { kind: "standard" } as SchemaSetting,
  forest: {},
  updateThreshold: 100,
  minSamples: 10,
  autoUpdate: true,
  alerts: { updateBudgetMs: 1000, accuracyDropPoints: 5, drift: true },
  retention: { versions: 20, feedback: 100_000 },
  guardrail: { maxDropPoints: 2, recentWindow: 200 },
});

/**
 * Checks settings and fills in defaults. Anything malformed is an InvalidInputError naming the
 * setting (e.g. `settings.guardrail.maxDropPoints`), so a misconfigured node says what to fix.
 */
export function resolveSettings(input: unknown): ResolvedSettings {
  const settings = object(input, "settings");
  const storeDir = settings.storeDir;
  if (typeof storeDir !== "string" || storeDir.trim() === "") {
    throw new InvalidInputError("settings.storeDir", `expected a directory path, got ${describeValue(storeDir)}`);
  }
  const alerts = optionalObject(settings.alerts, "settings.alerts");
  const retention = optionalObject(settings.retention, "settings.retention");
  const guardrail = optionalObject(settings.guardrail, "settings.guardrail");
  const d = DEFAULT_SETTINGS;
  return {
    storeDir,
    schema: schemaSetting(settings.schema),
    forest: { ...optionalObject(settings.forest, "settings.forest") },
    updateThreshold: count(settings.updateThreshold, "settings.updateThreshold", 1, d.updateThreshold),
    minSamples: count(settings.minSamples, "settings.minSamples", 1, d.minSamples),
    autoUpdate: flag(settings.autoUpdate, "settings.autoUpdate", d.autoUpdate),
    alerts: {
      updateBudgetMs: amount(alerts.updateBudgetMs, "settings.alerts.updateBudgetMs", d.alerts.updateBudgetMs),
      accuracyDropPoints: amount(
        alerts.accuracyDropPoints,
        "settings.alerts.accuracyDropPoints",
        d.alerts.accuracyDropPoints,
        100,
      ),
      drift: flag(alerts.drift, "settings.alerts.drift", d.alerts.drift),
    },
    retention: {
      versions: count(retention.versions, "settings.retention.versions", 1, d.retention.versions),
      feedback: count(retention.feedback, "settings.retention.feedback", 1, d.retention.feedback),
    },
    guardrail: {
      maxDropPoints: amount(
        guardrail.maxDropPoints,
        "settings.guardrail.maxDropPoints",
        d.guardrail.maxDropPoints,
        100,
      ),
      recentWindow: count(guardrail.recentWindow, "settings.guardrail.recentWindow", 1, d.guardrail.recentWindow),
    },
  };
}

function schemaSetting(value: unknown): SchemaSetting {
  if (value === undefined || value === null) return { kind: "standard" };
  const schema = object(value, "settings.schema");
  switch (schema.kind) {
    case "standard":
      return { kind: "standard" };
    case "infer":
      return { kind: "infer" };
    case "names":
      // FeatureSchema names the offending entry (empty, duplicate, not a string).
      return { kind: "names", names: [...new FeatureSchema(schema.names as string[], "settings.schema.names").names] };
    default:
      throw new InvalidInputError(
        "settings.schema.kind",
        `expected standard, names or infer, got ${describeValue(schema.kind)}`,
      );
  }
}

function object(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new InvalidInputError(field, `expected an object, got ${describeValue(value)}`);
  }
  return value as Record<string, unknown>;
}

function optionalObject(value: unknown, field: string): Record<string, unknown> {
  return value === undefined || value === null ? {} : object(value, field);
}

function count(value: unknown, field: string, min: number, fallback: number): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min) {
    throw new InvalidInputError(field, `expected a whole number ≥ ${min}, got ${describeValue(value)}`);
  }
  return value;
}

function amount(value: unknown, field: string, fallback: number, max = Number.POSITIVE_INFINITY): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0 || value > max) {
    const range = Number.isFinite(max) ? `between 0 and ${max}` : "≥ 0";
    throw new InvalidInputError(field, `expected a number ${range}, got ${describeValue(value)}`);
  }
  return value;
}

function flag(value: unknown, field: string, fallback: boolean): boolean {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== "boolean")
    throw new InvalidInputError(field, `expected true or false, got ${describeValue(value)}`);
  return value;
}
