import { promises as fs } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import * as path from "node:path";
import { PatternQualityError } from "../errors";
import { fsyncDirectory, storeWriteError, tempPathFor } from "./files";

interface PendingWrite {
  text: string;
  onDurable: ((offset: number) => void) | undefined;
  resolve: () => void;
  reject: (error: Error) => void;
}

/**
 * An append-only file with group commit: a write is acknowledged only after fsync, and writes
 * that arrive while an fsync runs are written and fsync'd together, once.
 */
export class AppendFile {
  private pending: PendingWrite[] = [];
  private flushing: Promise<void> | null = null;
  private paused = false;
  private broken: Error | null = null;
  private closed = false;
  private syncs = 0;

  private constructor(
    readonly file: string,
    private handle: FileHandle,
    private bytes: number,
  ) {}

  /** Opens (creating if needed) `file` for appending; `bytes` is its current durable length. */
  static async open(file: string): Promise<AppendFile> {
    let handle: FileHandle;
    try {
      handle = await fs.open(file, "a");
    } catch (error) {
      throw storeWriteError(file, "open", error);
    }
    const { size } = await handle.stat();
    return new AppendFile(file, handle, size);
  }

  /** Bytes known to be durable. */
  get size(): number {
    return this.bytes;
  }

  /** Number of fsyncs so far (group commit makes this smaller than the number of appends). */
  get syncCount(): number {
    return this.syncs;
  }

  /**
   * Appends `text`; resolves once it is on disk (fsync'd). `onDurable` runs synchronously at the
   * moment the write counts as durable, with the byte offset the text starts at, so a caller's
   * in-memory view never lags `size`.
   */
  append(text: string, onDurable?: (offset: number) => void): Promise<void> {
    if (this.closed) return Promise.reject(new PatternQualityError("store-closed", `${this.file} is closed`));
    if (this.broken) return Promise.reject(this.broken);
    return new Promise<void>((resolve, reject) => {
      this.pending.push({ text, onDurable, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.flushing || this.paused || this.pending.length === 0) return;
    this.flushing = this.flush().finally(() => {
      this.flushing = null;
      this.schedule();
    });
  }

  private async flush(): Promise<void> {
    const batch = this.pending.splice(0);
    const text = batch.map((write) => write.text).join("");
    const before = this.bytes;
    try {
      await this.handle.writeFile(text);
      await this.handle.sync();
      this.syncs += 1;
      let offset = before;
      for (const write of batch) {
        write.onDurable?.(offset);
        offset += Buffer.byteLength(write.text);
      }
      this.bytes = offset;
      for (const write of batch) write.resolve();
    } catch (error) {
      const failure = storeWriteError(this.file, "append to", error);
      // Cut a partly written batch off, so no torn line sits before later appends.
      await this.handle.truncate(before).catch(() => {
        this.broken = failure;
      });
      for (const write of batch) write.reject(failure);
    }
  }

  /** Reads `[from, to)` of the durable content. */
  async read(from: number, to = this.bytes): Promise<Buffer> {
    const buffer = Buffer.alloc(Math.max(0, to - from));
    const reader = await fs.open(this.file, "r").catch((error: unknown) => {
      throw storeWriteError(this.file, "read", error);
    });
    try {
      let offset = 0;
      while (offset < buffer.length) {
        const { bytesRead } = await reader.read(buffer, offset, buffer.length - offset, from + offset);
        if (bytesRead === 0) break;
        offset += bytesRead;
      }
    } finally {
      await reader.close();
    }
    return buffer;
  }

  /**
   * Replaces the file by `head` followed by everything appended after offset `since`, atomically:
   * appends keep being acknowledged while `head` is written, and none is lost. `onSwitched` runs
   * synchronously at the moment the new content takes the file's place.
   */
  async compact(head: string | Uint8Array, since: number, onSwitched?: () => void): Promise<void> {
    const temp = tempPathFor(this.file);
    let out: FileHandle | null = null;
    try {
      // Opened for appending: after the rename this handle is the file's append handle.
      out = await fs.open(temp, "ax");
      await out.writeFile(head);
      this.paused = true;
      await this.flushing;
      const tail = await this.read(since);
      await out.writeFile(tail);
      await out.sync();
      await fs.rename(temp, this.file);
      const old = this.handle;
      this.handle = out;
      out = null;
      this.bytes = (typeof head === "string" ? Buffer.byteLength(head) : head.length) + tail.length;
      onSwitched?.();
      await old.close().catch(() => undefined);
      // The rename is atomic already; the directory fsync only makes it survive a power cut.
      await fsyncDirectory(path.dirname(this.file)).catch(() => undefined);
    } catch (error) {
      await out?.close().catch(() => undefined);
      await fs.rm(temp, { force: true }).catch(() => undefined);
      throw storeWriteError(this.file, "compact", error);
    } finally {
      this.paused = false;
      this.schedule();
    }
  }

  /** Drops the bytes before `offset` (the oldest records), keeping everything appended meanwhile. */
  async dropBefore(offset: number, onSwitched?: () => void): Promise<void> {
    const since = this.bytes;
    await this.compact(await this.read(offset, since), since, onSwitched);
  }

  /** Waits for pending appends, then closes the file. */
  async close(): Promise<void> {
    if (this.closed) return;
    while (this.flushing) await this.flushing;
    this.closed = true;
    await this.handle.close();
  }
}
