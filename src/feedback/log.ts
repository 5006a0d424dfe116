import { closeSync, openSync, readSync } from "node:fs";
import * as path from "node:path";
import { describeValue, InvalidInputError, PatternQualityError } from "../errors";
import { AppendFile } from "../store/append-file";
import { ensureDirectory, removeTempFiles, writeFileAtomic, type StoreProblem } from "../store/files";
import { readFileOrEmpty, scanJsonLines, setAsideLines, type JsonLinesScan } from "../store/json-lines";
import { StoreLock } from "../store/lock";
import { parseLabel, type Feedback, type Features } from "./feedback";

/** A feedback as stored: with its position in the log (monotonic, gaps allowed). */
export type StoredFeedback = Feedback & { seq: number };

export interface FeedbackLogOptions {
  /** Records kept; older ones are dropped by compaction (default 100,000). */
  retention?: number;
  /** Read without taking the writer lock or repairing anything (e.g. the CLI beside a running Node-RED). */
  readOnly?: boolean;
}

export interface FeedbackLogStats {
  records: number;
  /** Seq of the last record (0 when empty). */
  watermark: number;
  firstSeq: number | null;
  approved: number;
  rejected: number;
  withoutFeatures: number;
  bySource: Record<string, number>;
  firstReceivedAt: string | null;
  lastReceivedAt: string | null;
  bytes: number;
  retention: number;
  /** Records dropped by retention since the log was opened. */
  dropped: number;
  /** Duplicates refused since the log was opened. */
  duplicates: number;
  /** fsyncs since open; fewer than appends thanks to group commit. */
  syncs: number;
  problems: number;
}

export const LOG_FILE = "feedback.jsonl";
const DEFAULT_RETENTION = 100_000;
const MAX_TEXT = 256;
const READ_CHUNK = 1 << 20;

/**
 * What the log keeps in memory per record: enough to deduplicate, count and find it on disk.
 * The records themselves stay in the file and are parsed when read, so a log of 100,000
 * records costs a few MB of memory, not the parsed objects.
 */
class RecordIndex {
  seqs: number[] = [];
  /** Byte offset of each record's line in the current file. */
  offsets: number[] = [];
  labels: (0 | 1)[] = [];
  withFeatures: boolean[] = [];
  sources: string[] = [];
  /** id → seq */
  readonly ids = new Map<string, number>();

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
}

/**
 * The durable, append-only feedback log of one store directory (JSON lines). Nothing is
 * acknowledged before it is fsync'd; the same feedback id is stored once.
 */
export class FeedbackLog {
  /** Damaged lines found on open, set aside to `feedback.jsonl.corrupt-<timestamp>`. */
  readonly problems: StoreProblem[];
  private readonly pendingIds = new Set<string>();
  private nextSeq: number;
  private dropped = 0;
  private duplicateCount = 0;
  private compacting: Promise<void> | null = null;
  private compactionError: Error | null = null;
  private closed = false;

  private constructor(
    readonly directory: string,
    private readonly file: AppendFile | null,
    private readonly lock: StoreLock | null,
    private readonly index: RecordIndex,
    problems: StoreProblem[],
    readonly retention: number,
    /** A read-only log reads from the content it was opened with, not from the live file. */
    private readonly snapshot: Buffer | null,
  ) {
    this.problems = problems;
    this.nextSeq = (index.seqs.at(-1) ?? 0) + 1;
  }

  /** Opens (creating if needed) the log in `dir`, replaying it; damaged lines are set aside and reported. */
  static async open(dir: string, options: FeedbackLogOptions = {}): Promise<FeedbackLog> {
    const retention = options.retention ?? DEFAULT_RETENTION;
    if (!Number.isInteger(retention) || retention < 1) {
      throw new InvalidInputError(
        "retention",
        `expected a whole number of records ≥ 1, got ${describeValue(retention)}`,
      );
    }
    const file = path.join(dir, LOG_FILE);
    if (options.readOnly) {
      const content = await readFileOrEmpty(file);
      const { index, scan, good } = replay(content);
      const problems = scan.rejected.map((entry) => ({
        file: LOG_FILE,
        kind: entry.reason.startsWith("torn line") ? ("torn-line" as const) : ("garbage-line" as const),
        message: `${LOG_FILE} line ${entry.line}: ${entry.reason} (read-only: left in place)`,
      }));
      return new FeedbackLog(
        dir,
        null,
        null,
        index,
        problems,
        retention,
        scan.rejected.length || scan.gaps ? good() : content,
      );
    }
    await ensureDirectory(dir);
    const lock = await StoreLock.acquire(dir, "feedback");
    try {
      await removeTempFiles(dir, LOG_FILE);
      const content = await readFileOrEmpty(file);
      const { index, scan, good } = replay(content);
      const problems = await setAsideLines(file, scan.rejected, good, dir);
      // Offsets are those of the accepted lines laid end to end: rewrite a file with blank lines too.
      if (scan.gaps && scan.rejected.length === 0) await writeFileAtomic(file, good());
      const append = await AppendFile.open(file);
      const log = new FeedbackLog(dir, append, lock, index, problems, retention, null);
      // A retention lowered since the last run takes effect now, not at the next append.
      log.maybeCompact();
      return log;
    } catch (error) {
      await lock.release();
      throw error;
    }
  }

  /** Number of records in the log. */
  get size(): number {
    return this.index.seqs.length;
  }

  /** Seq of the last durable record (0 when empty). */
  get watermark(): number {
    return this.index.seqs.at(-1) ?? 0;
  }

  /** True when a feedback with this id is stored (or being stored). */
  has(id: string): boolean {
    return this.index.ids.has(id) || this.pendingIds.has(id);
  }

  /**
   * Validates and stores `items`; resolves after fsync. Ids already stored (or repeated in the
   * batch) are returned as duplicates and not stored again. A bad item rejects the whole batch.
   */
  async append(items: readonly Feedback[]): Promise<{ added: StoredFeedback[]; duplicates: string[] }> {
    if (this.closed) throw new PatternQualityError("store-closed", `the feedback log in ${this.directory} is closed`);
    if (!this.file) throw readOnlyError(this.directory);
    if (!Array.isArray(items))
      throw new InvalidInputError("feedback", `expected an array, got ${describeValue(items)}`);
    const checked = items.map((item, index) => validateFeedback(item, `feedback[${index}]`));
    const added: StoredFeedback[] = [];
    const duplicates: string[] = [];
    for (const item of checked) {
      if (this.has(item.id)) {
        duplicates.push(item.id);
        continue;
      }
      this.pendingIds.add(item.id);
      added.push({ seq: this.nextSeq++, ...item });
    }
    this.duplicateCount += duplicates.length;
    if (added.length === 0) return { added, duplicates };
    const lines = added.map((record) => `${JSON.stringify(record)}\n`);
    try {
      await this.file.append(lines.join(""), (offset) => {
        let at = offset;
        added.forEach((record, i) => {
          this.index.add(record, at);
          at += Buffer.byteLength(lines[i]!);
        });
      });
    } finally {
      for (const record of added) this.pendingIds.delete(record.id);
    }
    this.maybeCompact();
    return { added, duplicates };
  }

  /**
   * Records with `seq >= fromSeq` (all by default), oldest first, read from the file as the
   * iteration goes. Consume it without awaiting in between: a compaction may move the records.
   */
  *entries(fromSeq = 0): IterableIterator<StoredFeedback> {
    const first = this.index.position(fromSeq);
    if (first >= this.index.seqs.length) return;
    const from = this.index.offsets[first]!;
    const to = this.snapshot ? this.snapshot.length : this.file!.size;
    for (const chunk of this.chunks(from, to)) {
      let start = 0;
      for (let newline = chunk.indexOf(10); newline >= 0; newline = chunk.indexOf(10, start)) {
        if (newline > start) yield JSON.parse(chunk.toString("utf8", start, newline)) as StoredFeedback;
        start = newline + 1;
      }
    }
  }

  /** The content between two offsets, in chunks that end at a line end. */
  private *chunks(from: number, to: number): Iterable<Buffer> {
    if (this.snapshot) {
      yield this.snapshot.subarray(from, to);
      return;
    }
    const fd = openSync(this.file!.file, "r");
    try {
      let carry = Buffer.alloc(0);
      for (let position = from; position < to; ) {
        const buffer = Buffer.alloc(Math.min(READ_CHUNK, to - position));
        const read = readSync(fd, buffer, 0, buffer.length, position);
        if (read === 0) break;
        position += read;
        const content = carry.length ? Buffer.concat([carry, buffer.subarray(0, read)]) : buffer.subarray(0, read);
        const cut = content.lastIndexOf(10) + 1;
        yield content.subarray(0, cut);
        carry = content.subarray(cut);
      }
    } finally {
      closeSync(fd);
    }
  }

  /** The stored feedback with this id, if any. */
  get(id: string): StoredFeedback | undefined {
    const seq = this.index.ids.get(id);
    return seq === undefined ? undefined : firstOf(this.entries(seq));
  }

  /** Counts for a status display or the CLI. */
  stats(): FeedbackLogStats {
    const { seqs, labels, withFeatures, sources } = this.index;
    let approved = 0;
    let withoutFeatures = 0;
    const bySource: Record<string, number> = {};
    for (let i = 0; i < seqs.length; i += 1) {
      approved += labels[i]!;
      if (!withFeatures[i]) withoutFeatures += 1;
      bySource[sources[i]!] = (bySource[sources[i]!] ?? 0) + 1;
    }
    const first = firstOf(this.entries());
    const last = firstOf(this.entries(this.watermark));
    return {
      records: seqs.length,
      watermark: this.watermark,
      firstSeq: seqs[0] ?? null,
      approved,
      rejected: seqs.length - approved,
      withoutFeatures,
      bySource,
      firstReceivedAt: first?.receivedAt ?? null,
      lastReceivedAt: last?.receivedAt ?? null,
      bytes: this.snapshot ? this.snapshot.length : this.file!.size,
      retention: this.retention,
      dropped: this.dropped,
      duplicates: this.duplicateCount,
      syncs: this.file?.syncCount ?? 0,
      problems: this.problems.length,
    };
  }

  /**
   * Drops the oldest records beyond the retention (by rewriting the file atomically; appends
   * go on meanwhile and none is lost). Resolves with the number dropped.
   */
  async compact(): Promise<{ dropped: number }> {
    if (!this.file) throw readOnlyError(this.directory);
    while (this.compacting) await this.compacting.catch(() => undefined);
    const count = this.size - this.retention;
    if (count <= 0) return { dropped: 0 };
    let resolveDone!: () => void;
    this.compacting = new Promise<void>((resolve) => (resolveDone = resolve));
    try {
      const droppedIds: string[] = [];
      for (const record of this.entries()) {
        if (droppedIds.length === count) break;
        droppedIds.push(record.id);
      }
      // The index switches in the same tick as the file, so no reader sees old offsets on the new file.
      await this.file.dropBefore(this.index.offsets[count]!, () => {
        this.index.dropFirst(count, droppedIds);
        this.dropped += count;
      });
      return { dropped: count };
    } finally {
      this.compacting = null;
      resolveDone();
    }
  }

  /** The error of the last background compaction, if it failed (it is retried on the next append). */
  get lastCompactionError(): Error | null {
    return this.compactionError;
  }

  private maybeCompact(): void {
    const slack = Math.max(1, Math.floor(this.retention / 10));
    if (this.compacting || this.size <= this.retention + slack) return;
    this.compact().then(
      () => (this.compactionError = null),
      (error: Error) => (this.compactionError = error),
    );
  }

  /** Waits for pending appends and compaction, then releases the directory. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    while (this.compacting) await this.compacting;
    await this.file?.close();
    await this.lock?.release();
  }
}

/** The first item; `for…of` closes the iterator (and its file) when it stops early. */
function firstOf<T>(items: Iterable<T>): T | undefined {
  for (const item of items) return item;
  return undefined;
}

function readOnlyError(dir: string): PatternQualityError {
  return new PatternQualityError("store-read-only", `the feedback log in ${dir} was opened read-only`);
}

/** Checks one feedback and returns a clean copy, or throws InvalidInputError naming the field. */
export function validateFeedback(value: unknown, field = "feedback"): Feedback {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new InvalidInputError(field, `expected a feedback object, got ${describeValue(value)}`);
  }
  const item = value as Record<string, unknown>;
  const feedback: Feedback = {
    id: text(item.id, `${field}.id`),
    patternId: text(item.patternId, `${field}.patternId`),
    label: parseLabel(item.label, `${field}.label`),
    source: text(item.source, `${field}.source`),
    receivedAt: timestamp(item.receivedAt, `${field}.receivedAt`),
  };
  if (item.features !== undefined) feedback.features = validateFeatures(item.features, `${field}.features`);
  if (item.user !== undefined) feedback.user = text(item.user, `${field}.user`);
  return feedback;
}

/** Checks a features object: finite numbers under non-empty names. */
export function validateFeatures(value: unknown, field = "features"): Features {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new InvalidInputError(field, `expected named numbers, got ${describeValue(value)}`);
  }
  const features: Features = {};
  for (const [name, number] of Object.entries(value)) {
    if (typeof number !== "number" || !Number.isFinite(number)) {
      throw new InvalidInputError(`${field}.${name}`, `expected a finite number, got ${describeValue(number)}`);
    }
    features[name] = number;
  }
  return features;
}

function text(value: unknown, field: string): string {
  if (typeof value !== "string" || value.trim() === "") {
    throw new InvalidInputError(field, `expected a non-empty string, got ${describeValue(value)}`);
  }
  if (value.length > MAX_TEXT) throw new InvalidInputError(field, `longer than ${MAX_TEXT} characters`);
  return value;
}

function timestamp(value: unknown, field: string): string {
  if (typeof value !== "string" || Number.isNaN(Date.parse(value))) {
    throw new InvalidInputError(field, `expected an ISO 8601 time, got ${describeValue(value)}`);
  }
  return value;
}

/**
 * Replays the log's content into an index. Lines were validated when appended, so each line gets
 * a fast shape check (open time matters at 100,000 records) that still catches garbage, torn and
 * repeated records. Offsets are those of the accepted lines laid end to end (`good()`).
 */
function replay(content: Buffer): { index: RecordIndex; scan: JsonLinesScan; good: () => Buffer } {
  const index = new RecordIndex();
  const ranges: [number, number][] = [];
  let offset = 0;
  const scan = scanJsonLines(content, (value, start, end) => {
    const record = checkRecord(value, index);
    index.add(record, offset);
    ranges.push([start, end + 1]);
    offset += end + 1 - start;
  });
  return { index, scan, good: () => Buffer.concat(ranges.map(([start, end]) => content.subarray(start, end))) };
}

function checkRecord(value: unknown, index: RecordIndex): StoredFeedback {
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
