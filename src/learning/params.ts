import { InvalidInputError, ModelFormatError } from "../errors";
import { checkSetting, defaultsOf, FOREST_PARAMS_SPEC } from "../settings/spec";
import { checkRecord } from "../validate";

/** How the forest is grown and updated. */
export interface ForestParams {
  /** Trees in a full forest. */
  trees: number;
  /** Deepest split level (root = 0). */
  maxDepth: number;
  /** Fewest training rows in a leaf. */
  minSamplesLeaf: number;
  /** Features tried per split: "sqrt" (√d) or a count (clamped to d). */
  maxFeatures: "sqrt" | number;
  /** Bins per feature for the split search, 2…255. */
  bins: number;
  /** "balanced" weighs each class inversely to its frequency in a tree's training set. */
  classWeight: "balanced" | "none";
  /** Seed of all randomness: the same seed and the same feedback give the same model. */
  seed: number;
  /** Trees grown (and, once the forest is full, replaced) per incremental update. */
  incrementalTrees: number;
  /** Most recent stored rows mixed into an incremental update's new batch. */
  historySample: number;
}

/** The defaults: scikit-learn's usual forest, depth-limited, with balanced classes (see FOREST_PARAMS_SPEC). */
export const DEFAULT_FOREST_PARAMS: Readonly<ForestParams> = Object.freeze(defaultsOf(FOREST_PARAMS_SPEC));

/** Complete, checked parameters from partial ones; a bad or unknown one is an InvalidInputError naming it. */
export function resolveParams(input: unknown): ForestParams {
  if (input === undefined) return { ...DEFAULT_FOREST_PARAMS };
  const given = checkRecord(input, "params");
  for (const key of Object.keys(given)) {
    if (!Object.hasOwn(FOREST_PARAMS_SPEC, key)) throw new InvalidInputError(`params.${key}`, "unknown parameter");
  }
  const params: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(FOREST_PARAMS_SPEC)) {
    params[key] = given[key] === undefined ? spec.default : checkSetting(spec, given[key], `params.${key}`);
  }
  return params as unknown as ForestParams;
}

/** Parameters read from a stored model: any bad value is a ModelFormatError. */
export function storedParams(input: unknown): ForestParams {
  if (input === undefined) throw new ModelFormatError("params: missing");
  try {
    return resolveParams(input);
  } catch (error) {
    if (error instanceof InvalidInputError) throw new ModelFormatError(error.message, { cause: error });
    throw error;
  }
}

/** Features tried per split for d features. */
export function featuresPerSplit(params: ForestParams, d: number): number {
  if (params.maxFeatures === "sqrt") return Math.max(1, Math.floor(Math.sqrt(d)));
  return Math.min(d, params.maxFeatures);
}
