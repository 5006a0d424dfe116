import { promises as fs } from "node:fs";
import * as path from "node:path";
import { fileTimestamp, storeWriteError, writeFileAtomic, type StoreProblem } from "./files";

/** A line that did not pass, with its 1-based line number and why. */
export interface RejectedLine {
  line: number;
  text: string;
  reason: string;
}

/** What scanning a JSON-lines file found besides the accepted records. */
export interface JsonLinesScan {
  rejected: RejectedLine[];
  /** The last line had no newline: a write cut off by a crash. */
  torn: boolean;
  /** Empty lines were skipped (the file was edited by hand): rewriting it would change offsets. */
  gaps: boolean;
}

/** A file's bytes; a missing file reads as empty. */
export async function readFileOrEmpty(file: string): Promise<Buffer> {
  try {
    return await fs.readFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return Buffer.alloc(0);
    throw storeWriteError(file, "read", error);
  }
}

/**
 * Parses each line of `content` and hands it to `accept` with the line's byte range; a line that
 * does not parse, or that `accept` throws on, is rejected with the reason.
 */
export function scanJsonLines(
  content: Buffer,
  accept: (value: unknown, start: number, end: number) => void,
): JsonLinesScan {
  const scan: JsonLinesScan = { rejected: [], torn: false, gaps: false };
  let start = 0;
  for (let line = 1; start < content.length; line += 1) {
    const newline = content.indexOf(10, start);
    const end = newline < 0 ? content.length : newline;
    if (newline < 0) {
      scan.torn = true;
      scan.rejected.push({ line, text: content.toString("utf8", start, end), reason: "torn line (no newline)" });
      break;
    }
    if (end === start) {
      scan.gaps = true;
    } else {
      const text = content.toString("utf8", start, end);
      try {
        accept(JSON.parse(text), start, end);
      } catch (error) {
        scan.rejected.push({ line, text, reason: (error as Error).message });
      }
    }
    start = end + 1;
  }
  return scan;
}

/**
 * Moves the rejected lines of `file` to `<file>.corrupt-<timestamp>` and rewrites `file` with
 * `good` (the accepted lines) atomically; returns one problem per rejected line.
 */
export async function setAsideLines(
  file: string,
  rejected: readonly RejectedLine[],
  good: () => string | Uint8Array,
  storeDir: string,
): Promise<StoreProblem[]> {
  if (rejected.length === 0) return [];
  const aside = `${file}.corrupt-${fileTimestamp()}`;
  const evidence = rejected.map((entry) => `${JSON.stringify(entry)}\n`).join("");
  try {
    await fs.writeFile(aside, evidence, { flag: "wx" });
  } catch (error) {
    throw storeWriteError(aside, "set aside damaged lines in", error);
  }
  await writeFileAtomic(file, good());
  return lineProblems(path.relative(storeDir, file), rejected, path.basename(aside));
}

/** One problem per rejected line of `name`: set aside as `setAsideAs`, or left in place (read-only). */
export function lineProblems(name: string, rejected: readonly RejectedLine[], setAsideAs?: string): StoreProblem[] {
  return rejected.map((entry) => {
    const problem: StoreProblem = {
      file: name,
      kind: entry.reason.startsWith("torn line") ? "torn-line" : "garbage-line",
      message: `${name} line ${entry.line}: ${entry.reason}${setAsideAs ? "" : " (read-only: left in place)"}`,
    };
    if (setAsideAs) problem.setAsideAs = setAsideAs;
    return problem;
  });
}
