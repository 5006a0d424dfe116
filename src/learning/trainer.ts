import { availableParallelism } from "node:os";
import * as path from "node:path";
import { Worker } from "node:worker_threads";
import { describeValue, InvalidInputError, PatternQualityError } from "../errors";
import type { Features } from "../feedback/feedback";
import type { GrownTree } from "./forest";
import { encodeBatch, TrainingHistory } from "./history";
import { PatternLearner } from "./learner";
import type { GrowJob, HistorySync, TrainingReply, TrainingRequest } from "./training-job";

/**
 * The new feedback of an incremental update, in one of two forms:
 * - `{ X, y }`: rows not (yet) in the history, validated here (InvalidInputError naming e.g. `batch.X[2].recency`);
 * - `{ fromSeq }`: rows already added to the history, from sequence number `fromSeq` to its end
 *   (take `history.endSeq` before adding them).
 * Either way the trees are grown on these rows plus the `params.historySample` stored rows before them.
 */
export type IncrementalBatch =
  | { X: readonly (Features | readonly number[] | Float64Array)[]; y: readonly unknown[] }
  | { fromSeq: number };

export interface IncrementalResult {
  /** A new learner; the one passed in is untouched. */
  model: PatternLearner;
  /** Trees grown in this update. */
  treesGrown: number;
  /** Old trees removed to keep the forest's size. */
  treesReplaced: number;
  /** Time the workers spent training (the slowest worker). */
  trainMs: number;
  /** From the request to the new model being ready, hand-offs included. */
  totalMs: number;
}

export interface FullResult {
  model: PatternLearner;
  trainMs: number;
  totalMs: number;
}

export interface TrainerOptions {
  /** The worker thread's script; by default the compiled training-worker.js (see below). */
  workerScript?: string;
  /** Worker threads sharing each training (default: 2, or 1 on a single core). */
  workers?: number;
}

/**
 * The compiled trainer is dist/src/learning/trainer.js and its worker sits beside it. Run from the
 * TypeScript sources (as in the tests), a worker thread cannot load .ts, so it uses the compiled
 * worker in dist/ (npm test builds first).
 */
export function defaultWorkerScript(): string {
  if (__filename.endsWith(".js")) return path.join(__dirname, "training-worker.js");
  return path.resolve(__dirname, "../../dist/src/learning/training-worker.js");
}

/** Trees × training rows from which a training is shared between the workers. */
const SHARED_WORK = 50_000;

interface Slot {
  worker: Worker;
  pending: Map<number, { resolve: (reply: TrainingReply & { ok: true }) => void; reject: (error: Error) => void }>;
  /** The history its copy holds and where that copy ends. */
  historyId: string | null;
  endSeq: number;
  dead: boolean;
}

/**
 * Incremental and full training in worker threads, so the caller's event loop stays free. Workers
 * start on the first request and stay (each keeps a copy of the history and is sent only new rows);
 * the trees to grow are shared out between them. A worker that fails rejects its requests and is
 * replaced by a fresh one on the next request.
 */
export class Trainer {
  private readonly script: string;
  private readonly size: number;
  private readonly slots: (Slot | null)[];
  private nextId = 1;
  private closed = false;

  constructor(options: TrainerOptions = {}) {
    this.script = options.workerScript ?? defaultWorkerScript();
    const workers = options.workers ?? Math.min(2, availableParallelism());
    if (!Number.isInteger(workers) || workers < 1 || workers > 64) {
      throw new InvalidInputError("workers", `expected an integer from 1 to 64, got ${describeValue(workers)}`);
    }
    this.size = workers;
    this.slots = new Array<Slot | null>(workers).fill(null);
  }

  /**
   * Grows `params.incrementalTrees` new trees (enough to fill the forest while it is not full) on
   * the batch plus recent history and swaps them for the trees with the highest recent error.
   * The new learner starts from `model` as it is when training ends, so online feedback learned
   * meanwhile is kept. `options.change`: a change of taste the drift detector found (the rows
   * since it, and whether this is the first update since): see PatternLearner.incrementalPlan.
   */
  async incremental(
    model: PatternLearner,
    batch: IncrementalBatch,
    history: TrainingHistory,
    options: { change?: { rows: number; fresh: boolean }; skip?: Array<[number, number]> } = {},
  ): Promise<IncrementalResult> {
    const started = performance.now();
    this.checkModel(model, history);
    const params = model.params;
    let job: Omit<GrowJob, "serials">;
    if (typeof batch === "object" && batch !== null && "fromSeq" in batch) {
      const fromSeq = batch.fromSeq;
      if (!Number.isInteger(fromSeq) || fromSeq < history.firstSeq || fromSeq >= history.endSeq) {
        throw new InvalidInputError(
          "batch.fromSeq",
          `expected a row of the history from ${history.firstSeq} to ${history.endSeq - 1}, ` +
            `got ${describeValue(fromSeq)}${history.size === 0 ? " (the history is empty)" : ""}`,
        );
      }
      job = { params, fromSeq: Math.max(history.firstSeq, fromSeq - params.historySample), toSeq: history.endSeq };
    } else {
      if (typeof batch !== "object" || batch === null)
        throw new InvalidInputError("batch", `expected { X, y } or { fromSeq }, got ${describeValue(batch)}`);
      const rows = encodeBatch(model.schema, (batch as { X: unknown }).X, (batch as { y: unknown }).y);
      const fromSeq = Math.max(history.firstSeq, history.endSeq - params.historySample);
      job = { params, fromSeq, toSeq: history.endSeq, extraX: rows.X, extraY: rows.y };
    }
    const trainingRows = job.toSeq - job.fromSeq + (job.extraY?.length ?? 0);
    const batchRows = job.extraY ? job.extraY.length : history.endSeq - (batch as { fromSeq: number }).fromSeq;
    const change = options.change;
    if (
      change !== undefined &&
      (typeof change !== "object" || change === null || !(change.rows >= 1) || typeof change.fresh !== "boolean")
    ) {
      throw new InvalidInputError(
        "options.change",
        `expected { rows ≥ 1, fresh: true/false }, got ${describeValue(change)}`,
      );
    }
    const plan = model.incrementalPlan(trainingRows, batchRows, change);
    if (options.skip && options.skip.length > 0) job.skip = options.skip;
    const reply = await this.grow(plan.serials, { ...job, windows: plan.windows }, history);
    const { model: next, treesReplaced } = model.withIncrementalTrees(reply.trees);
    return {
      model: next,
      treesGrown: reply.trees.length,
      treesReplaced,
      trainMs: reply.trainMs,
      totalMs: performance.now() - started,
    };
  }

  /** Grows a whole new forest on all of the history (its schema and params from `model`) but the rows in `skip`. */
  async full(model: PatternLearner, history: TrainingHistory, skip?: Array<[number, number]>): Promise<FullResult> {
    const started = performance.now();
    this.checkModel(model, history);
    if (history.size === 0)
      throw new InvalidInputError("history", "expected stored feedback to train on, got an empty history");
    const reply = await this.grow(
      model.fullSerials(),
      { params: model.params, fromSeq: history.firstSeq, toSeq: history.endSeq, ...(skip?.length ? { skip } : {}) },
      history,
    );
    return { model: model.withForest(reply.trees), trainMs: reply.trainMs, totalMs: performance.now() - started };
  }

  /** Stops the workers; pending requests are rejected. */
  async close(): Promise<void> {
    this.closed = true;
    const stopping: Promise<number>[] = [];
    this.slots.forEach((slot, i) => {
      if (!slot) return;
      this.slots[i] = null;
      this.fail(slot, new PatternQualityError("trainer-closed", "The trainer was closed before training finished"));
      stopping.push(slot.worker.terminate());
    });
    await Promise.all(stopping);
  }

  private checkModel(model: PatternLearner, history: TrainingHistory): void {
    if (this.closed) throw new PatternQualityError("trainer-closed", "The trainer is closed");
    if (!(model instanceof PatternLearner))
      throw new InvalidInputError("model", `expected a PatternLearner, got ${describeValue(model)}`);
    if (!(history instanceof TrainingHistory))
      throw new InvalidInputError("history", `expected a TrainingHistory, got ${describeValue(history)}`);
    if (!history.schema.equals(model.schema)) {
      throw new InvalidInputError("history", "its feature schema differs from the model's");
    }
  }

  /**
   * Shares the serials out between the workers and gathers their trees, in serial order. Small
   * jobs (a usual incremental update) go to one worker: below SHARED_WORK tree-rows, waiting for
   * two threads to be scheduled costs more than the second core saves, on a busy machine most.
   */
  private async grow(
    serials: number[],
    job: Omit<GrowJob, "serials">,
    history: TrainingHistory,
  ): Promise<{ trees: GrownTree[]; trainMs: number }> {
    const rows = job.toSeq - job.fromSeq + (job.extraY?.length ?? 0);
    const parts = serials.length * rows < SHARED_WORK ? 1 : Math.min(this.size, serials.length);
    const chunk = Math.ceil(serials.length / parts);
    const replies = await Promise.all(
      Array.from({ length: parts }, (_, i) => {
        const share: GrowJob = { ...job, serials: serials.slice(i * chunk, (i + 1) * chunk) };
        if (job.windows) share.windows = job.windows.slice(i * chunk, (i + 1) * chunk);
        return this.send(i, share, history);
      }),
    );
    return { trees: replies.flatMap((r) => r.trees), trainMs: Math.max(...replies.map((r) => r.trainMs)) };
  }

  private send(index: number, job: GrowJob, history: TrainingHistory): Promise<TrainingReply & { ok: true }> {
    const slot = this.slot(index);
    const id = this.nextId++;
    const sync = this.syncFor(slot, history);
    const request: TrainingRequest = { id, job: { ...job, extraX: job.extraX?.slice(), extraY: job.extraY?.slice() } };
    if (sync) request.sync = sync;
    const transfer: ArrayBuffer[] = [];
    for (const a of [sync?.X, sync?.y, request.job.extraX, request.job.extraY])
      if (a) transfer.push(a.buffer as ArrayBuffer);
    return new Promise((resolve, reject) => {
      slot.pending.set(id, { resolve, reject });
      slot.worker.ref();
      try {
        slot.worker.postMessage(request, transfer);
      } catch (error) {
        // The worker's copy of the history did not get these rows: start afresh next time.
        this.retire(slot, index);
        this.fail(
          slot,
          new PatternQualityError(
            "training-failed",
            `Could not hand the training over to the worker thread: ${(error as Error).message}`,
          ),
        );
      }
    });
  }

  /** The rows the worker's copy lacks (all of them when it has none or has fallen too far behind). */
  private syncFor(slot: Slot, history: TrainingHistory): HistorySync | null {
    const fresh = slot.historyId !== history.id || slot.endSeq < history.firstSeq || slot.endSeq > history.endSeq;
    if (!fresh && slot.endSeq === history.endSeq) return null;
    const rows = history.slice(fresh ? history.firstSeq : slot.endSeq);
    slot.historyId = history.id;
    slot.endSeq = history.endSeq;
    return {
      historyId: history.id,
      capacity: history.capacity,
      d: rows.d,
      reset: fresh,
      fromSeq: rows.fromSeq,
      X: rows.X,
      y: rows.y,
    };
  }

  private slot(index: number): Slot {
    const existing = this.slots[index];
    if (existing && !existing.dead) return existing;
    // Training reuses its working arrays (tree.ts, binning.ts, training-job.ts), so an update leaves
    // little for the collector; the young generation may still grow to 64 MB for a full retrain
    // on a large history, which hands back megabytes of trees at once.
    const worker = new Worker(this.script, { resourceLimits: { maxYoungGenerationSizeMb: 64 } });
    const slot: Slot = { worker, pending: new Map(), historyId: null, endSeq: 0, dead: false };
    worker.on("message", (reply: TrainingReply | null) => {
      const waiting = typeof reply === "object" && reply !== null ? slot.pending.get(reply.id) : undefined;
      if (!waiting) return;
      const answer = reply as TrainingReply;
      slot.pending.delete(answer.id);
      if (slot.pending.size === 0) worker.unref();
      if (answer.ok) {
        waiting.resolve(answer);
        return;
      }
      // Its copy of the history may no longer match what this side believes: start afresh next time.
      const error = new PatternQualityError(
        "training-failed",
        `Training failed in the worker thread: ${answer.message}`,
      );
      this.retire(slot, index);
      this.fail(slot, error);
      waiting.reject(error);
    });
    worker.on("messageerror", (error) => {
      this.retire(slot, index);
      this.fail(
        slot,
        new PatternQualityError(
          "training-failed",
          `The training worker thread sent an unreadable answer: ${error.message}`,
        ),
      );
    });
    worker.on("error", (error) => {
      this.retire(slot, index);
      this.fail(
        slot,
        new PatternQualityError("training-failed", `The training worker thread crashed: ${error.message}`, {
          cause: error,
        }),
      );
    });
    worker.on("exit", (code) => {
      this.retire(slot, index);
      this.fail(
        slot,
        new PatternQualityError(
          "training-failed",
          `The training worker thread exited (code ${code}) before it answered`,
        ),
      );
    });
    // An idle worker must not keep the process alive on its own; a busy one does (ref in send).
    worker.unref();
    this.slots[index] = slot;
    return slot;
  }

  private retire(slot: Slot, index: number): void {
    if (slot.dead) return;
    slot.dead = true;
    if (this.slots[index] === slot) this.slots[index] = null;
    void slot.worker.terminate();
  }

  private fail(slot: Slot, error: Error): void {
    const waiting = [...slot.pending.values()];
    slot.pending.clear();
    for (const w of waiting) w.reject(error);
  }
}
