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
  metrics: Record<string, FigureDelta>;
  /** The versions' own figures: from their trial (evaluation.*) and while active (live.*). */
  own: Record<string, FigureDelta>;
  sizeBytes: { a: number; b: number; delta: number };
  /** From the registry's compareModels option; null without one, or when it cannot compare the two models. */
  trees: TreeDifference | null;
}

/** Both values of a figure, and b − a where both are numbers. */
export interface FigureDelta {
  a: number | boolean | null;
  b: number | boolean | null;
  delta: number | null;
}

const OWN_FIGURES = {
  "evaluation.accuracy": (e: VersionEntry) => e.evaluation?.accuracy,
  "evaluation.kappa": (e: VersionEntry) => e.evaluation?.kappa,
  "evaluation.brier": (e: VersionEntry) => e.evaluation?.brier,
  "evaluation.logLoss": (e: VersionEntry) => e.evaluation?.logLoss,
  "evaluation.samples": (e: VersionEntry) => e.evaluation?.samples,
  "live.accuracy": (e: VersionEntry) => e.live?.accuracy,
  "live.samples": (e: VersionEntry) => e.live?.samples,
};

/** The two versions' own figures side by side (null where a version has none yet). */
export function ownFigureDeltas(first: VersionEntry, second: VersionEntry): Record<string, FigureDelta> {
  const own: Record<string, FigureDelta> = {};
  for (const [name, read] of Object.entries(OWN_FIGURES)) own[name] = delta(read(first) ?? null, read(second) ?? null);
  return own;
}

function delta(a: number | boolean | null, b: number | boolean | null): FigureDelta {
  return { a, b, delta: typeof a === "number" && typeof b === "number" ? b - a : null };
}

/** Metric deltas and sizes of two versions, and what `compareModels` says about their models. */
export function compareVersions(
  first: VersionEntry,
  second: VersionEntry,
  models: { a: unknown; b: unknown },
  compareModels: CompareModels | undefined,
): VersionComparison {
  const metrics: VersionComparison["metrics"] = Object.create(null);
  for (const name of new Set([...Object.keys(first.metrics), ...Object.keys(second.metrics)])) {
    metrics[name] = delta(first.metrics[name] ?? null, second.metrics[name] ?? null);
  }
  return {
    a: first.id,
    b: second.id,
    metrics,
    own: ownFigureDeltas(first, second),
    sizeBytes: { a: first.sizeBytes, b: second.sizeBytes, delta: second.sizeBytes - first.sizeBytes },
    trees: compareModels?.(models.a, models.b) ?? null,
  };
}
