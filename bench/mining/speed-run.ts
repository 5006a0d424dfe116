/**
 * The mining section's speed figures on one generated home: CPU time of mining its whole
 * logbook, what the reader asks Home Assistant for while it backfills (the simulator in a child
 * process behind a recording proxy), and the event-loop lag while the reader backfills and mines.
 */
import { HomeAssistantConnection } from "../../src/ha/connection";
import { RoutineFinder } from "../../src/ha/routine-finder";
import { mineRoutines } from "../../src/mining/miner";
import type { Routine } from "../../src/mining/routine";
import type { GeneratedHome } from "../../src/testing/simulation/home-history";
import { registryOf } from "./home";
import { nodeRedLag } from "./node-red-lag";
import { cpuRuns, eventLoopLag, type LagFigures, SimChild } from "./speed";

/** What the speed half measured. */
export interface SpeedFigures {
  days: number;
  entities: number;
  entries: number;
  runs: number;
  cpuMs: { median: number; min: number; max: number; all: number[] };
  entriesPerSecond: number;
  backfill?: {
    calls: number;
    largestHours: number;
    entriesRead: number;
    daysRead: number;
    wallMs: number;
    /** Lag of this process's event loop while the reader backfilled and the worker mined. */
    lag: LagFigures;
    /** The same, with the process idle for 2 s just before: the machine's own share. */
    idleLag: LagFigures;
    routines: Routine[];
  };
  backfillNote?: string;
  /** Lag in a Node-RED runtime while the pattern-detect node backfills and mines. */
  nodeRedLag?: {
    runs: number;
    /** Median over the runs of each run's p50 and p99; the worst run's p99; the largest delay seen. */
    p50: number;
    p99: number;
    p99Worst: number;
    max: number;
    /** Median run length, deploy's end to the first output, and of it the time Node-RED's loop was busy. */
    ms: number;
    busyMs: number;
    /** The machine's 1-minute load average after each run. */
    load: number[];
    routines: number;
    entriesRead: number;
  };
  nodeRedLagNote?: string;
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

/** The reader's backfill from the simulator, then mining in its worker thread, as the node runs it. */
async function measureBackfill(seed: number, now: Date): Promise<NonNullable<SpeedFigures["backfill"]>> {
  const token = "bench-token";
  const sim = await SimChild.start(seed, now, token);
  const connection = new HomeAssistantConnection({ url: sim.url, token, pingIntervalMs: 0, commandTimeoutMs: 60_000 });
  const finder = new RoutineFinder(connection, {});
  try {
    await connection.connect();
    // The same process idle for 2 s, the simulator up: what the machine itself adds to the lag.
    const idleLag = await eventLoopLag(() => new Promise((resolve) => setTimeout(resolve, 2000)));
    let run: Awaited<ReturnType<RoutineFinder["run"]>> | undefined;
    const lag = await eventLoopLag(async () => {
      run = await finder.run(now);
    });
    const requests = await sim.logbookRequests();
    return {
      calls: requests.length,
      largestHours: Math.max(...requests.map((r) => r.hours)),
      entriesRead: run!.entriesRead,
      daysRead: run!.daysRead,
      wallMs: lag.ms,
      lag,
      idleLag,
      routines: run!.routines,
    };
  } finally {
    await finder.close();
    await connection.close();
    await sim.stop();
  }
}

/** An error's first line (a require stack or a long explanation does not fit a table cell). */
function firstLine(error: unknown): string {
  const line = (error instanceof Error ? error.message : String(error)).split("\n")[0]!;
  return line.length > 100 ? `${line.slice(0, 99)}…` : line;
}

/** Measures the speed figures on `home` (generated from `seed`): `runs` mining runs for the CPU median, `lagRuns` Node-RED runs. */
export async function measureSpeed(
  home: GeneratedHome,
  seed: number,
  now: Date,
  runs: number,
  lagRuns: number,
): Promise<SpeedFigures> {
  const registry = registryOf(home);
  // One untimed run first: V8 compiles the miner's hot loops on it.
  mineRoutines(home.logbook, registry, {}, now);
  const all = cpuRuns(runs, () => mineRoutines(home.logbook, registry, {}, now));
  const cpuMs = {
    median: median(all),
    min: Math.min(...all),
    max: Math.max(...all),
    all: all.map((x) => Math.round(x)),
  };
  const days = Math.round((now.getTime() / 1000 - (home.logbook[0]?.when ?? now.getTime() / 1000)) / 86_400);
  const figures: SpeedFigures = {
    days,
    entities: home.entities.length,
    entries: home.logbook.length,
    runs,
    cpuMs,
    entriesPerSecond: (home.logbook.length / cpuMs.median) * 1000,
  };
  try {
    figures.backfill = await measureBackfill(seed, now);
  } catch (error) {
    figures.backfillNote = firstLine(error);
  }
  if (figures.backfill === undefined) {
    // The node reads through the same reader: it would fail the same way (or wait for nothing).
    figures.nodeRedLagNote = "not run: the reader could not backfill (above)";
    return figures;
  }
  try {
    const lags = [];
    for (let i = 0; i < lagRuns; i++) lags.push(await nodeRedLag(seed));
    figures.nodeRedLag = {
      runs: lags.length,
      p50: median(lags.map((l) => l.p50)),
      p99: median(lags.map((l) => l.p99)),
      p99Worst: Math.max(...lags.map((l) => l.p99)),
      max: Math.max(...lags.map((l) => l.max)),
      ms: median(lags.map((l) => l.ms)),
      busyMs: median(lags.map((l) => l.busyMs)),
      load: lags.map((l) => l.load),
      routines: lags[0]!.routines,
      entriesRead: lags[0]!.entriesRead,
    };
  } catch (error) {
    figures.nodeRedLagNote = firstLine(error);
  }
  return figures;
}
