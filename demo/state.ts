import { promises as fs } from "node:fs";
import path from "node:path";
import type { TasteName } from "./household";

/** A created automation as the demo keeps it, to put it back into the simulator after a restart. */
export interface KeptAutomation {
  id: string;
  config: Record<string, unknown>;
  /** The household turned it off. */
  off: boolean;
}

/**
 * The household's life so far, kept in `DEMO_DIR/household.json` so a restart continues it: the
 * home (its seed and the end of its generated past), the simulated clock, the taste (changed or
 * not), the answers given, and the automations created in the simulator.
 */
export interface HouseholdState {
  seed: number;
  /** The end of the generated home's past (ISO): the same seed and end give the same home. */
  homeEnd: string;
  /** The simulated clock when last saved (ISO). */
  clock: string;
  taste: TasteName;
  /** Answers given on the phone (approve, reject, not now). */
  answers: number;
  /** Pattern ids asked before: a second question about one is never answered "Not now". */
  asked: string[];
  /** Pattern ids the household approved against its taste: it undoes their automation. */
  regrets: string[];
  /** Pattern ids whose automation the household already undid or turned off. */
  undone: string[];
  automations: KeptAutomation[];
  /** Simulated days since the first start. */
  day: number;
}

const FILE = "household.json";

/** The kept state of a demo directory, or null on a first start. */
export async function loadState(dir: string): Promise<HouseholdState | null> {
  try {
    return JSON.parse(await fs.readFile(path.join(dir, FILE), "utf8")) as HouseholdState;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw new Error(`${path.join(dir, FILE)} is not readable: ${(error as Error).message}`);
  }
}

/** Writes the state (a temp file then a rename: a crash mid-write leaves the last good one). */
export async function saveState(dir: string, state: HouseholdState): Promise<void> {
  const file = path.join(dir, FILE);
  await fs.writeFile(`${file}.tmp`, `${JSON.stringify(state, null, 2)}\n`);
  await fs.rename(`${file}.tmp`, file);
}

/** A first start's state: a new home ending now, the clock at its end, the first taste. */
export function newState(seed: number, now: Date): HouseholdState {
  const end = new Date(Math.floor(now.getTime() / 60_000) * 60_000).toISOString();
  return {
    seed,
    homeEnd: end,
    clock: end,
    taste: "sequences-and-weekdays",
    answers: 0,
    asked: [],
    regrets: [],
    undone: [],
    automations: [],
    day: 0,
  };
}
