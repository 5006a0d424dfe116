import { describeValue } from "../errors";
import type { Feedback } from "./feedback";

/** A feedback as stored: with its position in the log (monotonic, gaps allowed). */
export type StoredFeedback = Feedback & { seq: number };

/**
 * What the log keeps in memory per record: enough to deduplicate, count and find it on disk.
 * The records themselves stay in the file and are parsed when read, so a log of 100,000
 * records costs a few MB of memory, not the parsed objects.
 */
export class RecordIndex {
  seqs: number[] = [];
  /** Byte offset of each record's line in the current file. */
  offsets: number[] = [];
  labels: (0 | 1)[] = [];
  withFeatures: boolean[] = [];
  sources: string[] = [];
  /** id → seq */
  readonly ids = new Map<string, number>();
  /** The ids of the records replayed on open, in order, until settle() indexes them. */
  private replayedIds: string[] = [];

  /** Indexes a record whose line starts at `offset`. */
  add(record: StoredFeedback, offset: number): void {
    this.push(record, offset);
    this.ids.set(record.id, record.seq);
  }

  /** Position of the first record with seq ≥ `seq`. */
  position(seq: number): number {
    let low = 0;
    let high = this.seqs.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.seqs[mid]! < seq) low = mid + 1;
      else high = mid;
    }
    return low;
  }

  /** Forgets the first `count` records; the file now starts at the first kept one. */
  dropFirst(count: number, ids: Iterable<string>): void {
    const shift = this.offsets[count] ?? 0;
    for (const id of ids) this.ids.delete(id);
    this.seqs = this.seqs.slice(count);
    this.offsets = this.offsets.slice(count).map((offset) => offset - shift);
    this.labels = this.labels.slice(count);
    this.withFeatures = this.withFeatures.slice(count);
    this.sources = this.sources.slice(count);
  }

  /**
   * Takes one line of the log on open; throws, with the reason, on one that is not a record.
   * Lines were validated when appended, so each gets a fast shape check (open time matters at
   * 100,000 records) that still catches garbage and torn records. Whether its seq is in order and
   * its id new is known only once all lines are in: settle() decides.
   */
  replay(value: unknown, offset: number): void {
    const record = checkStoredRecord(value);
    this.push(record, offset);
    this.replayedIds.push(record.id);
  }

  /**
   * After the last replay: sets aside the records out of order and the repeated ids, and returns
   * them (by order of replay) with the reason. Out of order are the fewest records without which
   * the seqs increase: one line whose seq was changed up or down is the only one set aside, not
   * every valid record after it.
   */
  settle(): Map<number, string> {
    const rejected = new Map<number, string>();
    const inOrder = longestIncreasing(this.seqs);
    const nextInOrder = nextMarked(this.seqs, inOrder);
    const replayedIds = this.replayedIds;
    this.replayedIds = [];
    let kept = 0;
    let shift = 0;
    for (let i = 0; i < replayedIds.length; i += 1) {
      const seq = this.seqs[i]!;
      const id = replayedIds[i]!;
      const reason = !inOrder[i]
        ? `seq ${seq} is out of order (${between(kept > 0 ? this.seqs[kept - 1]! : null, nextInOrder[i]!)})`
        : this.ids.has(id)
          ? `id ${describeValue(id)} appears twice`
          : null;
      if (reason !== null) {
        rejected.set(i, reason);
        // The lines after this one move down by its length once it is set aside.
        if (i + 1 < replayedIds.length) shift += this.offsets[i + 1]! - this.offsets[i]!;
        continue;
      }
      this.ids.set(id, seq);
      this.seqs[kept] = seq;
      this.offsets[kept] = this.offsets[i]! - shift;
      this.labels[kept] = this.labels[i]!;
      this.withFeatures[kept] = this.withFeatures[i]!;
      this.sources[kept] = this.sources[i]!;
      kept += 1;
    }
    for (const column of [this.seqs, this.offsets, this.labels, this.withFeatures, this.sources]) column.length = kept;
    return rejected;
  }

  private push(record: StoredFeedback, offset: number): void {
    this.seqs.push(record.seq);
    this.offsets.push(offset);
    this.labels.push(record.label);
    this.withFeatures.push(record.features !== undefined);
    this.sources.push(record.source);
  }
}

/**
 * Marks a longest strictly increasing subsequence of `values`; of several, the one with the
 * smallest values (and of equal values the first), so a seq raised far above its neighbours is the
 * one left out. O(n log n),
 * and O(n) for values already in order (the usual case).
 */
function longestIncreasing(values: readonly number[]): boolean[] {
  if (values.every((value, i) => i === 0 || value > values[i - 1]!)) return values.map(() => true);
  // tails[k]: the index of the smallest value ending an increasing run of length k + 1 so far.
  const tails: number[] = [];
  const previous = new Int32Array(values.length);
  for (let i = 0; i < values.length; i += 1) {
    let low = 0;
    let high = tails.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (values[tails[mid]!]! < values[i]!) low = mid + 1;
      else high = mid;
    }
    previous[i] = low > 0 ? tails[low - 1]! : -1;
    // Of two equal seqs the first stays: the later one can only be left out in its favour.
    if (low === tails.length || values[tails[low]!]! !== values[i]) tails[low] = i;
  }
  const marked = values.map(() => false);
  for (let i = tails.at(-1) ?? -1; i >= 0; i = previous[i]!) marked[i] = true;
  return marked;
}

/** For each position, the next value after it that is marked (null when none), in one pass. */
function nextMarked(values: readonly number[], marked: readonly boolean[]): (number | null)[] {
  const next: (number | null)[] = new Array(values.length);
  let following: number | null = null;
  for (let i = values.length - 1; i >= 0; i -= 1) {
    next[i] = following;
    if (marked[i]) following = values[i]!;
  }
  return next;
}

/** Where an out-of-order seq sits: between the nearest seqs kept before and after it. */
function between(before: number | null, after: number | null): string {
  if (before === null) return `before ${after}`;
  return after === null ? `after ${before}` : `between ${before} and ${after}`;
}

function checkStoredRecord(value: unknown): StoredFeedback {
  const record = value as Record<string, unknown> | null;
  if (typeof record !== "object" || record === null || Array.isArray(record)) throw new Error("not a feedback record");
  const seq = record.seq;
  if (typeof seq !== "number" || !Number.isInteger(seq) || seq < 1) {
    throw new Error(`seq ${describeValue(seq)} is not a whole number above 0`);
  }
  const { id, patternId, label, source, receivedAt, user, features } = record;
  if (
    typeof id !== "string" ||
    id === "" ||
    typeof patternId !== "string" ||
    patternId === "" ||
    (label !== 0 && label !== 1) ||
    typeof source !== "string" ||
    typeof receivedAt !== "string" ||
    (user !== undefined && typeof user !== "string")
  ) {
    throw new Error("not a feedback record {seq, id, patternId, label, source, receivedAt}");
  }
  if (features !== undefined) {
    if (typeof features !== "object" || features === null || Array.isArray(features))
      throw new Error("features are not named numbers");
    for (const name in features) {
      const number = (features as Record<string, unknown>)[name];
      if (typeof number !== "number" || !Number.isFinite(number))
        throw new Error(`feature ${name} is not a finite number`);
    }
  }
  return record as unknown as StoredFeedback;
}
