import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { StoreLockedError } from "../errors";
import { isTempFile, sha256, storeWriteError, tempPathFor } from "./files";

interface LockRecord {
  pid: number;
  /** When the holding process started (ms since epoch), to tell a reused pid from the holder. */
  processStartedAt: number | null;
  acquiredAt: string;
  /** Makes each lock's content unique, so "is this still the lock I judged stale?" compares content. */
  token?: string;
}

// Lock files held, or being acquired, by this process: a second open of the same directory in one
// process is refused too, and a lock or claim with this pid that is not in here is a previous life's.
const held = new Set<string>();
// Tries before giving up on a lock that keeps changing; a live process taking it over waits between tries.
const MAX_ATTEMPTS = 50;
const CLAIMED_RETRY_MS = 10;

/** One writer per store directory: a lock file holding the writer's pid and start time. */
export class StoreLock {
  private released = false;

  private constructor(
    readonly file: string,
    readonly directory: string,
    private readonly content: Buffer,
  ) {}

  /**
   * Takes `<dir>/<name>.lock`, or throws StoreLockedError naming the directory and the holder.
   * A lock whose process is gone (or whose pid now belongs to a newer process) is stale and taken
   * over; of several processes taking over the same stale lock at once, exactly one gets it.
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
    held.add(file);
    try {
      const content = recordOfThisProcess();
      await takeLock(dir, file, content);
      // Tidying only: failing to clear what crashed processes left does not undo holding the lock.
      await removeLeftovers(file).catch(() => undefined);
      return new StoreLock(file, dir, content);
    } catch (error) {
      held.delete(file);
      throw error;
    }
  }

  /** Gives the directory up for another writer. */
  async release(): Promise<void> {
    if (this.released) return;
    this.released = true;
    held.delete(this.file);
    // Never remove a lock that is not this one (it was judged stale and taken over).
    if ((await readOrNull(this.file))?.equals(this.content)) await fs.rm(this.file, { force: true });
  }
}

/** Creates `file` holding `content`, taking over a stale lock in its place; throws when a live one holds it. */
async function takeLock(dir: string, file: string, content: Buffer): Promise<void> {
  let holder: LockRecord | null = null;
  let claimant: number | null = null;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
    if (await createWhole(file, content)) return;
    const found = await readOrNull(file);
    if (found === null) continue;
    holder = parseRecord(found);
    if (holder !== null && !isStale(holder)) {
      throw new StoreLockedError(
        dir,
        holder.pid,
        `the store directory ${dir} is in use by process ${holder.pid} (since ${holder.acquiredAt}); ` +
          "only one writer per directory: stop that process or open the store read-only",
      );
    }
    claimant = await removeStale(file, found);
    if (claimant !== null) await new Promise((resolve) => setTimeout(resolve, CLAIMED_RETRY_MS));
  }
  if (claimant !== null) {
    throw new StoreLockedError(
      dir,
      claimant,
      `the store directory ${dir}: process ${claimant} is taking over its stale lock ${file} and has not finished`,
    );
  }
  throw new StoreLockedError(
    dir,
    holder?.pid ?? null,
    `the store directory ${dir}: the lock ${file} keeps reappearing`,
  );
}

/**
 * Removes the stale lock whose content is `stale` from `file`; returns null when done, or the pid
 * of another live process that is removing it. Removing is not "check, then delete": between the
 * two another process may have put its fresh lock there, and deleting that let two writers in. So
 * a process first claims that very lock by creating `<lock>.takeover-<digest>-<n>` exclusively, and
 * deletes only if the lock is still the stale one. Lock contents are unique, so a stale lock never
 * comes back once deleted. A claim left by a process that died while taking over is superseded by
 * claim n + 1; the next holder of the lock clears them.
 */
async function removeStale(file: string, stale: Buffer): Promise<number | null> {
  const prefix = `${file}.takeover-${sha256(stale).slice(0, 16)}-`;
  let generation = 1;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
    const claim = `${prefix}${generation}`;
    if (await createWhole(claim, recordOfThisProcess())) {
      try {
        if ((await readOrNull(file))?.equals(stale)) await fs.rm(file, { force: true });
      } finally {
        await fs.rm(claim, { force: true });
      }
      return null;
    }
    const found = await readOrNull(claim);
    // A claim removed meanwhile is tried again; a claim whose process is gone is superseded.
    if (found === null) continue;
    const claimant = parseRecord(found);
    if (claimant !== null && !isStale(claimant)) return claimant.pid;
    generation += 1;
  }
  return null;
}

/**
 * Creates `file` with `content` if it does not exist, as a whole: written beside it, then linked
 * into place. A lock created empty and then written could be read in between, taken for one torn by
 * a crash, and deleted. False when `file` exists.
 */
async function createWhole(file: string, content: Buffer): Promise<boolean> {
  const temp = tempPathFor(file);
  try {
    // Temp names are unique in this process: one already there is a previous life's, to overwrite.
    await fs.writeFile(temp, content);
    await fs.link(temp, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw storeWriteError(file, "create the lock", error);
  } finally {
    await fs.rm(temp, { force: true });
  }
}

/**
 * Once the lock is held, removes what crashed processes left of taking it: their claims (none can
 * apply any more, the stale lock they were about is gone) and their half-made lock files.
 */
async function removeLeftovers(file: string): Promise<void> {
  const base = path.basename(file);
  for (const name of await fs.readdir(path.dirname(file))) {
    const claim = name.startsWith(`${base}.takeover-`);
    const writer = isTempFile(name) && name.startsWith(`.${base}`) ? tempWriter(name) : null;
    // This process makes no other temp file of this lock now: one of its pid is a previous life's.
    if (claim || (writer !== null && (writer === process.pid || !isAlive(writer)))) {
      await fs.rm(path.join(path.dirname(file), name), { force: true });
    }
  }
}

function recordOfThisProcess(): Buffer {
  const record: LockRecord = {
    pid: process.pid,
    processStartedAt: processStartTime(process.pid),
    acquiredAt: new Date().toISOString(),
    token: randomUUID(),
  };
  return Buffer.from(`${JSON.stringify(record)}\n`);
}

/** The file's bytes, or null when it is not there (vanished meanwhile). */
async function readOrNull(file: string): Promise<Buffer | null> {
  try {
    return await fs.readFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw storeWriteError(file, "read the lock", error);
  }
}

function parseRecord(content: Buffer): LockRecord | null {
  try {
    const parsed = JSON.parse(content.toString("utf8")) as Partial<LockRecord>;
    if (typeof parsed.pid === "number" && Number.isInteger(parsed.pid) && parsed.pid > 0) {
      return {
        pid: parsed.pid,
        processStartedAt: typeof parsed.processStartedAt === "number" ? parsed.processStartedAt : null,
        acquiredAt: String(parsed.acquiredAt),
      };
    }
  } catch {
    // Torn by a crash or a power cut: locks appear whole, so no live process is writing this one.
  }
  return null;
}

/** The pid in a temp file's name (`.<file>.tmp-<pid>-<n>`). */
function tempWriter(name: string): number | null {
  const pid = Number(/\.tmp-(\d+)-\d+$/.exec(name)?.[1]);
  return Number.isInteger(pid) && pid > 0 ? pid : null;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== "ESRCH";
  }
}

function isStale(holder: LockRecord): boolean {
  // Our own pid but not in `held`: a previous life of this process slot (pid 1 in a container restart).
  if (holder.pid === process.pid) return true;
  if (!isAlive(holder.pid)) return true;
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
