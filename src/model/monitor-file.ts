import { promises as fs } from "node:fs";
import * as path from "node:path";
import { describeValue } from "../errors";
import { PrequentialMonitor } from "../learning/monitor";
import { writeFileAtomic } from "../store/files";

/** The monitor's state and the last feedback it saw, so a restart keeps the live metrics. */
export const MONITOR_FILE = "monitor.json";

/** A saved monitor and the feedback log seq it had seen last. */
export interface SavedMonitor {
  monitor: PrequentialMonitor;
  seq: number;
}

/**
 * Reads the saved monitor of `dir`: null when there is none; throws when it is unreadable or
 * claims a feedback beyond the log's `watermark` (the caller reports it and starts afresh).
 */
export async function loadMonitor(dir: string, watermark: number): Promise<SavedMonitor | null> {
  let text: string;
  try {
    text = await fs.readFile(path.join(dir, MONITOR_FILE), "utf8");
  } catch {
    return null;
  }
  const saved = JSON.parse(text) as { seq?: unknown; monitor?: unknown };
  const seq = saved.seq;
  if (typeof seq !== "number" || !Number.isInteger(seq) || seq < 0 || seq > watermark) {
    throw new Error(`seq ${describeValue(seq)} does not fit the feedback log (watermark ${watermark})`);
  }
  return { monitor: PrequentialMonitor.fromJSON(saved.monitor), seq };
}

/** Saves the monitor with the last feedback seq it has seen (atomic: a crash leaves the old or the new). */
export async function saveMonitor(dir: string, seq: number, monitor: PrequentialMonitor): Promise<void> {
  const state = { format: "pattern-quality-monitor-state", seq, monitor: monitor.toJSON() };
  await writeFileAtomic(path.join(dir, MONITOR_FILE), `${JSON.stringify(state)}\n`);
}
