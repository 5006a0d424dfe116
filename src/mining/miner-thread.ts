import * as path from "node:path";
import { Worker } from "node:worker_threads";
import { PatternQualityError } from "../errors";
import type { HomeRegistry } from "./home-data";
import type { MiningResult } from "./miner";
import { resolveMiningOptions } from "./options";
import type { MinedPattern } from "./routine";

/** A message to the mining worker. */
export type MinerRequest =
  | { type: "learn"; entries: unknown[] }
  | { type: "home"; home: HomeRegistry }
  | { type: "forget"; beforeMs: number }
  | { type: "mine"; id: number; nowMs: number; known: MinedPattern[] };

/** The worker's answer to a `mine` request. */
export type MinerReply = { id: number; ok: true; result: MiningResult } | { id: number; ok: false; message: string };

/**
 * The compiled worker sits beside this file in dist/; run from the TypeScript sources (tests),
 * a worker thread cannot load .ts, so it uses the compiled one (npm test builds first).
 */
export function defaultMiningWorkerScript(): string {
  if (__filename.endsWith(".js")) return path.join(__dirname, "mining-worker.js");
  return path.resolve(__dirname, "../../dist/src/mining/mining-worker.js");
}

/**
 * A RoutineMiner in a worker thread, so mining 100,000 logbook entries never blocks Node-RED's
 * event loop: entries are posted a day at a time (a few milliseconds of copying each) and only
 * the routines come back.
 */
export class MinerThread {
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve(r: MiningResult): void; reject(e: Error): void }>();
  private nextId = 1;
  private failure: Error | undefined;

  constructor(home: HomeRegistry, options: Record<string, unknown> = {}, script = defaultMiningWorkerScript()) {
    // Checked here, so a bad setting is the caller's InvalidInputError, not a dead worker.
    resolveMiningOptions(options);
    this.worker = new Worker(script, { workerData: { home, options } });
    this.worker.unref();
    this.worker.on("message", (reply: MinerReply) => {
      const waiting = this.pending.get(reply.id);
      if (waiting === undefined) return;
      this.pending.delete(reply.id);
      if (this.pending.size === 0) this.worker.unref();
      if (reply.ok) waiting.resolve(reply.result);
      else waiting.reject(new PatternQualityError("mining-failed", `Mining failed: ${reply.message}`));
    });
    const fail = (error: Error) => {
      this.failure = new PatternQualityError("mining-failed", `The mining worker thread stopped: ${error.message}`);
      for (const waiting of this.pending.values()) waiting.reject(this.failure);
      this.pending.clear();
    };
    this.worker.on("error", fail);
    this.worker.on("exit", (code) => {
      if (this.failure === undefined) fail(new Error(`exit code ${code}`));
    });
  }

  /** Hands entries to the miner (in order; duplicates count once). */
  learn(entries: unknown[]): void {
    this.post({ type: "learn", entries });
  }

  /** Newer registries and users. */
  updateHome(home: HomeRegistry): void {
    this.post({ type: "home", home });
  }

  /** Forgets changes before `beforeMs`. */
  forget(beforeMs: number): void {
    this.post({ type: "forget", beforeMs });
  }

  /** Mines the window ending at `now`; earlier patterns lend their ids. */
  mine(now: Date, known: readonly MinedPattern[] = []): Promise<MiningResult> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise<MiningResult>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      // Held while an answer is awaited: a CLI waiting on it must not exit first.
      this.worker.ref();
      this.post({ type: "mine", id, nowMs: now.getTime(), known: [...known] });
    });
  }

  /** Stops the worker; pending mining is rejected. */
  async close(): Promise<void> {
    this.failure ??= new PatternQualityError("mining-failed", "The miner was closed.");
    for (const waiting of this.pending.values()) waiting.reject(this.failure);
    this.pending.clear();
    await this.worker.terminate();
  }

  private post(request: MinerRequest): void {
    if (this.failure !== undefined) return;
    this.worker.postMessage(request);
  }
}
