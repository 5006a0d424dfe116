import * as path from "node:path";
import { describeValue, InvalidInputError } from "../../src/errors";
import type { PatternModelSettings } from "../../src/model/settings";
import type { NodeDefinition } from "../shared/red";

/** The pattern-model configuration node's form fields, as the editor saves them (numbers may be strings). */
export interface PatternModelDefinition extends NodeDefinition {
  storeDir?: string;
  schemaKind?: string;
  featureNames?: string;
  trees?: number | string;
  maxDepth?: number | string;
  incrementalTrees?: number | string;
  seed?: number | string;
  updateThreshold?: number | string;
  minSamples?: number | string;
  autoUpdate?: boolean;
  updateBudgetMs?: number | string;
  accuracyDropPoints?: number | string;
  driftAlerts?: boolean;
  keepVersions?: number | string;
  keepFeedback?: number | string;
  guardrailDropPoints?: number | string;
  guardrailWindow?: number | string;
}

/** Where a model keeps its files when the form leaves the store directory empty. */
export function defaultStoreDir(userDir: string | undefined, nodeId: string): string {
  const base = userDir && userDir.length > 0 ? userDir : path.join(process.cwd(), ".node-red");
  return path.join(base, "pattern-quality", nodeId.replace(/[^A-Za-z0-9_.-]/g, "_"));
}

function number(
  definition: PatternModelDefinition,
  key: keyof PatternModelDefinition,
  fallback: number,
  range: { min: number; max?: number; integer?: boolean },
): number {
  const raw = definition[key];
  if (raw === undefined || raw === null || raw === "") return fallback;
  const value = typeof raw === "number" ? raw : typeof raw === "string" ? Number(raw.trim()) : Number.NaN;
  const valid =
    Number.isFinite(value) &&
    value >= range.min &&
    (range.max === undefined || value <= range.max) &&
    (!range.integer || Number.isInteger(value));
  if (!valid) {
    const bounds = range.max === undefined ? `at least ${range.min}` : `between ${range.min} and ${range.max}`;
    throw new InvalidInputError(
      `pattern-model.${String(key)}`,
      `expected ${range.integer ? "a whole number" : "a number"} ${bounds}, got ${describeValue(raw)}`,
    );
  }
  return value;
}

/** Splits the feature-name list of the form (commas, spaces or new lines) into names. */
export function parseFeatureNames(text: unknown): string[] {
  if (typeof text !== "string") return [];
  return text
    .split(/[\s,;]+/)
    .map((name) => name.trim())
    .filter((name) => name.length > 0);
}

/** Translates the configuration node's form into the settings a PatternModel opens with. */
export function settingsFromDefinition(
  definition: PatternModelDefinition,
  userDir: string | undefined,
): PatternModelSettings {
  const storeDir =
    typeof definition.storeDir === "string" && definition.storeDir.trim() !== ""
      ? path.resolve(userDir ?? process.cwd(), definition.storeDir.trim())
      : defaultStoreDir(userDir, definition.id);

  let schema: PatternModelSettings["schema"];
  const kind = definition.schemaKind ?? "standard";
  if (kind === "standard" || kind === "") {
    schema = { kind: "standard" };
  } else if (kind === "infer") {
    schema = { kind: "infer" };
  } else if (kind === "names") {
    const names = parseFeatureNames(definition.featureNames);
    if (names.length === 0) {
      throw new InvalidInputError(
        "pattern-model.featureNames",
        "list at least one feature name, or choose another feature schema",
      );
    }
    if (new Set(names).size !== names.length) {
      throw new InvalidInputError("pattern-model.featureNames", "a feature name is listed twice");
    }
    schema = { kind: "names", names };
  } else {
    throw new InvalidInputError(
      "pattern-model.schemaKind",
      `expected standard, names or infer, got ${describeValue(kind)}`,
    );
  }

  const forest: NonNullable<PatternModelSettings["forest"]> = {
    trees: number(definition, "trees", 100, { min: 1, max: 1000, integer: true }),
    maxDepth: number(definition, "maxDepth", 10, { min: 1, max: 30, integer: true }),
    incrementalTrees: number(definition, "incrementalTrees", 10, { min: 1, max: 1000, integer: true }),
  };
  if (definition.seed !== undefined && definition.seed !== "") {
    forest.seed = number(definition, "seed", 0, { min: 0, integer: true });
  }
  if (forest.incrementalTrees! > forest.trees!) {
    throw new InvalidInputError(
      "pattern-model.incrementalTrees",
      "cannot replace more trees per update than the forest has",
    );
  }

  return {
    storeDir,
    schema,
    forest,
    updateThreshold: number(definition, "updateThreshold", 100, { min: 1, integer: true }),
    minSamples: number(definition, "minSamples", 10, { min: 1, integer: true }),
    autoUpdate: definition.autoUpdate !== false,
    alerts: {
      updateBudgetMs: number(definition, "updateBudgetMs", 1000, { min: 1 }),
      accuracyDropPoints: number(definition, "accuracyDropPoints", 5, { min: 0, max: 100 }),
      drift: definition.driftAlerts !== false,
    },
    retention: {
      versions: number(definition, "keepVersions", 20, { min: 1, integer: true }),
      feedback: number(definition, "keepFeedback", 100000, { min: 1, integer: true }),
    },
    guardrail: {
      maxDropPoints: number(definition, "guardrailDropPoints", 2, { min: 0, max: 100 }),
      recentWindow: number(definition, "guardrailWindow", 200, { min: 1, integer: true }),
    },
  };
}
