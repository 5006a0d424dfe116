import { describeValue, InvalidInputError } from "../errors";
import { PATTERN_MODEL_SPEC, resolveSetting } from "../settings/spec";
import type { StoreProblem } from "../store/files";
import { lineProblems } from "../store/json-lines";
import { JsonLinesStore } from "../store/json-lines-store";
import type { Feedback } from "./feedback";
import { RecordIndex, type StoredFeedback } from "./record-index";
import { validateFeedback } from "./validate";

export type { StoredFeedback } from "./record-index";
export { validateFeatures, validateFeedback } from "./validate";

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
  /** Damaged lines found on open. */
  problems: number;
}

export const LOG_FILE = "feedback.jsonl";

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

  private constructor(
    readonly directory: string,
    private readonly store: JsonLinesStore<StoredFeedback>,
    private readonly index: RecordIndex,
    problems: StoreProblem[],
    readonly retention: number,
  ) {
    this.problems = problems;
    this.nextSeq = (index.seqs.at(-1) ?? 0) + 1;
  }

  /** Opens (creating if needed) the log in `dir`, replaying it; damaged lines are set aside and reported. */
  static async open(dir: string, options: FeedbackLogOptions = {}): Promise<FeedbackLog> {
    const retention = resolveSetting(PATTERN_MODEL_SPEC.retention.feedback, options.retention, "retention");
    const index = new RecordIndex();
    const { store, rejected, problems } = await JsonLinesStore.open<StoredFeedback>({
      directory: dir,
      name: LOG_FILE,
      title: "the feedback log",
      replay: (value, offset) => index.replay(value, offset),
      settle: () => index.settle(),
      lock: "feedback",
      readOnly: options.readOnly,
    });
    const found = options.readOnly ? lineProblems(LOG_FILE, rejected) : problems;
    const log = new FeedbackLog(dir, store, index, found, retention);
    // A retention lowered since the last run takes effect now, not at the next append.
    if (!options.readOnly) log.maybeCompact();
    return log;
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
    this.store.checkAppendable();
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
    try {
      await this.store.append(added, (record, offset) => this.index.add(record, offset));
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
    for (const chunk of this.store.chunks(this.index.offsets[first]!)) {
      let start = 0;
      for (let newline = chunk.indexOf(10); newline >= 0; newline = chunk.indexOf(10, start)) {
        if (newline > start) yield JSON.parse(chunk.toString("utf8", start, newline)) as StoredFeedback;
        start = newline + 1;
      }
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
    const bySource: Record<string, number> = Object.create(null);
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
      bytes: this.store.size,
      retention: this.retention,
      dropped: this.dropped,
      duplicates: this.duplicateCount,
      syncs: this.store.syncCount,
      problems: this.problems.reduce((lines, problem) => lines + (problem.count ?? 1), 0),
    };
  }

  /**
   * Drops the oldest records beyond the retention (by rewriting the file atomically; appends
   * go on meanwhile and none is lost). Resolves with the number dropped.
   */
  async compact(): Promise<{ dropped: number }> {
    this.store.checkWritable();
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
      await this.store.dropBefore(this.index.offsets[count]!, () => {
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
  close(): Promise<void> {
    return this.store.close(async () => {
      while (this.compacting) await this.compacting;
    });
  }
}

/** The first item; `for…of` closes the iterator (and its file) when it stops early. */
function firstOf<T>(items: Iterable<T>): T | undefined {
  for (const item of items) return item;
  return undefined;
}
