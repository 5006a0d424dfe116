import type { HomeRegistry } from "../mining/home-data";
import type { MiningResult } from "../mining/miner";
import { MinerThread } from "../mining/miner-thread";
import { type MiningOptions, resolveMiningOptions } from "../mining/options";
import type { MinedPattern } from "../mining/routine";
import { type CommandSender, readHome, readLogbook } from "./home-history";

/** One run's routines, with what was read to find them. */
export interface FinderRun extends MiningResult {
  /** Days of logbook asked for in this run (the backfill on the first run, the new ones after). */
  daysRead: number;
  entriesRead: number;
  /** Parts of Home Assistant that could not be read (a non-admin token), in words. */
  problems: string[];
  /** When the run ended. */
  at: Date;
}

/** Overlap with the previous run, for entries Home Assistant records a little late; repeats count once. */
const OVERLAP_MS = 10 * 60_000;
const DAY_MS = 86_400_000;

/**
 * Finds the household's routines in Home Assistant: the first run reads the lookback's days of
 * logbook two hours at a time, later runs only what is new since the previous one; each run re-reads
 * the registries and users, then mines in a worker thread. Patterns keep their ids from run to
 * run (the previous run's patterns are passed as known).
 */
export class RoutineFinder {
  readonly options: MiningOptions;
  private thread: MinerThread | undefined;
  private readUntil: number | undefined;
  private previous: MinedPattern[] = [];
  private running: Promise<FinderRun> | undefined;

  constructor(
    private readonly ha: CommandSender,
    options: Record<string, unknown> = {},
    private readonly workerScript?: string,
  ) {
    this.options = resolveMiningOptions(options);
  }

  /** Runs once; a run asked for while one is going joins it. */
  run(now: Date = new Date()): Promise<FinderRun> {
    this.running ??= this.runOnce(now).finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** Stops the worker thread. */
  async close(): Promise<void> {
    await this.thread?.close();
    this.thread = undefined;
  }

  private async runOnce(now: Date): Promise<FinderRun> {
    const { home, problems } = await readHome(this.ha);
    const thread = this.threadFor(home);
    const lookbackStart = now.getTime() - this.options.lookbackDays * DAY_MS;
    const from = Math.max(lookbackStart, (this.readUntil ?? lookbackStart) - OVERLAP_MS);
    const read = await readLogbook(this.ha, new Date(from), now, (entries) => thread.learn(entries));
    this.readUntil = now.getTime();
    thread.forget(lookbackStart);
    let result: MiningResult;
    try {
      result = await thread.mine(now, this.previous);
    } catch (error) {
      // A dead worker took its entries with it: the next run starts a new one and reads back again.
      await this.close();
      this.readUntil = undefined;
      throw error;
    }
    this.previous = result.patterns;
    return { ...result, daysRead: read.days, entriesRead: read.entries, problems, at: new Date() };
  }

  private threadFor(home: HomeRegistry): MinerThread {
    if (this.thread === undefined) {
      const optionsAsGiven = { ...this.options } as Record<string, unknown>;
      this.thread = new MinerThread(home, optionsAsGiven, this.workerScript);
    } else {
      this.thread.updateHome(home);
    }
    return this.thread;
  }
}
