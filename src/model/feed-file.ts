import { promises as fs } from "node:fs";
import * as path from "node:path";
import { setAside, type StoreProblem, storeWriteError, writeFileAtomic } from "../store/files";
import { DashboardFeed } from "./dashboard-feed";

/** The model's alerts and accuracy history (see DashboardFeed), so a restart keeps them. */
export const FEED_FILE = "alerts.json";

/**
 * Reads the kept feed of `dir`: a new one without a file; a damaged file is set aside like the
 * store's other files (the feed starts afresh, the problem says so). Throws StoreWriteError when
 * the file is there but cannot be read.
 */
export async function loadFeed(dir: string): Promise<{ feed: DashboardFeed; problem: StoreProblem | null }> {
  const file = path.join(dir, FEED_FILE);
  let text: string;
  try {
    text = await fs.readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { feed: new DashboardFeed(), problem: null };
    throw storeWriteError(file, "read the alerts", error);
  }
  try {
    return { feed: DashboardFeed.fromJSON(JSON.parse(text)), problem: null };
  } catch (error) {
    const setAsideAs = await setAside(file).catch((cause: unknown) => {
      throw storeWriteError(file, "set aside", cause);
    });
    const problem: StoreProblem = {
      file: FEED_FILE,
      kind: "corrupt-alerts",
      message:
        `${FEED_FILE} is damaged (${(error as Error).message}); set aside as ${setAsideAs}; ` +
        "the alerts and the accuracy chart start afresh",
      setAsideAs,
    };
    return { feed: new DashboardFeed(), problem };
  }
}

/** Saves the feed (atomic: a crash leaves the old or the new; bounded by FEED_LIMITS). */
export async function saveFeed(dir: string, feed: DashboardFeed): Promise<void> {
  await writeFileAtomic(path.join(dir, FEED_FILE), `${JSON.stringify(feed.toJSON())}\n`);
}
