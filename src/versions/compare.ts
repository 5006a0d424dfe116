import type { VersionEntry } from "./entry";

/** What a model comparison says about two models' trees; the registry does not look inside a model. */
export interface TreeDifference {
  a: number;
  b: number;
  /** How many of b's trees are not in a. */
  changed: number;
}

/** Compares two models (e.g. the learner's tree counting); null when it cannot compare them. */
export type CompareModels = (a: unknown, b: unknown) => TreeDifference | null;

/** What compare() says about two versions. */
export interface VersionComparison {
  a: string;
  b: string;
  /** Per metric present in either: both values and b − a where both are numbers. */
  metrics: Record<string, { a: number | boolean | null; b: number | boolean | null; delta: number | null }>;
  sizeBytes: { a: number; b: number; delta: number };
  /** From the registry's compareModels option; null without one, or when it cannot compare the two models. */
  trees: TreeDifference | null;
}

/** Metric deltas and sizes of two versions, and what `compareModels` says about their models. */
export function compareVersions(
  first: VersionEntry,
  second: VersionEntry,
  models: { a: unknown; b: unknown },
  compareModels: CompareModels | undefined,
): VersionComparison {
  const metrics: VersionComparison["metrics"] = {};
  for (const name of new Set([...Object.keys(first.metrics), ...Object.keys(second.metrics)])) {
    const x = first.metrics[name] ?? null;
    const y = second.metrics[name] ?? null;
    metrics[name] = { a: x, b: y, delta: typeof x === "number" && typeof y === "number" ? y - x : null };
  }
  return {
    a: first.id,
    b: second.id,
    metrics,
    sizeBytes: { a: first.sizeBytes, b: second.sizeBytes, delta: second.sizeBytes - first.sizeBytes },
    trees: compareModels?.(models.a, models.b) ?? null,
  };
}
