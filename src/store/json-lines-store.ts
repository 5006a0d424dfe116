import { closeSync, openSync, readSync } from "node:fs";
import * as path from "node:path";
import { PatternQualityError } from "../errors";
import { AppendFile } from "./append-file";
import { ensureDirectory, removeTempFiles, type StoreProblem, writeFileAtomic } from "./files";
import { type JsonLinesScan, type RejectedLine, readFileOrEmpty, scanJsonLines, setAsideLines } from "./json-lines";
import { StoreLock } from "./lock";

/** How to open one JSON-lines file of a store. */
export interface JsonLinesStoreOptions {
  /** The store directory; problems name the file relative to it. */
  directory: string;
  /** The file's name in the directory, e.g. `feedback.jsonl`. */
  name: string;
  /** What the file is called in errors, e.g. "the feedback log". */
  title: string;
  /**
   * Takes each parsed line, oldest first, with the byte offset its line has once the damaged lines
   * are gone (where open() leaves it); throws, with the reason, to reject the line.
   */
  replay: (value: unknown, offset: number) => void;
  /**
   * Called after the last line: the replayed lines to reject after all, by their order of replay
   * (0 for the first line replayed), with the reason. For damage only later lines reveal, such as
   * a record out of order. The offsets `replay` was handed counted these lines in: whoever keeps
   * them moves the later ones down by the rejected lines' lengths.
   */
  settle?: () => ReadonlyMap<number, string>;
  /** Takes this writer lock on the directory; left out by a component that holds a lock of its own. */
  lock?: string;
  /** Read without taking the lock or repairing anything: no write at all. */
  readOnly?: boolean;
}

/** What opening found besides the records handed to `replay`. */
export interface JsonLinesOpened<T> {
  store: JsonLinesStore<T>;
  /** The damaged lines: set aside, or left in place when read-only. */
  rejected: readonly RejectedLine[];
  /** One per line set aside (none when read-only: nothing was moved). */
  problems: StoreProblem[];
}

const READ_CHUNK = 1 << 20;

/**
 * An append-only JSON-lines file of one store: replayed on open with a record checker, damaged
 * lines set aside (never deleted), appends acknowledged once fsync'd, compaction without losing
 * appends, and the lock given back on close.
 */
export class JsonLinesStore<T> {
  private closed = false;

  private constructor(
    /** The file's path. */
    readonly file: string,
    private readonly title: string,
    private readonly directory: string,
    private readonly appender: AppendFile | null,
    private readonly lock: StoreLock | null,
    /** A read-only store reads the content it was opened with, not the live file. */
    private readonly snapshot: Buffer | null,
  ) {}

  /** Opens (creating if needed) the file, replaying it; damaged lines are set aside and reported. */
  static async open<T>(options: JsonLinesStoreOptions): Promise<JsonLinesOpened<T>> {
    const { directory, name, title } = options;
    const file = path.join(directory, name);
    if (options.readOnly) {
      const content = await readFileOrEmpty(file);
      const { scan, good } = replayContent(content, options);
      const snapshot = scan.rejected.length || scan.gaps ? good() : content;
      const store = new JsonLinesStore<T>(file, title, directory, null, null, snapshot);
      return { store, rejected: scan.rejected, problems: [] };
    }
    await ensureDirectory(directory);
    const lock = options.lock ? await StoreLock.acquire(directory, options.lock) : null;
    try {
      await removeTempFiles(directory, name);
      const { scan, good } = replayContent(await readFileOrEmpty(file), options);
      const problems = await setAsideLines(file, scan.rejected, good, directory);
      // Offsets are those of the accepted lines laid end to end: rewrite a file with blank lines too.
      if (scan.gaps && scan.rejected.length === 0) await writeFileAtomic(file, good());
      const store = new JsonLinesStore<T>(file, title, directory, await AppendFile.open(file), lock, null);
      return { store, rejected: scan.rejected, problems };
    } catch (error) {
      await lock?.release();
      throw error;
    }
  }

  /** Bytes of durable content (of the snapshot, when read-only). */
  get size(): number {
    return this.snapshot ? this.snapshot.length : this.appender!.size;
  }

  /** fsyncs since open; fewer than appends thanks to group commit. */
  get syncCount(): number {
    return this.appender?.syncCount ?? 0;
  }

  /** Throws store-read-only, naming the file, when it was opened read-only. */
  checkWritable(): void {
    if (!this.appender) {
      throw new PatternQualityError("store-read-only", `${this.title} in ${this.directory} was opened read-only`);
    }
  }

  /** Throws store-closed or store-read-only, naming the file, unless it takes appends now. */
  checkAppendable(): void {
    if (this.closed) throw new PatternQualityError("store-closed", `${this.title} in ${this.directory} is closed`);
    this.checkWritable();
  }

  /**
   * Appends `records`, one line each; resolves once they are fsync'd. `onDurable` runs
   * synchronously for each record, with its line's offset, at the moment the lines count as
   * durable, so a caller's in-memory view never lags `size`.
   */
  async append(records: readonly T[], onDurable?: (record: T, offset: number) => void): Promise<void> {
    this.checkAppendable();
    const lines = records.map((record) => `${JSON.stringify(record)}\n`);
    await this.appender!.append(lines.join(""), (offset) => {
      let at = offset;
      records.forEach((record, i) => {
        onDurable?.(record, at);
        at += Buffer.byteLength(lines[i]!);
      });
    });
  }

  /**
   * Replaces the file by `records` followed by everything appended after offset `since`,
   * atomically, acknowledging appends meanwhile; `onSwitched` runs as the new content takes over.
   */
  async compact(records: readonly T[], since: number, onSwitched?: () => void): Promise<void> {
    this.checkWritable();
    await this.appender!.compact(records.map((record) => `${JSON.stringify(record)}\n`).join(""), since, onSwitched);
  }

  /** Drops the lines before `offset` (the oldest), keeping everything appended meanwhile. */
  async dropBefore(offset: number, onSwitched?: () => void): Promise<void> {
    this.checkWritable();
    await this.appender!.dropBefore(offset, onSwitched);
  }

  /** The content between two offsets, in chunks that end at a line end. */
  *chunks(from: number, to = this.size): Iterable<Buffer> {
    if (this.snapshot) {
      yield this.snapshot.subarray(from, to);
      return;
    }
    const fd = openSync(this.file, "r");
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

  /**
   * Refuses appends from now on, waits for `settle` (e.g. a running compaction) and the pending
   * appends, then closes the file and gives the lock back.
   */
  async close(settle?: () => Promise<void>): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await settle?.();
    await this.appender?.close();
    await this.lock?.release();
  }
}

/**
 * Scans `content`, handing each accepted line to `replay` with its offset in `good()`: the
 * accepted lines laid end to end, as they were written (so no record changes by a rewrite).
 */
function replayContent(
  content: Buffer,
  { replay, settle }: Pick<JsonLinesStoreOptions, "replay" | "settle">,
): { scan: JsonLinesScan; good: () => Buffer } {
  let replayed: { start: number; end: number; line: number }[] = [];
  let offset = 0;
  const scan = scanJsonLines(content, (value, start, end, line) => {
    replay(value, offset);
    replayed.push({ start, end: end + 1, line });
    offset += end + 1 - start;
  });
  const late = settle?.();
  if (late?.size) {
    for (const [order, reason] of late) {
      const { start, end, line } = replayed[order]!;
      scan.rejected.push({ line, text: content.toString("utf8", start, end - 1), reason });
    }
    scan.rejected.sort((a, b) => a.line - b.line);
    replayed = replayed.filter((_, order) => !late.has(order));
  }
  return { scan, good: () => Buffer.concat(replayed.map(({ start, end }) => content.subarray(start, end))) };
}
