/**
 * Labelled feature rows in growable typed arrays, keeping at most `capacity` of the most recent.
 * Every row has a sequence number (0 for the first ever added), so a copy elsewhere (the training
 * worker's) can be brought up to date by sending only the rows it has not seen.
 */
export class RowStore {
  readonly d: number;
  readonly capacity: number;
  private X: Float64Array;
  private y: Uint8Array;
  private start = 0;
  private count = 0;
  private first: number;

  /** An empty store of d-feature rows whose next row gets sequence number `firstSeq`. */
  constructor(d: number, capacity: number, firstSeq = 0) {
    this.d = d;
    this.capacity = capacity;
    this.first = firstSeq;
    const rows = Math.min(capacity, 1024);
    this.X = new Float64Array(rows * d);
    this.y = new Uint8Array(rows);
  }

  /** Rows kept. */
  get size(): number {
    return this.count;
  }

  /** Sequence number of the oldest row kept. */
  get firstSeq(): number {
    return this.first;
  }

  /** Sequence number the next row will get (= rows ever added, counting from the first). */
  get endSeq(): number {
    return this.first + this.count;
  }

  /** Appends k rows (X row-major, k × d), dropping the oldest beyond capacity. */
  append(X: Float64Array, y: Uint8Array): void {
    const k = y.length;
    if (k > this.capacity) {
      this.first += k - this.capacity;
      this.append(X.subarray((k - this.capacity) * this.d), y.subarray(k - this.capacity));
      return;
    }
    const drop = Math.max(0, this.count + k - this.capacity);
    this.start += drop;
    this.count -= drop;
    this.first += drop;
    const slots = this.y.length;
    if (this.start + this.count + k > slots) {
      const needed = this.count + k;
      const size = needed <= slots ? slots : Math.min(this.capacity, Math.max(needed, 2 * slots));
      const X2 = size === slots ? this.X : new Float64Array(size * this.d);
      const y2 = size === slots ? this.y : new Uint8Array(size);
      X2.set(this.X.subarray(this.start * this.d, (this.start + this.count) * this.d));
      y2.set(this.y.subarray(this.start, this.start + this.count));
      this.X = X2;
      this.y = y2;
      this.start = 0;
    }
    const at = this.start + this.count;
    this.X.set(X.subarray(0, k * this.d), at * this.d);
    this.y.set(y.subarray(0, k), at);
    this.count += k;
  }

  /** A copy of the rows with sequence numbers in [fromSeq, toSeq), clipped to the rows kept. */
  slice(
    fromSeq = this.first,
    toSeq = this.endSeq,
  ): { X: Float64Array; y: Uint8Array; n: number; d: number; fromSeq: number } {
    const rows = this.view(fromSeq, toSeq);
    return { ...rows, X: rows.X.slice(), y: rows.y.slice() };
  }

  /** Like slice, without the copy: valid only until the next append. */
  view(
    fromSeq = this.first,
    toSeq = this.endSeq,
  ): { X: Float64Array; y: Uint8Array; n: number; d: number; fromSeq: number } {
    const from = Math.max(fromSeq, this.first);
    const to = Math.max(from, Math.min(toSeq, this.endSeq));
    const a = this.start + (from - this.first);
    const b = this.start + (to - this.first);
    return { X: this.X.subarray(a * this.d, b * this.d), y: this.y.subarray(a, b), n: b - a, d: this.d, fromSeq: from };
  }

  /** Rows approved and rejected among the rows kept. */
  labelCounts(): [number, number] {
    let approvals = 0;
    for (let i = this.start; i < this.start + this.count; i++) approvals += this.y[i] as number;
    return [this.count - approvals, approvals];
  }
}
