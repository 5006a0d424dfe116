import { PatternQualityError } from "../errors";
import type { TrainingHistory } from "../learning/history";
import type { PatternLearner } from "../learning/learner";
import type { TimingStats } from "../learning/timing";
import type { Trainer } from "../learning/trainer";
import type { VersionRegistry } from "../versions/registry";
import type { Activation } from "./activation";
import { type Alert, slowUpdateAlert, storeErrorAlert, switchedMeanwhileAlert, updateFailedAlert } from "./alerts";
import type { LiveLearning } from "./live-learning";
import type { ResolvedSettings } from "./settings";
import type { Trials } from "./trial";
import type { UpdateMode, UpdateRequest } from "./update-queue";

/**
 * The outcome of one model update. The accuracy figures are the model's running (prequential)
 * figures across every version that was live, not the new version's: that one's own figures come
 * from its trial (the version's `evaluation`).
 */
export interface UpdateResult {
  version: string;
  kind: "incremental" | "full";
  prequentialAccuracy: number;
  fadingAccuracy: number;
  kappa: number;
  brier: number;
  /** From the start of the update to the new model being saved and (if accepted) live. */
  updateTimeMs: number;
  /** Training rows the new version learned from. */
  samples: number;
  treesReplaced: number;
  /** True for the first version only: any later one goes on trial beside the active one first. */
  activated: boolean;
  /**
   * The trial the new version is on (null when it went live at once or could not be judged);
   * `waitingFor`: the version whose trial must end first.
   */
  trial: { against: string; samplesNeeded: number; waitingFor: string | null } | null;
  /** Why the update ran ("auto-update", "manual", …), and what the guardrail does with the version. */
  reason: string;
  guardrail: string;
}

/** An update that failed; emitted as "update-failed" (and as a store-error alert when the disk failed). */
export interface UpdateFailure {
  mode: UpdateMode;
  reason: string;
  /** An ErrorCode, or the system's code when the disk failed (ENOSPC, EACCES…). */
  code: string;
  message: string;
}

/** What an update reads, trains with, saves to and reports to. */
export interface UpdateContext {
  settings: ResolvedSettings;
  live: LiveLearning;
  trainer: Trainer;
  registry: VersionRegistry;
  activation: Activation;
  trials: Trials;
  /** Update times, model-wide (an update's total time is recorded once it is saved). */
  timing: TimingStats;
  /** Who the activation log records for a version an update activates. */
  by: string;
  alert(alert: Alert): void;
  updating(event: { mode: UpdateMode; reason: string }): void;
  failed(failure: UpdateFailure): void;
  /** Saves the live metrics (they moved on while the update ran). */
  saveMonitor(): Promise<void>;
}

/** One update, decided before training: what it trains, from which rows, against which version. */
interface UpdatePlan {
  request: UpdateRequest;
  kind: "incremental" | "full";
  learner: PatternLearner;
  history: TrainingHistory;
  /** The active version when the update started (the new version's parent). */
  parentId: string | null;
  /** Switches people had made when the update started (a later one wins over this update). */
  switches: number;
  fromSeq: number;
  toSeq: number;
  started: number;
}

/** The new learner a plan trained, and what it stands for. */
interface Trained {
  model: PatternLearner;
  treesReplaced: number;
  samples: number;
  /** The last feedback log seq the new learner has learned (online or in training). */
  watermark: number;
  /** After a change of taste: the most recent rows its new trees were limited to (those since the change). */
  changeRows?: number;
}

/**
 * Runs one update from request to result: checks that there is something to learn, trains in
 * the worker, judges the candidate (the guardrail), saves the version and activates it when the
 * guardrail and the people allow. Failures are reported (event, alert) and re-thrown.
 */
export async function runUpdate(context: UpdateContext, request: UpdateRequest): Promise<UpdateResult> {
  try {
    const plan = planUpdate(context, request);
    context.updating({ mode: plan.kind, reason: request.reason });
    return await trainAndSave(context, plan);
  } catch (error) {
    const code = (error as PatternQualityError).code;
    if (code === "update-not-needed") throw error;
    const failure: UpdateFailure = {
      mode: request.mode,
      reason: request.reason,
      code: code ?? "update-failed",
      message: (error as Error).message,
    };
    context.failed(failure);
    if (isStoreFailure(error)) {
      context.alert(storeErrorAlert(`the ${request.mode} update`, error));
    } else if (["auto-update", "drift", "change"].includes(request.reason)) {
      // Nobody awaits an automatic update: its failure must reach the flow as an alert.
      context.alert(updateFailedAlert({ ...failure }));
    }
    throw error;
  }
}

function planUpdate(context: UpdateContext, request: UpdateRequest): UpdatePlan {
  const { settings, live, registry } = context;
  const started = performance.now();
  const { learner, history } = live;
  const have = history?.size ?? 0;
  if (!learner || !history || have < settings.minSamples) {
    const missing = settings.minSamples - have;
    throw new PatternQualityError(
      "not-enough-feedback",
      `an update needs at least ${settings.minSamples} feedback with known features; ` +
        `there ${have === 1 ? "is" : "are"} ${have}: ${missing} more needed`,
    );
  }
  const kind: "incremental" | "full" = learner.treeCount === 0 ? "full" : request.mode;
  const due = live.updateDue(settings.updateThreshold, settings.minSamples);
  if (request.reason === "auto-update" && live.pending < due) {
    // A follow-up of an automatic trigger whose feedback the previous run already took.
    throw new PatternQualityError("update-not-needed", `fewer than ${due} new feedback: no automatic update needed`);
  }
  const fromSeq = Math.max(live.claimedSeq, history.firstSeq);
  const toSeq = history.endSeq;
  if (kind === "incremental" && toSeq <= fromSeq) {
    throw new PatternQualityError(
      "no-new-feedback",
      `no new feedback since ${registry.activeId ?? "the last update"}: nothing to learn incrementally ` +
        "(a full update retrains on all history)",
    );
  }
  const switches = context.activation.personSwitches;
  return { request, kind, learner, history, parentId: registry.activeId, switches, fromSeq, toSeq, started };
}

async function trainAndSave(context: UpdateContext, plan: UpdatePlan): Promise<UpdateResult> {
  const { live } = context;
  live.claimedSeq = plan.toSeq;
  const progress = { saved: false };
  try {
    const trained = await train(context, plan);
    return await finish(context, plan, trained, progress);
  } catch (error) {
    // Nothing was saved: unclaim, so the next update learns these rows.
    if (!progress.saved) live.claimedSeq = Math.min(live.claimedSeq, plan.fromSeq);
    throw error;
  }
}

async function train(context: UpdateContext, plan: UpdatePlan): Promise<Trained> {
  const { live, trainer } = context;
  const { learner, history, fromSeq, toSeq } = plan;
  if (plan.kind === "full") {
    const watermark = live.learnedSeq;
    const done = await trainer.full(learner, history, live.skippedRows);
    return { model: done.model, treesReplaced: done.model.treeCount, samples: toSeq - history.firstSeq, watermark };
  }
  // After a change of taste, new trees learn only from the rows since it (see incrementalPlan).
  const change = live.change;
  const done = await trainer.incremental(learner, { fromSeq }, history, {
    change: change ? { rows: Math.max(1, history.endSeq - change.seq), fresh: change.fresh } : undefined,
    skip: live.skippedRows,
  });
  if (change && live.change?.count === change.count) live.change = { ...change, fresh: false };
  live.claimedSeq = history.endSeq;
  // The new learner carries the live model's online learning up to now, so it stands for
  // all feedback learned so far: that is its watermark, and nothing learned is pending.
  return {
    model: done.model,
    treesReplaced: done.treesReplaced,
    samples: toSeq - fromSeq + Math.min(learner.params.historySample, fromSeq - history.firstSeq),
    watermark: live.learnedSeq,
    ...(change ? { changeRows: Math.max(1, history.endSeq - change.seq) } : {}),
  };
}

async function finish(
  context: UpdateContext,
  plan: UpdatePlan,
  trained: Trained,
  progress: { saved: boolean },
): Promise<UpdateResult> {
  const { settings, live, registry, activation, trials } = context;
  const { request, kind, parentId } = plan;
  const candidate = trained.model;
  // Serializing and saving take milliseconds on the main thread: a turn of the event loop
  // between them keeps Node-RED responsive during an update.
  await nextTurn();
  const snapshot = live.monitor.snapshot();
  const model = candidate.toJSON();
  await nextTurn();
  const first = live.trained === null || parentId === null;
  const samplesNeeded = settings.guardrail.samples;
  const guardrail = first
    ? `the first version: activated, and judged alone on its first ${samplesNeeded} feedback`
    : // Whether it goes on trial at once or waits for a trial to end is its verdict's to say.
      `to be judged beside ${parentId} on ${samplesNeeded} new feedback (sooner when the difference is clear)`;
  const entry = await registry.save({
    model,
    kind,
    parentId,
    trainedOn: { samples: trained.samples, feedbackWatermark: trained.watermark },
    metrics: {
      updateTimeMs: performance.now() - plan.started,
      treesReplaced: trained.treesReplaced,
      // The new rows it learned: those set aside (a burst that passed) are not.
      newSamples: plan.toSeq - plan.fromSeq - skippedWithin(live.skippedRows, plan.fromSeq, plan.toSeq),
      ...(trained.changeRows !== undefined ? { changeRows: trained.changeRows } : {}),
    },
    note: `${request.reason}; ${guardrail}`,
  });
  progress.saved = true;
  let activated = false;
  let trial: UpdateResult["trial"] = null;
  if (switchedMeanwhile(context, plan)) {
    context.alert(switchedMeanwhileAlert(entry.id, registry.activeId));
  } else if (first) {
    activated = await activation.exclusive(async () => {
      if (switchedMeanwhile(context, plan)) return false;
      await activation.point(entry.id, {
        reason: request.reason === "auto-update" ? "auto-update" : "manual",
        by: context.by,
      });
      // A full retrain has not seen the feedback learned online during the run: replay it.
      await activation.goLive(entry, candidate, parentId, { reason: request.reason, by: context.by }, kind === "full");
      return true;
    });
    if (activated) await trials.startAlone(entry.id);
  } else {
    // Beside the version live now: a trial that ended during the update may have promoted another.
    const against = registry.activeId ?? (parentId as string);
    const waitingFor = await trials.start(entry, candidate, against);
    trial = { against, samplesNeeded, waitingFor };
  }
  const totalMs = performance.now() - plan.started;
  context.timing.record(totalMs);
  await context.saveMonitor();
  const slow = slowUpdateAlert(entry.id, totalMs, settings.alerts.updateBudgetMs);
  if (slow) context.alert(slow);
  return {
    version: entry.id,
    kind,
    prequentialAccuracy: snapshot.accuracy,
    fadingAccuracy: snapshot.fadingAccuracy,
    kappa: snapshot.kappa,
    brier: snapshot.brier,
    updateTimeMs: totalMs,
    samples: entry.trainedOn.samples,
    treesReplaced: trained.treesReplaced,
    activated,
    trial,
    reason: request.reason,
    guardrail,
  };
}

/**
 * A person switched versions while the update trained: its version, built on the old one, must not
 * go live. A version the product promoted meanwhile (a trial that ended) is no person's switch:
 * the new version then goes on trial beside the version now live, or waits (see Trials.start).
 */
function switchedMeanwhile(context: UpdateContext, plan: UpdatePlan): boolean {
  return context.activation.personSwitches !== plan.switches;
}

/** How many rows of `[from, to)` lie in the ranges set aside. */
function skippedWithin(skipped: Array<[number, number]>, from: number, to: number): number {
  return skipped.reduce((sum, [a, b]) => sum + Math.max(0, Math.min(b, to) - Math.max(a, from)), 0);
}

/** Resolves after the event loop has had a turn (timers and I/O callbacks that are due run first). */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function isStoreFailure(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && (code.startsWith("store-") || /^E[A-Z]+$/.test(code));
}
