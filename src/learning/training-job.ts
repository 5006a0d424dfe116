import { growTrees, type GrownTree } from "./forest";
import { DEFAULT_FOREST_PARAMS, type ForestParams } from "./params";
import { RowStore } from "./rows";

/**
 * What the training worker does, kept out of the worker entry so it can be tested in-process.
 * The worker keeps a copy of the training history; each request brings it up to date with the
 * rows it has not seen yet, then grows the requested trees on a range of it.
 */

/** Rows to add to the worker's copy of a history (all of it when `reset`). */
export interface HistorySync {
  historyId: string;
  capacity: number;
  d: number;
  reset: boolean;
  /** Sequence number of the first row in X. */
  fromSeq: number;
  X: Float64Array;
  y: Uint8Array;
}

/** Grow trees with these serials on history rows [fromSeq, toSeq) plus extra rows. */
export interface GrowJob {
  params: ForestParams;
  serials: number[];
  /** Per serial, the most recent training rows the tree samples from (default: all). */
  windows?: number[];
  fromSeq: number;
  toSeq: number;
  /** History rows `[from, to)` set aside: never trained on. */
  skip?: Array<[number, number]>;
  extraX?: Float64Array;
  extraY?: Uint8Array;
}

export interface TrainingRequest {
  id: number;
  sync?: HistorySync;
  job: GrowJob;
}

export type TrainingReply =
  | { id: number; ok: true; trees: GrownTree[]; trainMs: number }
  | { id: number; ok: false; message: string };

/** The worker's state: its copy of the training history. */
export class TreeGrower {
  private history: RowStore | null = null;
  private historyId: string | null = null;
  private joinedX = new Float64Array(0);
  private joinedY = new Uint8Array(0);

  /** Answers one request; errors become an `ok: false` reply, never a throw. */
  handle(request: TrainingRequest): { reply: TrainingReply; transfer: ArrayBuffer[] } {
    try {
      const started = performance.now();
      if (request.sync) this.apply(request.sync);
      const trees = this.grow(request.job);
      const reply: TrainingReply = { id: request.id, ok: true, trees, trainMs: performance.now() - started };
      const transfer: ArrayBuffer[] = [];
      for (const t of trees) {
        for (const a of [t.feature, t.threshold, t.left, t.right, t.value, t.classWeight])
          transfer.push(a.buffer as ArrayBuffer);
      }
      return { reply, transfer };
    } catch (error) {
      return {
        reply: { id: request.id, ok: false, message: error instanceof Error ? error.message : String(error) },
        transfer: [],
      };
    }
  }

  /** Rows the copy ends at (its next sequence number), or -1 without a copy of this history. */
  endSeqOf(historyId: string): number {
    return this.history && this.historyId === historyId ? this.history.endSeq : -1;
  }

  private apply(sync: HistorySync): void {
    if (sync.reset || !this.history || this.historyId !== sync.historyId) {
      if (!sync.reset) throw new Error(`the worker has no copy of history ${sync.historyId} to extend`);
      this.history = new RowStore(sync.d, sync.capacity, sync.fromSeq);
      this.historyId = sync.historyId;
    }
    if (sync.fromSeq !== this.history.endSeq) {
      throw new Error(`history rows out of order: expected row ${this.history.endSeq}, got ${sync.fromSeq}`);
    }
    this.history.append(sync.X, sync.y);
  }

  private grow(job: GrowJob): GrownTree[] {
    const history = this.history;
    const viewed = history
      ? history.view(job.fromSeq, job.toSeq)
      : { X: new Float64Array(0), y: new Uint8Array(0), n: 0 };
    const stored = history && job.skip ? withoutRows(viewed, job.fromSeq, history.d, job.skip) : viewed;
    const extraN = job.extraY ? job.extraY.length : 0;
    const d = history ? history.d : job.extraX && extraN > 0 ? job.extraX.length / extraN : 0;
    if (extraN === 0)
      return growTrees({ X: stored.X, y: stored.y, n: stored.n, d }, job.params, job.serials, job.windows);
    // Stored rows and the new ones side by side, in buffers kept from one request to the next.
    const n = stored.n + extraN;
    // Sized by rows × features: a history reset for another schema may have more features per row.
    if (this.joinedX.length < n * d) this.joinedX = new Float64Array(n * d);
    if (this.joinedY.length < n) this.joinedY = new Uint8Array(n);
    const X = this.joinedX.subarray(0, n * d);
    const y = this.joinedY.subarray(0, n);
    X.set(stored.X);
    X.set(job.extraX as Float64Array, stored.n * d);
    y.set(stored.y);
    y.set(job.extraY as Uint8Array, stored.n);
    return growTrees({ X, y, n, d }, job.params, job.serials, job.windows);
  }
}

/** The rows of a view (starting at history row `fromSeq`) outside the ranges `skip`; the view itself when none is skipped. */
function withoutRows(
  view: { X: Float64Array; y: Uint8Array; n: number },
  fromSeq: number,
  d: number,
  skip: Array<[number, number]>,
): { X: Float64Array; y: Uint8Array; n: number } {
  const keep: number[] = [];
  for (let i = 0; i < view.n; i++) {
    const row = fromSeq + i;
    if (!skip.some(([from, to]) => row >= from && row < to)) keep.push(i);
  }
  if (keep.length === view.n) return view;
  const X = new Float64Array(keep.length * d);
  const y = new Uint8Array(keep.length);
  keep.forEach((i, j) => {
    X.set(view.X.subarray(i * d, (i + 1) * d), j * d);
    y[j] = view.y[i] as number;
  });
  return { X, y, n: keep.length };
}

/** Grows a few trees on made-up rows, so the first real request runs compiled code. */
export function warmUp(): void {
  const n = 400;
  const d = 8;
  const X = new Float64Array(n * d);
  const y = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    for (let f = 0; f < d; f++) X[i * d + f] = ((i * 7919 + f * 104729) % 1000) / 1000;
    y[i] = (X[i * d] as number) + (X[i * d + 1] as number) > 1 ? 1 : 0;
  }
  for (let round = 0; round < 5; round++)
    growTrees({ X, y, n, d }, DEFAULT_FOREST_PARAMS, [round * 4, round * 4 + 1, round * 4 + 2, round * 4 + 3]);
}
