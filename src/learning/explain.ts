// Why a forest gave its score: each tree's decision path split into per-feature steps. Walking
// from the root to the leaf a row reaches, every step changes the tree's P(approve) from the
// parent's value to the child's; that change is the split feature's contribution. Along one path
// the steps add up to the leaf's value minus the root's, so over the forest (trees weighted as
// predictProba weighs them) the base value plus the contributions is the score.
import type { FeatureSchema } from "../features/schema";
import { featureLabel } from "../features/labels";
import type { TreeNodes } from "./tree";

/** A score taken apart: `base` plus the sum of `contributions` is `proba` (up to rounding). */
export interface Explanation {
  /** P(approve), the very number predictProba gives for the row. */
  proba: number;
  /** The forest's value before any feature is read: the mean of the trees' root values, weighted like their votes. */
  base: number;
  /** What each feature added to (positive) or took from (negative) P(approve), in schema order. */
  contributions: Float64Array;
}

/** One feature that moved a score, with readable words for its value. */
export interface FeatureReason {
  feature: string;
  /** The feature's value in the scored row. */
  value: number;
  /** Signed: towards approve when positive, towards reject when negative. */
  contribution: number;
  /** The value in words ("seen 2 days ago", "3 devices"; `hour = 18` for a feature of the flow's own). */
  label: string;
}

/**
 * Class weights per node, two per node like a tree's own values, each inner node holding the sum
 * of the leaves below it. Online learning adds feedback to leaves only, so an inner node's stored
 * value is what training left there; these sums are what the node would hold had the tree stopped
 * there, online feedback included — the value predictProba would give if the node were the leaf.
 */
export function subtreeWeights(tree: TreeNodes): Float64Array {
  const { left, right, value } = tree;
  const sums = value.slice();
  // Children come after their parent, so a backward pass sees every child before its parent.
  for (let node = left.length - 1; node >= 0; node--) {
    const l = left[node] as number;
    if (l < 0) continue;
    const r = right[node] as number;
    sums[2 * node] = (sums[2 * l] as number) + (sums[2 * r] as number);
    sums[2 * node + 1] = (sums[2 * l + 1] as number) + (sums[2 * r + 1] as number);
  }
  return sums;
}

/** Keeps subtreeWeights current after an online feedback: `weight` of class `label` on every node of the row's path. */
export function addAlongPath(
  tree: TreeNodes,
  sums: Float64Array,
  x: ArrayLike<number>,
  label: 0 | 1,
  weight: number,
): void {
  const { feature, threshold, left, right } = tree;
  let node = 0;
  for (;;) {
    sums[2 * node + label] += weight;
    const f = feature[node] as number;
    if (f < 0) return;
    node = (x[f] as number) <= (threshold[node] as number) ? (left[node] as number) : (right[node] as number);
  }
}

/**
 * Walks one tree for row `x`, adding `weight` × each step's change of P(approve) to the split
 * feature's entry of `contributions`. The leaf's value is read from the tree itself, as
 * predictProba reads it, so the steps end exactly where the tree's vote is. Returns the root's value.
 */
export function explainPath(
  tree: TreeNodes,
  sums: Float64Array,
  x: ArrayLike<number>,
  weight: number,
  contributions: Float64Array,
  proba: (reject: number, approve: number) => number,
): number {
  const { feature, threshold, left, right, value } = tree;
  let node = 0;
  let f = feature[0] as number;
  if (f < 0) return proba(value[0] as number, value[1] as number);
  const root = proba(sums[0] as number, sums[1] as number);
  let before = root;
  while (f >= 0) {
    node = (x[f] as number) <= (threshold[node] as number) ? (left[node] as number) : (right[node] as number);
    const next = feature[node] as number;
    const at = next < 0 ? value : sums;
    const after = proba(at[2 * node] as number, at[2 * node + 1] as number);
    contributions[f] += weight * (after - before);
    before = after;
    f = next;
  }
  return root;
}

/**
 * The `count` features that moved the score most (largest |contribution| first; a feature that
 * moved nothing is never a reason), and the sum of the other features' contributions, so that
 * base + Σ reasons + others = proba.
 */
export function strongestReasons(
  explanation: Explanation,
  schema: FeatureSchema,
  x: ArrayLike<number>,
  count: number,
): { reasons: FeatureReason[]; others: number } {
  const { contributions } = explanation;
  const order: number[] = [];
  for (let i = 0; i < contributions.length; i++) if (contributions[i] !== 0) order.push(i);
  order.sort((a, b) => Math.abs(contributions[b] as number) - Math.abs(contributions[a] as number) || a - b);
  const chosen = order.slice(0, Math.max(0, count));
  let others = 0;
  for (const i of order.slice(chosen.length)) others += contributions[i] as number;
  const reasons = chosen.map((i) => {
    const feature = schema.names[i] as string;
    const value = x[i] as number;
    return { feature, value, contribution: contributions[i] as number, label: featureLabel(feature, value) };
  });
  return { reasons, others };
}
