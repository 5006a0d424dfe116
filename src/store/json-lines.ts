import { promises as fs } from "node:fs";
import * as path from "node:path";
import { fileTimestamp, storeWriteError, writeFileAtomic, type StoreProblem } from "./files";

/** The result of reading a JSON-lines file: the records that passed, and the lines that did not. */
export interface JsonLinesRead<T> {
  records: T[];
  rejected: { line: number; text: string; reason: string }[];
  /** The last line had no newline: a write cut off by a crash. */
  torn: boolean;
}

/**
 * Reads a JSON-lines file; `accept` turns a parsed line into a record or throws with the reason.
 * A missing file reads as empty.
 */
export async function readJsonLines<T>(file: string, accept: (value: unknown) => T): Promise<JsonLinesRead<T>> {
  let text: string;
  try {
    text = await fs.readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { records: [], rejected: [], torn: false };
    throw storeWriteError(file, "read", error);
  }
  const lines = text.split("\n");
  const last = lines.pop() ?? "";
  const result: JsonLinesRead<T> = { records: [], rejected: [], torn: last !== "" };
  lines.forEach((line, index) => {
    if (line === "") return;
    try {
      result.records.push(accept(JSON.parse(line)));
    } catch (error) {
      result.rejected.push({ line: index + 1, text: line, reason: (error as Error).message });
    }
  });
  if (result.torn) result.rejected.push({ line: lines.length + 1, text: last, reason: "torn line (no newline)" });
  return result;
}

/**
 * Moves the rejected lines of `file` to `<file>.corrupt-<timestamp>` and rewrites `file` with the
 * accepted records only (atomically); returns one problem per rejected line.
 */
export async function setAsideLines<T>(file: string, read: JsonLinesRead<T>, storeDir: string): Promise<StoreProblem[]> {
  if (read.rejected.length === 0) return [];
  const good = read.records.map((record) => `${JSON.stringify(record)}\n`).join("");
  const aside = `${file}.corrupt-${fileTimestamp()}`;
  const evidence = read.rejected.map((entry) => `${JSON.stringify(entry)}\n`).join("");
  try {
    await fs.writeFile(aside, evidence, { flag: "wx" });
  } catch (error) {
    throw storeWriteError(aside, "set aside damaged lines in", error);
  }
  await writeFileAtomic(file, good);
  const name = path.relative(storeDir, file);
  return read.rejected.map((entry) => ({
    file: name,
    kind: entry.reason.startsWith("torn line") ? ("torn-line" as const) : ("garbage-line" as const),
    message: `${name} line ${entry.line}: ${entry.reason}`,
    setAsideAs: path.basename(aside),
  }));
}
