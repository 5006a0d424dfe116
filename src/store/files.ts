import { createHash } from "node:crypto";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { StoreWriteError } from "../errors";

/** Something found wrong with a stored file on open or load, and what was done about it. */
export interface StoreProblem {
  /** The file (relative to the store directory) the problem was found in. */
  file: string;
  kind:
    | "torn-line"
    | "garbage-line"
    | "corrupt-registry"
    | "rebuilt-registry"
    | "wrong-hash"
    | "missing-model"
    | "corrupt-model"
    | "corrupt-monitor"
    | "corrupt-trials"
    | "corrupt-alerts"
    | "unfinished-save"
    | "recovered-activation"
    | "active-replaced";
  message: string;
  /** Where the damaged content was moved, so nothing is silently thrown away. */
  setAsideAs?: string;
  /** Damaged lines of one kind are one problem: how many there were… */
  count?: number;
  /** …and their 1-based numbers in the file as it was found (the first MAX_LISTED_LINES of them). */
  lines?: number[];
}

// Temp files carry this marker so an interrupted write can be recognised and removed on open.
const TEMP_MARKER = ".tmp-";
let tempCounter = 0;

/** The name of a temp file beside `file`, unique in this process. */
export function tempPathFor(file: string): string {
  tempCounter += 1;
  return path.join(path.dirname(file), `.${path.basename(file)}${TEMP_MARKER}${process.pid}-${tempCounter}`);
}

/** True for a temp file left behind by an interrupted atomic write. */
export function isTempFile(name: string): boolean {
  return name.startsWith(".") && name.includes(TEMP_MARKER);
}

/** Maps an fs failure to a StoreWriteError that says which path and what a user can do. */
export function storeWriteError(file: string, action: string, error: unknown): StoreWriteError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const hint =
    code === "EROFS" || code === "EACCES" || code === "EPERM"
      ? "the directory is read-only or not writable by this user"
      : code === "ENOSPC" || code === "EDQUOT"
        ? "the disk is full"
        : code === "ENOTDIR" || code === "EISDIR" || code === "EEXIST"
          ? "a file or directory is in the way"
          : code === "ENOENT"
            ? "a directory on the path does not exist"
            : String((error as Error | undefined)?.message ?? error);
  return new StoreWriteError(file, `cannot ${action} ${file}: ${hint}${code ? ` (${code})` : ""}`, { cause: error });
}

/** fsync a directory so a rename or a new file in it survives a power cut. */
export async function fsyncDirectory(dir: string): Promise<void> {
  const handle = await fs.open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Writes a file so that a crash at any instant leaves either the old or the new content:
 * temp file, fsync, rename over the target, fsync the directory.
 */
export async function writeFileAtomic(file: string, content: string | Uint8Array): Promise<void> {
  const temp = tempPathFor(file);
  try {
    const handle = await fs.open(temp, "wx");
    try {
      await handle.writeFile(content);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(temp, file);
    await fsyncDirectory(path.dirname(file));
  } catch (error) {
    await fs.rm(temp, { force: true }).catch(() => undefined);
    throw storeWriteError(file, "write", error);
  }
}

/**
 * Removes temp files left by interrupted writes of the given files (all temp files when none
 * are named); returns their names. Naming them keeps one component from deleting the temp file
 * another component of the same store is writing right now.
 */
export async function removeTempFiles(dir: string, ...of: string[]): Promise<string[]> {
  const removed: string[] = [];
  for (const name of await fs.readdir(dir)) {
    if (isTempFile(name) && (of.length === 0 || of.some((file) => name.startsWith(`.${file}${TEMP_MARKER}`)))) {
      await fs.rm(path.join(dir, name), { force: true });
      removed.push(name);
    }
  }
  return removed;
}

/** A timestamp safe in file names, e.g. 20261126T173348123Z. */
export function fileTimestamp(now = new Date()): string {
  return now.toISOString().replace(/[-:.]/g, "");
}

/** Renames a damaged file to `<name>.corrupt-<timestamp>` and returns the new base name. */
export async function setAside(file: string, now = new Date()): Promise<string> {
  let target = `${file}.corrupt-${fileTimestamp(now)}`;
  for (let n = 1; await exists(target); n += 1) target = `${file}.corrupt-${fileTimestamp(now)}-${n}`;
  await fs.rename(file, target);
  return path.basename(target);
}

/** True when the path exists (any type). */
export async function exists(file: string): Promise<boolean> {
  try {
    await fs.lstat(file);
    return true;
  } catch {
    return false;
  }
}

/** Hex sha256 of bytes or text. */
export function sha256(content: string | Uint8Array): string {
  return createHash("sha256").update(content).digest("hex");
}

/** Creates the store directory (and parents), mapping failures to StoreWriteError. */
export async function ensureDirectory(dir: string): Promise<void> {
  try {
    await fs.mkdir(dir, { recursive: true });
  } catch (error) {
    throw storeWriteError(dir, "create the store directory", error);
  }
}
