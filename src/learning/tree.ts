import type { BinnedSet } from "./binning";
import type { SeededRandom } from "./random";

/**
 * One CART tree as flat typed arrays, node 0 the root. An inner node sends x left when
 * `x[feature] <= threshold` (a raw feature value, so any tree predicts from raw features whatever
 * bins it was grown on). Children are allocated as a pair, `right = left + 1`, always after their
 * parent, so a tree can be checked for cycles by index order alone.
 */
export interface TreeNodes {
  /** Split feature per node, -1 for a leaf. */
  feature: Int32Array;
  /** Split threshold per node on the raw feature value (0 for a leaf). */
  threshold: Float64Array;
  /** Left child per node, -1 for a leaf. */
  left: Int32Array;
  /** Right child per node, -1 for a leaf. */
  right: Int32Array;
  /** Class weights per node, two per node: [reject, approve]. Leaves also gather online feedback. */
  value: Float64Array;
}

/** How a tree is grown. */
export interface GrowOptions {
  maxDepth: number;
  minSamplesLeaf: number;
  /** Features tried per split. */
  featuresPerSplit: number;
  /** The tree samples only rows from this one on (the most recent, when rows are in time order). */
  windowStart?: number;
}

// Scratch histograms, reused by every node of every tree (training is single-threaded per worker):
// class weights at 2·bin + label, row counts at bin, and a bitmap of the bins a node touched. Only
// those bins are read and then cleared, so a small node costs its own size, not the number of bins.
const histWeight = new Float64Array(512);
const histCount = new Int32Array(256);
const touched = new Int32Array(8);

// Per-row and per-node working arrays, reused by every tree grown in this thread and grown when a
// training set is larger: a tree then allocates only the arrays it returns, which keeps the
// training worker's garbage collector quiet during an update.
let scratchDraws = new Int32Array(0);
let scratchRows = new Int32Array(0);
let scratchLabels = new Uint8Array(0);
let scratchWeight = new Float64Array(0);
let scratchFeature = new Int32Array(0);
let scratchThreshold = new Float64Array(0);
let scratchLeft = new Int32Array(0);
let scratchRight = new Int32Array(0);
let scratchValue = new Float64Array(0);

function reserveRows(n: number): void {
  if (scratchRows.length >= n) return;
  scratchDraws = new Int32Array(n);
  scratchRows = new Int32Array(n);
  scratchLabels = new Uint8Array(n);
  scratchWeight = new Float64Array(n);
}

function reserveNodes(capacity: number): void {
  if (scratchFeature.length >= capacity) return;
  scratchFeature = new Int32Array(capacity);
  scratchThreshold = new Float64Array(capacity);
  scratchLeft = new Int32Array(capacity);
  scratchRight = new Int32Array(capacity);
  scratchValue = new Float64Array(2 * capacity);
}

/**
 * Grows one tree on a bootstrap sample of a binned set (of its rows from `windowStart` on).
 * `classWeight` weighs each class (balanced weights or [1, 1]); the sample's duplicate draws
 * become row weights, so a row drawn three times is counted once with weight 3.
 */
export function growTree(
  set: BinnedSet,
  options: GrowOptions,
  classWeight: readonly [number, number],
  rng: SeededRandom,
): TreeNodes {
  const { n, d, codes, edges, y } = set;
  const from = options.windowStart ?? 0;
  reserveRows(n);
  const draws = scratchDraws.fill(0, from, n);
  for (let i = from; i < n; i++) draws[from + rng.nextInt(n - from)]++;
  // Rows of the sample, grouped by node as the tree grows, with their labels and weights kept in
  // the same order so the histogram loop reads them sequentially.
  const rows = scratchRows;
  const labels = scratchLabels;
  const weight = scratchWeight;
  let m = 0;
  let total0 = 0;
  let total1 = 0;
  for (let i = from; i < n; i++) {
    const k = draws[i] as number;
    if (k === 0) continue;
    const w = k * (y[i] === 1 ? classWeight[1] : classWeight[0]);
    rows[m] = i;
    labels[m] = y[i] as number;
    weight[m++] = w;
    if (y[i] === 1) total1 += w;
    else total0 += w;
  }

  const capacity = options.maxDepth < 30 ? Math.min(2 * m - 1, 2 ** (options.maxDepth + 1) - 1) : 2 * m - 1;
  reserveNodes(Math.max(1, capacity));
  const feature = scratchFeature;
  const threshold = scratchThreshold;
  const left = scratchLeft;
  const right = scratchRight;
  const value = scratchValue;
  // Every node starts as a leaf (the root here, children when their parent splits).
  feature[0] = left[0] = right[0] = -1;
  threshold[0] = 0;
  let nodeCount = 1;

  const order = new Int32Array(d);
  for (let f = 0; f < d; f++) order[f] = f;
  const minLeaf = options.minSamplesLeaf;
  // Row counts per bin matter only for a minimum leaf size above 1 (a bin with rows always has weight).
  const countRows = minLeaf > 1;

  // Pending nodes: [node, start, end, depth] with their class weights.
  const stackInts: number[] = [0, 0, m, 0];
  const stackWeights: number[] = [total0, total1];

  while (stackInts.length > 0) {
    const depth = stackInts.pop() as number;
    const end = stackInts.pop() as number;
    const start = stackInts.pop() as number;
    const node = stackInts.pop() as number;
    const w1 = stackWeights.pop() as number;
    const w0 = stackWeights.pop() as number;
    value[2 * node] = w0;
    value[2 * node + 1] = w1;
    const count = end - start;
    if (depth >= options.maxDepth || count < 2 * minLeaf || w0 <= 0 || w1 <= 0) continue;

    let bestScore = -Infinity;
    let bestFeature = -1;
    let bestBin = -1;
    let bestL0 = 0;
    let bestL1 = 0;
    let informative = 0;
    const tolerance = 1e-9 * (w0 + w1);
    for (let j = 0; j < d && informative < options.featuresPerSplit; j++) {
      const pick = j + rng.nextInt(d - j);
      const f = order[pick] as number;
      order[pick] = order[j] as number;
      order[j] = f;
      if ((edges[f] as Float64Array).length === 0) continue;
      const base = f * n;
      if (countRows) {
        for (let i = start; i < end; i++) {
          const b = codes[base + (rows[i] as number)] as number;
          histWeight[2 * b + (labels[i] as number)] += weight[i] as number;
          histCount[b]++;
          touched[b >>> 5] |= 1 << (b & 31);
        }
      } else {
        for (let i = start; i < end; i++) {
          const b = codes[base + (rows[i] as number)] as number;
          histWeight[2 * b + (labels[i] as number)] += weight[i] as number;
          touched[b >>> 5] |= 1 << (b & 31);
        }
      }
      // Walk the touched bins in ascending order (set bits of the bitmap), clearing as we go.
      let l0 = 0;
      let l1 = 0;
      let lc = 0;
      let nonEmpty = 0;
      for (let word = 0; word < 8; word++) {
        let bits = touched[word] as number;
        touched[word] = 0;
        while (bits !== 0) {
          const lowest = bits & -bits;
          bits ^= lowest;
          const b = (word << 5) + 31 - Math.clz32(lowest);
          nonEmpty++;
          l0 += histWeight[2 * b] as number;
          l1 += histWeight[2 * b + 1] as number;
          histWeight[2 * b] = 0;
          histWeight[2 * b + 1] = 0;
          if (countRows) {
            lc += histCount[b] as number;
            histCount[b] = 0;
            if (lc < minLeaf || count - lc < minLeaf) continue;
          }
          const lw = l0 + l1;
          const r0 = w0 - l0;
          const r1 = w1 - l1;
          const rw = r0 + r1;
          if (rw <= tolerance) continue; // the last bin: nothing left for the right side
          const score = (l0 * l0 + l1 * l1) / lw + (r0 * r0 + r1 * r1) / rw;
          if (score > bestScore) {
            bestScore = score;
            bestFeature = f;
            bestBin = b;
            bestL0 = l0;
            bestL1 = l1;
          }
        }
      }
      // A feature whose values all fall in one bin here cannot split this node: try another one.
      if (nonEmpty > 1) informative++;
    }
    if (bestFeature < 0) continue;

    // Partition the node's rows in place: codes ≤ bestBin to the front.
    const base = bestFeature * n;
    let i = start;
    let k = end - 1;
    while (i <= k) {
      const r = rows[i] as number;
      if ((codes[base + r] as number) <= bestBin) i++;
      else {
        const label = labels[i] as number;
        const w = weight[i] as number;
        rows[i] = rows[k] as number;
        labels[i] = labels[k] as number;
        weight[i] = weight[k] as number;
        rows[k] = r;
        labels[k] = label;
        weight[k--] = w;
      }
    }
    const l = nodeCount;
    nodeCount += 2;
    feature[l] = feature[l + 1] = left[l] = left[l + 1] = right[l] = right[l + 1] = -1;
    threshold[l] = threshold[l + 1] = 0;
    feature[node] = bestFeature;
    threshold[node] = (edges[bestFeature] as Float64Array)[bestBin] as number;
    left[node] = l;
    right[node] = l + 1;
    stackInts.push(l + 1, i, end, depth + 1);
    // By subtraction the right side's weights can carry rounding error: a class with no row there
    // must weigh exactly 0 (the node is pure, and leaf weights are never negative).
    const r0 = w0 - bestL0;
    const r1 = w1 - bestL1;
    stackWeights.push(r0 > tolerance ? r0 : 0, r1 > tolerance ? r1 : 0);
    stackInts.push(l, start, i, depth + 1);
    stackWeights.push(bestL0, bestL1);
  }

  return {
    feature: feature.slice(0, nodeCount),
    threshold: threshold.slice(0, nodeCount),
    left: left.slice(0, nodeCount),
    right: right.slice(0, nodeCount),
    value: value.slice(0, 2 * nodeCount),
  };
}

/** The leaf a raw feature vector reaches. */
export function leafOf(tree: TreeNodes, x: ArrayLike<number>): number {
  const { feature, threshold, left, right } = tree;
  let node = 0;
  let f = feature[0] as number;
  while (f >= 0) {
    node = (x[f] as number) <= (threshold[node] as number) ? (left[node] as number) : (right[node] as number);
    f = feature[node] as number;
  }
  return node;
}
