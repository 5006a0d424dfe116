/**
 * Feature binning: each training set gets its own per-feature cut points (at most `maxBins` ≤ 255 bins,
 * from quantiles of the values), and every value is replaced by its one-byte bin code. Split search
 * then only counts codes, so finding a node's best split is linear in its samples.
 */

/** A training set with its features as bin codes. */
export interface BinnedSet {
  /** Rows. */
  n: number;
  /** Features. */
  d: number;
  /** Column-major bin codes: `codes[f * n + i]` is row i's bin of feature f. */
  codes: Uint8Array;
  /** Per feature, ascending cut points: a value's bin is the number of cut points below it. */
  edges: Float64Array[];
  /** Labels, 0 or 1. */
  y: Uint8Array;
}

/**
 * Cut points are computed from at most this many rows (a fixed stride sample beyond it). Sorting
 * is most of the cost of binning; 1,024 rows place 255 equal-count cuts within about 1.5 % of
 * their exact rank, and the cuts stay real thresholds between observed values.
 */
const EDGE_SAMPLE_ROWS = 1024;

// Scratch space, reused by every binning in this thread (training is single-threaded per worker),
// so binning allocates little more than its result.
const scratchColumn = new Float64Array(EDGE_SAMPLE_ROWS);
const scratchPadded = new Float64Array(256);
let scratchDistinct = new Float64Array(EDGE_SAMPLE_ROWS);
let scratchCounts = new Int32Array(EDGE_SAMPLE_ROWS);

/** Bins a row-major feature matrix (n × d) and its labels. */
export function binTrainingSet(X: Float64Array, y: Uint8Array, n: number, d: number, maxBins: number): BinnedSet {
  const codes = new Uint8Array(n * d);
  const edges: Float64Array[] = [];
  const stride = Math.max(1, Math.ceil(n / EDGE_SAMPLE_ROWS));
  const column = scratchColumn.subarray(0, Math.ceil(n / stride));
  const padded = scratchPadded;
  for (let f = 0; f < d; f++) {
    for (let s = 0, i = 0; i < n; i += stride, s++) column[s] = X[i * d + f] as number;
    column.sort();
    const cuts = cutPoints(column, maxBins);
    edges.push(cuts);
    padded.fill(Infinity).set(cuts);
    const base = f * n;
    for (let i = 0; i < n; i++) {
      // Branch-free binary search over 256 padded cut points: four times faster than a
      // branching one here, and coding every value is a large part of binning.
      const x = X[i * d + f] as number;
      let p = 0;
      p += 128 * +((padded[p + 127] as number) < x);
      p += 64 * +((padded[p + 63] as number) < x);
      p += 32 * +((padded[p + 31] as number) < x);
      p += 16 * +((padded[p + 15] as number) < x);
      p += 8 * +((padded[p + 7] as number) < x);
      p += 4 * +((padded[p + 3] as number) < x);
      p += 2 * +((padded[p + 1] as number) < x);
      p += +((padded[p] as number) < x);
      codes[base + i] = p;
    }
  }
  return { n, d, codes, edges, y };
}

/** Number of cut points strictly below x: the bin of x. */
export function binOf(cuts: Float64Array, x: number): number {
  let lo = 0;
  let hi = cuts.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((cuts[mid] as number) < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Cut points for sorted values: between every pair of distinct neighbours when there are few
 * distinct values (exact splits), else bins of about equal row counts, where a value repeated more
 * often than a bin's share gets a bin of its own (cut on both sides) rather than being cut across.
 */
export function cutPoints(sorted: Float64Array, maxBins: number): Float64Array {
  const m = sorted.length;
  if (scratchDistinct.length < m) scratchDistinct = new Float64Array(m);
  if (scratchCounts.length < m) scratchCounts = new Int32Array(m);
  const distinct = scratchDistinct;
  const counts = scratchCounts;
  let last = -1;
  for (let i = 0; i < m; i++) {
    const v = sorted[i] as number;
    if (last >= 0 && v === distinct[last]) counts[last]++;
    else {
      distinct[++last] = v;
      counts[last] = 1;
    }
  }
  const size = last + 1;
  // Fewer than min(size, maxBins) cuts, written into a typed array: a growing list of numbers was
  // most of what binning left for the garbage collector.
  const cuts = new Float64Array(Math.max(0, Math.min(size, maxBins) - 1));
  let found = 0;
  if (size <= maxBins) {
    for (let i = 1; i < size; i++) cuts[found++] = between(distinct[i - 1] as number, distinct[i] as number);
    return cuts;
  }
  let binsLeft = maxBins;
  let remaining = m;
  let inBin = 0;
  for (let k = 0; k < size && binsLeft > 1; k++) {
    const c = counts[k] as number;
    if (inBin > 0 && inBin + c > remaining / binsLeft) {
      cuts[found++] = between(distinct[k - 1] as number, distinct[k] as number);
      remaining -= inBin;
      binsLeft--;
      inBin = 0;
      if (binsLeft === 1) break;
    }
    inBin += c;
    if (inBin >= remaining / binsLeft && k + 1 < size) {
      cuts[found++] = between(distinct[k] as number, distinct[k + 1] as number);
      remaining -= inBin;
      binsLeft--;
      inBin = 0;
    }
  }
  return found === cuts.length ? cuts : cuts.slice(0, found);
}

/** A cut point with a ≤ cut < b, so a goes left and b right. */
function between(a: number, b: number): number {
  const mid = a / 2 + b / 2;
  return mid < b ? mid : a;
}
