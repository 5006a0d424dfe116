import * as path from "node:path";
import { InvalidInputError } from "../../src/errors";
import type { PatternModelSettings } from "../../src/model/settings";
import { FOREST_PARAMS_SPEC, PATTERN_MODEL_SPEC } from "../../src/settings/spec";
import { trimmedText } from "../../src/validate";
import { type FormSpec, formValue } from "../shared/form";
import type { NodeDefinition } from "../shared/red";

/** The pattern-model configuration node's form, as the editor saves it: numbers may be text, any field missing. */
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
  guardrailSamples?: number | string;
  guardrailMaxSamples?: number | string;
  confirmChange?: number | string;
  holdUntil?: string;
}

/** Where a model keeps its files when the form leaves the store directory empty. */
export function defaultStoreDir(userDir: string | undefined, nodeId: string): string {
  const base = userDir && userDir.length > 0 ? userDir : path.join(process.cwd(), ".node-red");
  return path.join(base, "pattern-quality", nodeId.replace(/[^A-Za-z0-9_.-]/g, "_"));
}

/** Splits the feature-name list of the form (commas, spaces or new lines) into names. */
export function parseFeatureNames(text: unknown): string[] {
  if (typeof text !== "string") return [];
  return text
    .split(/[\s,;]+/)
    .map((name) => name.trim())
    .filter((name) => name.length > 0);
}

/** The configuration node's form: each field and the core setting it edits (defaults and limits there). */
export const PATTERN_MODEL_FORM = {
  schemaKind: { setting: PATTERN_MODEL_SPEC.schema },
  trees: { setting: FOREST_PARAMS_SPEC.trees },
  maxDepth: { setting: FOREST_PARAMS_SPEC.maxDepth },
  incrementalTrees: { setting: FOREST_PARAMS_SPEC.incrementalTrees },
  seed: { setting: FOREST_PARAMS_SPEC.seed, blank: true },
  updateThreshold: { setting: PATTERN_MODEL_SPEC.updateThreshold },
  minSamples: { setting: PATTERN_MODEL_SPEC.minSamples },
  autoUpdate: { setting: PATTERN_MODEL_SPEC.autoUpdate },
  updateBudgetMs: { setting: PATTERN_MODEL_SPEC.alerts.updateBudgetMs },
  accuracyDropPoints: { setting: PATTERN_MODEL_SPEC.alerts.accuracyDropPoints },
  driftAlerts: { setting: PATTERN_MODEL_SPEC.alerts.drift },
  keepVersions: { setting: PATTERN_MODEL_SPEC.retention.versions },
  keepFeedback: { setting: PATTERN_MODEL_SPEC.retention.feedback },
  guardrailDropPoints: { setting: PATTERN_MODEL_SPEC.guardrail.maxDropPoints },
  guardrailSamples: { setting: PATTERN_MODEL_SPEC.guardrail.samples },
  guardrailMaxSamples: { setting: PATTERN_MODEL_SPEC.guardrail.maxSamples },
  confirmChange: { setting: PATTERN_MODEL_SPEC.guardrail.confirmChange },
  holdUntil: { setting: PATTERN_MODEL_SPEC.guardrail.holdUntil },
} as const satisfies FormSpec;

type FormKey = keyof typeof PATTERN_MODEL_FORM;

/** A field of the saved form, or its default when blank or missing (a flow saved by an older version). */
function field<K extends FormKey>(
  definition: PatternModelDefinition,
  key: K,
): (typeof PATTERN_MODEL_FORM)[K]["setting"]["default"] {
  const { setting } = PATTERN_MODEL_FORM[key];
  return formValue(definition[key], setting, `pattern-model.${key}`) ?? setting.default;
}

/** Translates the configuration node's form into the settings a PatternModel opens with. */
export function settingsFromDefinition(
  definition: PatternModelDefinition,
  userDir: string | undefined,
): PatternModelSettings {
  const dir = trimmedText(definition.storeDir);
  const storeDir = dir ? path.resolve(userDir ?? process.cwd(), dir) : defaultStoreDir(userDir, definition.id);

  let schema: PatternModelSettings["schema"];
  const kind = field(definition, "schemaKind");
  if (kind === "names") {
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
    schema = { kind };
  }

  const forest: NonNullable<PatternModelSettings["forest"]> = {
    trees: field(definition, "trees"),
    maxDepth: field(definition, "maxDepth"),
    incrementalTrees: field(definition, "incrementalTrees"),
  };
  // Blank: the forest's own default seed, not written into the settings.
  const seed = formValue(definition.seed, PATTERN_MODEL_FORM.seed.setting, "pattern-model.seed");
  if (seed !== undefined) forest.seed = seed;
  if ((forest.incrementalTrees as number) > (forest.trees as number)) {
    throw new InvalidInputError(
      "pattern-model.incrementalTrees",
      "cannot replace more trees per update than the forest has",
    );
  }

  return {
    storeDir,
    schema,
    forest,
    updateThreshold: field(definition, "updateThreshold"),
    minSamples: field(definition, "minSamples"),
    autoUpdate: field(definition, "autoUpdate"),
    alerts: {
      updateBudgetMs: field(definition, "updateBudgetMs"),
      accuracyDropPoints: field(definition, "accuracyDropPoints"),
      drift: field(definition, "driftAlerts"),
    },
    retention: {
      versions: field(definition, "keepVersions"),
      feedback: field(definition, "keepFeedback"),
    },
    guardrail: {
      maxDropPoints: field(definition, "guardrailDropPoints"),
      samples: field(definition, "guardrailSamples"),
      maxSamples: field(definition, "guardrailMaxSamples"),
      confirmChange: field(definition, "confirmChange"),
      holdUntil: field(definition, "holdUntil"),
    },
  };
}
