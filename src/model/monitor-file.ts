import { promises as fs } from "node:fs";
import * as path from "node:path";
import { describeValue } from "../errors";
import { PrequentialMonitor } from "../learning/monitor";
import { setAside, type StoreProblem, storeWriteError, writeFileAtomic } from "../store/files";

/** The monitor's state and the last feedback it saw, so a restart keeps the live metrics. */
export const MONITOR_FILE = "monitor.json";

/** A saved monitor and the feedback log seq it had seen last. */
export interface SavedMonitor {
  monitor: PrequentialMonitor;
  seq: number;
}

/** What reading the saved monitor found: the monitor, or none (no file, or a damaged one set aside). */
export interface LoadedMonitor {
  saved: SavedMonitor | null;
  /** A damaged file (or one claiming a feedback beyond the log's `watermark`), and where it was set aside. */
  problem: StoreProblem | null;
}

/**
 * Reads the saved monitor of `dir`. A damaged file is set aside like the store's other files, not
 * left to be overwritten by the next save; only the live metrics start afresh. Throws
 * StoreWriteError when the file is there but cannot be read.
 */
export async function loadMonitor(dir: string, watermark: number): Promise<LoadedMonitor> {
  const file = path.join(dir, MONITOR_FILE);
  let text: string;
  try {
    text = await fs.readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { saved: null, problem: null };
    throw storeWriteError(file, "read the live metrics", error);
  }
  try {
    return { saved: parseMonitor(text, watermark), problem: null };
  } catch (error) {
    const setAsideAs = await setAside(file).catch((cause: unknown) => {
      throw storeWriteError(file, "set aside", cause);
    });
    const problem: StoreProblem = {
      file: MONITOR_FILE,
      kind: "corrupt-monitor",
      message:
        `${MONITOR_FILE} is damaged (${(error as Error).message}); set aside as ${setAsideAs}; ` +
        "the live metrics start afresh",
      setAsideAs,
    };
    return { saved: null, problem };
  }
}

function parseMonitor(text: string, watermark: number): SavedMonitor {
  const saved = JSON.parse(text) as { seq?: unknown; monitor?: unknown } | null;
  const seq = saved?.seq;
  if (typeof seq !== "number" || !Number.isInteger(seq) || seq < 0 || seq > watermark) {
    throw new Error(`seq ${describeValue(seq)} does not fit the feedback log (watermark ${watermark})`);
  }
  return { monitor: PrequentialMonitor.fromJSON(saved!.monitor), seq };
}

/** Saves the monitor with the last feedback seq it has seen (atomic: a crash leaves the old or the new). */
export async function saveMonitor(dir: string, seq: number, monitor: PrequentialMonitor): Promise<void> {
  const state = { format: "pattern-quality-monitor-state", seq, monitor: monitor.toJSON() };
  await writeFileAtomic(path.join(dir, MONITOR_FILE), `${JSON.stringify(state)}\n`);
}
