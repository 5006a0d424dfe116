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
 * Parses each line of `content` and hands it to `accept` with the line's byte range and 1-based
 * number; a line that does not parse, or that `accept` throws on, is rejected with the reason.
 */
export function scanJsonLines(
  content: Buffer,
  accept: (value: unknown, start: number, end: number, line: number) => void,
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
        accept(JSON.parse(text), start, end, line);
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
 * `good` (the accepted lines) atomically; returns one problem per kind of damage.
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

/** Line numbers a problem lists; a log damaged throughout still makes a problem of bounded size. */
export const MAX_LISTED_LINES = 100;
// Reasons a grouped problem's message quotes.
const QUOTED_REASONS = 3;

/**
 * The rejected lines of `name` as one problem per kind (a torn last line, garbage lines): one
 * alert for a log damaged in many places, not one per line. Set aside as `setAsideAs`, or left in
 * place (read-only).
 */
export function lineProblems(name: string, rejected: readonly RejectedLine[], setAsideAs?: string): StoreProblem[] {
  const byKind = new Map<StoreProblem["kind"], RejectedLine[]>();
  for (const entry of rejected) {
    const kind = entry.reason.startsWith("torn line") ? "torn-line" : "garbage-line";
    const entries = byKind.get(kind);
    if (entries) entries.push(entry);
    else byKind.set(kind, [entry]);
  }
  const fate = setAsideAs ? "" : " (read-only: left in place)";
  return [...byKind].map(([kind, entries]) => {
    const quoted = entries.slice(0, QUOTED_REASONS).map((entry) => `line ${entry.line}: ${entry.reason}`);
    if (entries.length > QUOTED_REASONS) quoted.push(`${entries.length - QUOTED_REASONS} more`);
    const message =
      entries.length === 1
        ? `${name} ${quoted[0]}${fate}`
        : `${name}: ${entries.length} damaged lines${setAsideAs ? " set aside" : ""} (${quoted.join("; ")})${fate}`;
    const problem: StoreProblem = {
      file: name,
      kind,
      message,
      count: entries.length,
      lines: entries.slice(0, MAX_LISTED_LINES).map((entry) => entry.line),
    };
    if (setAsideAs) problem.setAsideAs = setAsideAs;
    return problem;
  });
}
