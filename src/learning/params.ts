import { describeValue, InvalidInputError, ModelFormatError } from "../errors";

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

/** The defaults: scikit-learn's usual forest, depth-limited, with balanced classes. */
export const DEFAULT_FOREST_PARAMS: Readonly<ForestParams> = Object.freeze({
  trees: 100,
  maxDepth: 10,
  minSamplesLeaf: 1,
  maxFeatures: "sqrt",
  bins: 255,
  classWeight: "balanced",
  seed: 1,
  incrementalTrees: 10,
  historySample: 1000,
});

const INTEGER_RANGES: Record<string, [number, number]> = {
  trees: [1, 10_000],
  maxDepth: [0, 64],
  minSamplesLeaf: [1, 1_000_000],
  bins: [2, 255],
  seed: [0, 4294967295],
  incrementalTrees: [1, 10_000],
  historySample: [0, 10_000_000],
};

/**
 * Complete, checked parameters from partial ones. Throws `makeError(field, message)` for a bad
 * value (InvalidInputError when creating, ModelFormatError when loading).
 */
export function resolveParams(
  input: unknown,
  makeError: (field: string, message: string) => Error = (field, message) => new InvalidInputError(field, message),
): ForestParams {
  if (input === undefined) return { ...DEFAULT_FOREST_PARAMS };
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw makeError("params", `expected an object, got ${describeValue(input)}`);
  }
  const given = input as Record<string, unknown>;
  for (const key of Object.keys(given)) {
    if (!(key in DEFAULT_FOREST_PARAMS)) throw makeError(`params.${key}`, "unknown parameter");
  }
  const params: ForestParams = { ...DEFAULT_FOREST_PARAMS };
  for (const [key, [min, max]] of Object.entries(INTEGER_RANGES)) {
    const value = given[key];
    if (value === undefined) continue;
    if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
      throw makeError(`params.${key}`, `expected an integer from ${min} to ${max}, got ${describeValue(value)}`);
    }
    (params as unknown as Record<string, number>)[key] = value;
  }
  const maxFeatures = given.maxFeatures;
  if (maxFeatures !== undefined) {
    if (
      maxFeatures !== "sqrt" &&
      (typeof maxFeatures !== "number" || !Number.isInteger(maxFeatures) || maxFeatures < 1 || maxFeatures > 100_000)
    ) {
      throw makeError(
        "params.maxFeatures",
        `expected "sqrt" or an integer of at least 1, got ${describeValue(maxFeatures)}`,
      );
    }
    params.maxFeatures = maxFeatures;
  }
  const classWeight = given.classWeight;
  if (classWeight !== undefined) {
    if (classWeight !== "balanced" && classWeight !== "none") {
      throw makeError("params.classWeight", `expected "balanced" or "none", got ${describeValue(classWeight)}`);
    }
    params.classWeight = classWeight;
  }
  return params;
}

/** Parameters read from a stored model: any bad value is a ModelFormatError. */
export function storedParams(input: unknown): ForestParams {
  if (input === undefined) throw new ModelFormatError("params: missing");
  return resolveParams(input, (field, message) => new ModelFormatError(`${field}: ${message}`));
}

/** Features tried per split for d features. */
export function featuresPerSplit(params: ForestParams, d: number): number {
  if (params.maxFeatures === "sqrt") return Math.max(1, Math.floor(Math.sqrt(d)));
  return Math.min(d, params.maxFeatures);
}
