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

  /** Indexes a record whose line starts at `offset`. */
  add(record: StoredFeedback, offset: number): void {
    this.seqs.push(record.seq);
    this.offsets.push(offset);
    this.labels.push(record.label);
    this.withFeatures.push(record.features !== undefined);
    this.sources.push(record.source);
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
   * Indexes one line of the log on open. Lines were validated when appended, so each line gets a
   * fast shape check (open time matters at 100,000 records) that still catches garbage, torn and
   * repeated records; throws with the reason.
   */
  replay(value: unknown, offset: number): void {
    this.add(checkStoredRecord(value, this), offset);
  }
}

function checkStoredRecord(value: unknown, index: RecordIndex): StoredFeedback {
  const record = value as Record<string, unknown> | null;
  if (typeof record !== "object" || record === null || Array.isArray(record)) throw new Error("not a feedback record");
  const seq = record.seq;
  const lastSeq = index.seqs.at(-1) ?? 0;
  if (typeof seq !== "number" || !Number.isInteger(seq) || seq <= lastSeq) {
    throw new Error(`seq ${describeValue(seq)} is not a whole number above ${lastSeq}`);
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
  if (index.ids.has(id)) throw new Error(`id ${describeValue(id)} appears twice`);
  return record as unknown as StoredFeedback;
}
