import { describeValue, InvalidInputError } from "../errors";
import { checkText, MAX_ID_LENGTH } from "../validate";
import type { StoreProblem } from "../store/files";
import { JsonLinesStore } from "../store/json-lines-store";
import type { Feedback, Features } from "./feedback";
import { validateFeatures, validateFeedback } from "./validate";

export interface PatternCacheOptions {
  /** Patterns remembered; the least recently seen are forgotten first (default 10,000). */
  maxPatterns?: number;
  /** Feedback parked while its pattern is unknown; the oldest is dropped first (default 1,000). */
  maxParked?: number;
  /** Read without taking the writer lock or repairing anything. */
  readOnly?: boolean;
}

interface PatternRecord {
  t: "pattern";
  patternId: string;
  features: Features;
  seenAt: string;
}
type CacheRecord = PatternRecord | { t: "park"; feedback: Feedback } | { t: "take"; patternId: string };

export const CACHE_FILE = "patterns.jsonl";
// Seeing the same pattern with the same features again is written at most this often.
const RESEEN_WRITE_MS = 60 * 60 * 1000;

/**
 * patternId → features (and when last seen), durable and bounded, so feedback that arrives later
 * with only a pattern id (as Home Assistant events do) can be matched; feedback for a pattern
 * not seen yet is parked until its features arrive.
 */
export class PatternCache {
  readonly problems: StoreProblem[];
  private readonly patterns = new Map<string, { features: Features; seenAt: string; writtenAt: number }>();
  private parked: Feedback[] = [];
  private droppedParked = 0;
  private lines = 0;
  private compacting: Promise<void> | null = null;
  private readonly maxPatterns: number;
  private readonly maxParked: number;

  private constructor(
    readonly directory: string,
    private readonly store: JsonLinesStore<CacheRecord>,
    records: CacheRecord[],
    problems: StoreProblem[],
    options: PatternCacheOptions,
  ) {
    this.problems = problems;
    this.maxPatterns = options.maxPatterns ?? 10_000;
    this.maxParked = options.maxParked ?? 1_000;
    for (const record of records) this.apply(record, 0);
    this.lines = records.length;
  }

  /** Opens (creating if needed) the cache in `dir`; damaged lines are set aside and reported. */
  static async open(dir: string, options: PatternCacheOptions = {}): Promise<PatternCache> {
    for (const field of ["maxPatterns", "maxParked"] as const) {
      const value = options[field];
      if (value !== undefined && (!Number.isInteger(value) || value < 1)) {
        throw new InvalidInputError(field, `expected a whole number ≥ 1, got ${describeValue(value)}`);
      }
    }
    const records: CacheRecord[] = [];
    const { store, problems } = await JsonLinesStore.open<CacheRecord>({
      directory: dir,
      name: CACHE_FILE,
      title: "the pattern cache",
      replay: (value) => records.push(acceptRecord(value)),
      lock: "patterns",
      readOnly: options.readOnly,
    });
    return new PatternCache(dir, store, records, problems, options);
  }

  /** Patterns remembered. */
  get size(): number {
    return this.patterns.size;
  }

  /** Feedback waiting for its pattern's features. */
  get parkedCount(): number {
    return this.parked.length;
  }

  /** Parked feedback dropped (oldest first) because more than maxParked waited, since open. */
  get droppedParkedCount(): number {
    return this.droppedParked;
  }

  /** Remembers (durably) the features of a pattern, e.g. when it is scored or suggested. */
  async remember(patternId: string, features: Features): Promise<void> {
    const id = checkPatternId(patternId);
    const checked = validateFeatures(features);
    const known = this.patterns.get(id);
    const now = Date.now();
    if (known && sameFeatures(known.features, checked) && now - known.writtenAt < RESEEN_WRITE_MS) {
      // Seen again, unchanged: refresh in memory only, so scoring does not cost an fsync each time.
      this.patterns.delete(id);
      this.patterns.set(id, { ...known, seenAt: new Date(now).toISOString() });
      return;
    }
    await this.write({ t: "pattern", patternId: id, features: checked, seenAt: new Date(now).toISOString() });
  }

  /** The remembered features of a pattern, if any. */
  lookup(patternId: string): Features | undefined {
    const known = this.patterns.get(patternId);
    return known ? { ...known.features } : undefined;
  }

  /** When the pattern was last seen (ISO 8601), if known. */
  seenAt(patternId: string): string | undefined {
    return this.patterns.get(patternId)?.seenAt;
  }

  /**
   * Parks (durably) a feedback whose pattern is not known yet; resolves with the warning to show.
   * A feedback already parked (same id) is not parked twice.
   */
  async park(feedback: Feedback): Promise<{ warning: string }> {
    const checked = validateFeedback(feedback);
    const warning =
      `feedback ${checked.id} is for pattern ${checked.patternId}, whose features are not known yet: ` +
      "it is kept and will be learned when the pattern is scored or suggested";
    if (this.parked.some((item) => item.id === checked.id)) return { warning };
    await this.write({ t: "park", feedback: checked });
    return { warning };
  }

  /** Takes the feedback parked for a pattern (oldest first); the removal is made durable in the background. */
  takeParked(patternId: string): Feedback[] {
    const taken = this.parked.filter((item) => item.patternId === patternId);
    if (taken.length === 0) return [];
    // Taken at once, so a second call cannot hand the same feedback over again; a crash before
    // this record is durable only means the feedback is offered again after restart.
    this.parked = this.parked.filter((item) => item.patternId !== patternId);
    this.write({ t: "take", patternId }).catch(() => undefined);
    return taken;
  }

  /** All parked feedback, oldest first. */
  parkedFeedback(): Feedback[] {
    return this.parked.map((item) => ({ ...item }));
  }

  /** Waits for pending writes, then releases the directory. */
  close(): Promise<void> {
    return this.store.close(async () => {
      while (this.compacting) await this.compacting;
    });
  }

  private async write(record: CacheRecord): Promise<void> {
    const writtenAt = Date.now();
    await this.store.append([record], () => {
      this.apply(record, writtenAt);
      this.lines += 1;
    });
    this.maybeCompact();
  }

  private apply(record: CacheRecord, writtenAt: number): void {
    if (record.t === "pattern") {
      this.patterns.delete(record.patternId);
      this.patterns.set(record.patternId, { features: record.features, seenAt: record.seenAt, writtenAt });
      if (this.patterns.size > this.maxPatterns) this.patterns.delete(this.patterns.keys().next().value!);
    } else if (record.t === "park") {
      if (this.parked.some((item) => item.id === record.feedback.id)) return;
      this.parked.push(record.feedback);
      if (this.parked.length > this.maxParked) {
        this.parked.shift();
        this.droppedParked += 1;
      }
    } else {
      this.parked = this.parked.filter((item) => item.patternId !== record.patternId);
    }
  }

  /** Rewrites the file with the live state once it holds mostly superseded lines. */
  private maybeCompact(): void {
    const live = this.patterns.size + this.parked.length;
    if (this.compacting || this.lines <= 2 * live + 1000) return;
    const since = this.store.size;
    const records: CacheRecord[] = [
      ...[...this.patterns].map(
        ([patternId, known]): CacheRecord => ({
          t: "pattern",
          patternId,
          features: known.features,
          seenAt: known.seenAt,
        }),
      ),
      ...this.parked.map((feedback): CacheRecord => ({ t: "park", feedback })),
    ];
    this.compacting = this.store
      .compact(records, since)
      .then(() => {
        this.lines = records.length;
      })
      .catch(() => undefined)
      .finally(() => {
        this.compacting = null;
      });
  }
}

/** The same limit as every other entry point of a pattern id (see checkId). */
function checkPatternId(value: unknown): string {
  return checkText(value, "patternId", MAX_ID_LENGTH);
}

function sameFeatures(a: Features, b: Features): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => a[key] === b[key]);
}

function acceptRecord(value: unknown): CacheRecord {
  const record = value as Record<string, unknown> | null;
  if (record?.t === "pattern") {
    if (typeof record.seenAt !== "string") throw new Error("a pattern record without seenAt");
    return {
      t: "pattern",
      patternId: checkPatternId(record.patternId),
      features: validateFeatures(record.features),
      seenAt: record.seenAt,
    };
  }
  if (record?.t === "park") return { t: "park", feedback: validateFeedback(record.feedback) };
  if (record?.t === "take") return { t: "take", patternId: checkPatternId(record.patternId) };
  throw new Error("not a pattern cache record");
}
