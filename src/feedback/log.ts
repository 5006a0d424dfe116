import * as path from "node:path";
import { InvalidInputError, PatternQualityError } from "../errors";
import { AppendFile } from "../store/append-file";
import { ensureDirectory, removeTempFiles, type StoreProblem } from "../store/files";
import { readJsonLines, setAsideLines } from "../store/json-lines";
import { StoreLock } from "../store/lock";
import { describe, parseLabel, type Feedback, type Features } from "./feedback";

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

/**
 * The durable, append-only feedback log of one store directory (JSON lines). Nothing is
 * acknowledged before it is fsync'd; the same feedback id is stored once.
 */
export class FeedbackLog {
  /** Damaged lines found on open, set aside to `feedback.jsonl.corrupt-<timestamp>`. */
  readonly problems: StoreProblem[];
  private readonly records: StoredFeedback[];
  private readonly ids = new Set<string>();
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
    records: StoredFeedback[],
    problems: StoreProblem[],
    readonly retention: number,
    private readonly bytesOnOpen: number,
  ) {
    this.records = records;
    this.problems = problems;
    for (const record of records) this.ids.add(record.id);
    this.nextSeq = (records.at(-1)?.seq ?? 0) + 1;
  }

  /** Opens (creating if needed) the log in `dir`, replaying it; damaged lines are set aside and reported. */
  static async open(dir: string, options: FeedbackLogOptions = {}): Promise<FeedbackLog> {
    const retention = options.retention ?? DEFAULT_RETENTION;
    if (!Number.isInteger(retention) || retention < 1) {
      throw new InvalidInputError("retention", `expected a whole number of records ≥ 1, got ${describe(retention)}`);
    }
    const file = path.join(dir, LOG_FILE);
    if (options.readOnly) {
      const read = await readJsonLines(file, acceptRecord());
      const problems = read.rejected.map((entry) => ({
        file: LOG_FILE,
        kind: entry.reason.startsWith("torn line") ? ("torn-line" as const) : ("garbage-line" as const),
        message: `${LOG_FILE} line ${entry.line}: ${entry.reason} (read-only: left in place)`,
      }));
      return new FeedbackLog(dir, null, null, read.records, problems, retention, 0);
    }
    await ensureDirectory(dir);
    const lock = await StoreLock.acquire(dir, "feedback");
    try {
      await removeTempFiles(dir);
      const read = await readJsonLines(file, acceptRecord());
      const problems = await setAsideLines(file, read, dir);
      const append = await AppendFile.open(file);
      const log = new FeedbackLog(dir, append, lock, read.records, problems, retention, append.size);
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
    return this.records.length;
  }

  /** Seq of the last durable record (0 when empty). */
  get watermark(): number {
    return this.records.at(-1)?.seq ?? 0;
  }

  /** True when a feedback with this id is stored (or being stored). */
  has(id: string): boolean {
    return this.ids.has(id) || this.pendingIds.has(id);
  }

  /**
   * Validates and stores `items`; resolves after fsync. Ids already stored (or repeated in the
   * batch) are returned as duplicates and not stored again. A bad item rejects the whole batch.
   */
  async append(items: readonly Feedback[]): Promise<{ added: StoredFeedback[]; duplicates: string[] }> {
    if (this.closed) throw new PatternQualityError("store-closed", `the feedback log in ${this.directory} is closed`);
    if (!this.file) throw readOnlyError(this.directory);
    if (!Array.isArray(items)) throw new InvalidInputError("feedback", `expected an array, got ${describe(items)}`);
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
    const text = added.map((record) => `${JSON.stringify(record)}\n`).join("");
    try {
      await this.file.append(text, () => {
        for (const record of added) {
          this.records.push(record);
          this.ids.add(record.id);
          this.pendingIds.delete(record.id);
        }
      });
    } finally {
      for (const record of added) this.pendingIds.delete(record.id);
    }
    this.maybeCompact();
    return { added, duplicates };
  }

  /** Records with `seq >= fromSeq` (all by default), oldest first. */
  *entries(fromSeq = 0): Iterable<StoredFeedback> {
    let low = 0;
    let high = this.records.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.records[mid]!.seq < fromSeq) low = mid + 1;
      else high = mid;
    }
    for (let index = low; index < this.records.length; index += 1) yield this.records[index]!;
  }

  /** The stored feedback with this id, if any. */
  get(id: string): StoredFeedback | undefined {
    if (!this.ids.has(id)) return undefined;
    return this.records.find((record) => record.id === id);
  }

  /** Counts for a status display or the CLI. */
  stats(): FeedbackLogStats {
    let approved = 0;
    let withoutFeatures = 0;
    const bySource: Record<string, number> = {};
    for (const record of this.records) {
      approved += record.label;
      if (!record.features) withoutFeatures += 1;
      bySource[record.source] = (bySource[record.source] ?? 0) + 1;
    }
    return {
      records: this.records.length,
      watermark: this.watermark,
      firstSeq: this.records[0]?.seq ?? null,
      approved,
      rejected: this.records.length - approved,
      withoutFeatures,
      bySource,
      firstReceivedAt: this.records[0]?.receivedAt ?? null,
      lastReceivedAt: this.records.at(-1)?.receivedAt ?? null,
      bytes: this.file?.size ?? this.bytesOnOpen,
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
    const count = this.records.length - this.retention;
    if (count <= 0) return { dropped: 0 };
    let resolveDone!: () => void;
    this.compacting = new Promise<void>((resolve) => (resolveDone = resolve));
    try {
      await this.file.dropLines(count);
      for (const record of this.records.splice(0, count)) this.ids.delete(record.id);
      this.dropped += count;
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
    if (this.compacting || this.records.length <= this.retention + slack) return;
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

function readOnlyError(dir: string): PatternQualityError {
  return new PatternQualityError("store-read-only", `the feedback log in ${dir} was opened read-only`);
}

/** Checks one feedback and returns a clean copy, or throws InvalidInputError naming the field. */
export function validateFeedback(value: unknown, field = "feedback"): Feedback {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new InvalidInputError(field, `expected a feedback object, got ${describe(value)}`);
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
    throw new InvalidInputError(field, `expected named numbers, got ${describe(value)}`);
  }
  const features: Features = {};
  for (const [name, number] of Object.entries(value)) {
    if (typeof number !== "number" || !Number.isFinite(number)) {
      throw new InvalidInputError(`${field}.${name}`, `expected a finite number, got ${describe(number)}`);
    }
    features[name] = number;
  }
  return features;
}

function text(value: unknown, field: string): string {
  if (typeof value !== "string" || value.trim() === "") {
    throw new InvalidInputError(field, `expected a non-empty string, got ${describe(value)}`);
  }
  if (value.length > MAX_TEXT) throw new InvalidInputError(field, `longer than ${MAX_TEXT} characters`);
  return value;
}

function timestamp(value: unknown, field: string): string {
  if (typeof value !== "string" || Number.isNaN(Date.parse(value))) {
    throw new InvalidInputError(field, `expected an ISO 8601 time, got ${describe(value)}`);
  }
  return value;
}

/**
 * Checks a replayed line. Lines were validated when appended, so this is a fast shape check
 * (open time matters at 100,000 records) that still catches garbage, torn and repeated records.
 */
function acceptRecord(): (value: unknown) => StoredFeedback {
  let lastSeq = 0;
  const seen = new Set<string>();
  return (value) => {
    const record = value as Record<string, unknown> | null;
    if (typeof record !== "object" || record === null || Array.isArray(record)) throw new Error("not a feedback record");
    const seq = record.seq;
    if (typeof seq !== "number" || !Number.isInteger(seq) || seq <= lastSeq) {
      throw new Error(`seq ${describe(seq)} is not a whole number above ${lastSeq}`);
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
      if (typeof features !== "object" || features === null || Array.isArray(features)) throw new Error("features are not named numbers");
      for (const name in features) {
        const number = (features as Record<string, unknown>)[name];
        if (typeof number !== "number" || !Number.isFinite(number)) throw new Error(`feature ${name} is not a finite number`);
      }
    }
    if (seen.has(id)) throw new Error(`id ${describe(id)} appears twice`);
    seen.add(id);
    lastSeq = seq;
    return record as unknown as StoredFeedback;
  };
}
