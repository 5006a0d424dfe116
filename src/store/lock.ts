import { readFileSync } from "node:fs";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { StoreLockedError } from "../errors";
import { storeWriteError } from "./files";

interface LockRecord {
  pid: number;
  /** When the holding process started (ms since epoch), to tell a reused pid from the holder. */
  processStartedAt: number | null;
  acquiredAt: string;
}

// Locks held by this process: a second open of the same directory in one process is refused too.
const held = new Set<string>();

/** One writer per store directory: a lock file holding the writer's pid and start time. */
export class StoreLock {
  private released = false;

  private constructor(
    readonly file: string,
    readonly directory: string,
  ) {}

  /**
   * Takes `<dir>/<name>.lock`, or throws StoreLockedError naming the directory and the holder.
   * A lock whose process is gone (or whose pid now belongs to a newer process) is stale and taken over.
   */
  static async acquire(dir: string, name: string): Promise<StoreLock> {
    const file = path.resolve(dir, `${name}.lock`);
    if (held.has(file)) {
      throw new StoreLockedError(
        dir,
        process.pid,
        `the store directory ${dir} is already open for writing in this process (${name})`,
      );
    }
    const record: LockRecord = {
      pid: process.pid,
      processStartedAt: processStartTime(process.pid),
      acquiredAt: new Date().toISOString(),
    };
    for (let attempt = 0; ; attempt += 1) {
      try {
        await fs.writeFile(file, `${JSON.stringify(record)}\n`, { flag: "wx" });
        held.add(file);
        return new StoreLock(file, dir);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw storeWriteError(file, "create the lock", error);
      }
      const holder = await readHolder(file);
      if (holder !== null && !isStale(holder)) {
        throw new StoreLockedError(
          dir,
          holder.pid,
          `the store directory ${dir} is in use by process ${holder.pid} (since ${holder.acquiredAt}); ` +
            "only one writer per directory: stop that process or open the store read-only",
        );
      }
      if (attempt >= 2) {
        throw new StoreLockedError(
          dir,
          holder?.pid ?? null,
          `the store directory ${dir}: the lock ${file} keeps reappearing`,
        );
      }
      await fs.rm(file, { force: true });
    }
  }

  /** Gives the directory up for another writer. */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    held.delete(this.file);
    await fs.rm(this.file, { force: true });
  }
}

async function readHolder(file: string): Promise<LockRecord | null> {
  try {
    const parsed = JSON.parse(await fs.readFile(file, "utf8")) as Partial<LockRecord>;
    if (typeof parsed.pid === "number" && Number.isInteger(parsed.pid) && parsed.pid > 0) {
      return {
        pid: parsed.pid,
        processStartedAt: typeof parsed.processStartedAt === "number" ? parsed.processStartedAt : null,
        acquiredAt: String(parsed.acquiredAt),
      };
    }
  } catch {
    // A lock torn by a crash while being written, or vanished meanwhile: nobody holds it.
  }
  return null;
}

function isStale(holder: LockRecord): boolean {
  // Our own pid but not in `held`: a previous life of this process slot (pid 1 in a container restart).
  if (holder.pid === process.pid) return true;
  try {
    process.kill(holder.pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "ESRCH";
  }
  const started = processStartTime(holder.pid);
  // The pid is alive; if it started well after the lock's holder did, the pid was reused.
  return started !== null && holder.processStartedAt !== null && Math.abs(started - holder.processStartedAt) > 2000;
}

/** Start time of a process in ms since the epoch, from /proc (Linux); null where unavailable. */
export function processStartTime(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Field 22 (starttime, clock ticks since boot) follows the ")" that closes the command name.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(fields[19]);
    const btime = Number(/^btime (\d+)$/m.exec(readFileSync("/proc/stat", "utf8"))?.[1]);
    if (!Number.isFinite(ticks) || !Number.isFinite(btime)) return null;
    return Math.round(btime * 1000 + (ticks * 1000) / 100);
  } catch {
    return null;
  }
}
