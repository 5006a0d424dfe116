import { binTrainingSet } from "./binning";
import { featuresPerSplit, type ForestParams } from "./params";
import { SeededRandom, treeSeed } from "./random";
import { growTree, type TreeNodes } from "./tree";

/** A tree fresh from training, with what the learner needs to keep about it. */
export interface GrownTree extends TreeNodes {
  /** Position in the sequence of all trees this model has grown; seeds the tree. */
  serial: number;
  /** Weights of [reject, approve] in this tree's training set; online feedback is weighed alike. */
  classWeight: Float64Array;
  /** Rows in the training set the tree was grown from. */
  trainedRows: number;
  /** The most recent of those rows the tree sampled from (≤ trainedRows). */
  windowRows: number;
}

/** A tree of the forest with its online record. */
export interface ForestTree extends GrownTree {
  /** Fading mean absolute error |label − P(approve)| of this tree on online feedback. */
  error: number;
  /** Online feedbacks learned. */
  seen: number;
}

/** Rows to grow trees on: a row-major matrix (n × d) and 0/1 labels. */
export interface TrainingRows {
  X: Float64Array;
  y: Uint8Array;
  n: number;
  d: number;
}

/**
 * Grows one tree per serial on the same training set (binned once), tree i on its most recent
 * `windows[i]` rows (all rows by default; rows are in time order). Deterministic: a tree depends
 * only on the rows, the params, its window and its serial.
 */
export function growTrees(
  rows: TrainingRows,
  params: ForestParams,
  serials: readonly number[],
  windows?: readonly number[],
): GrownTree[] {
  if (rows.n === 0 || serials.length === 0) return [];
  const set = binTrainingSet(rows.X, rows.y, rows.n, rows.d, params.bins);
  return serials.map((serial, i) => {
    const window = Math.max(1, Math.min(rows.n, windows?.[i] ?? rows.n));
    const windowStart = rows.n - window;
    const classWeight = classWeights(rows.y.subarray(windowStart), window, params);
    const options = {
      maxDepth: params.maxDepth,
      minSamplesLeaf: params.minSamplesLeaf,
      featuresPerSplit: featuresPerSplit(params, rows.d),
      windowStart,
    };
    const rng = new SeededRandom(treeSeed(params.seed, serial));
    return {
      ...growTree(set, options, [classWeight[0] as number, classWeight[1] as number], rng),
      serial,
      classWeight,
      trainedRows: rows.n,
      windowRows: window,
    };
  });
}

/**
 * Class weights: [1, 1], or "balanced" n / (2 · n_class) so both classes weigh alike. With one
 * class absent there is nothing to balance: [1, 1], so online feedback of either class counts alike.
 */
export function classWeights(y: Uint8Array, n: number, params: ForestParams): Float64Array {
  if (params.classWeight === "none") return Float64Array.of(1, 1);
  let approvals = 0;
  for (let i = 0; i < n; i++) approvals += y[i] as number;
  const rejections = n - approvals;
  if (approvals === 0 || rejections === 0) return Float64Array.of(1, 1);
  return Float64Array.of(n / (2 * rejections), n / (2 * approvals));
}
