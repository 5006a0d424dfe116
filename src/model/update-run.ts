import { PatternQualityError } from "../errors";
import type { Label } from "../feedback/feedback";
import type { TrainingHistory } from "../learning/history";
import type { PatternLearner } from "../learning/learner";
import type { TimingStats } from "../learning/timing";
import type { Trainer } from "../learning/trainer";
import type { VersionRegistry } from "../versions/registry";
import type { Activation } from "./activation";
import {
  type Alert,
  guardrailRejectedAlert,
  slowUpdateAlert,
  storeErrorAlert,
  switchedMeanwhileAlert,
  updateFailedAlert,
} from "./alerts";
import { type GuardrailVerdict, judgeCandidate, type RecentWindow } from "./guardrail";
import type { LiveLearning } from "./live-learning";
import type { ResolvedSettings } from "./settings";
import type { UpdateMode, UpdateRequest } from "./update-queue";

/** The outcome of one model update. */
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
  /** Accuracy of the new version on the recent feedback window (null when there was none). */
  recentAccuracy: number | null;
  activated: boolean;
  /** Why the update ran ("auto-update", "manual", …), and the guardrail's verdict. */
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
  /** Switches people had asked for when the update started (a later one wins over this update). */
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
    } else if (request.reason === "auto-update") {
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
  if (request.reason === "auto-update" && live.pending < settings.updateThreshold) {
    // A follow-up of an automatic trigger whose feedback the previous run already took.
    throw new PatternQualityError(
      "update-not-needed",
      `fewer than ${settings.updateThreshold} new feedback: no automatic update needed`,
    );
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
  const switches = context.activation.personRequests;
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
    const done = await trainer.full(learner, history);
    return { model: done.model, treesReplaced: done.model.treeCount, samples: toSeq - history.firstSeq, watermark };
  }
  // After a change of taste, new trees learn only from the rows since it (see incrementalPlan).
  const change = live.change;
  const done = await trainer.incremental(learner, { fromSeq }, history, {
    change: change ? { rows: Math.max(1, history.endSeq - change.seq), fresh: change.fresh } : undefined,
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
  };
}

async function finish(
  context: UpdateContext,
  plan: UpdatePlan,
  trained: Trained,
  progress: { saved: boolean },
): Promise<UpdateResult> {
  const { settings, live, registry, activation } = context;
  const { request, kind, parentId } = plan;
  const candidate = trained.model;
  // The steps after training (judging, serializing, saving) each take milliseconds on the main
  // thread: a turn of the event loop between them keeps Node-RED responsive during an update.
  await nextTurn();
  const window = recentWindow(plan.history, settings.guardrail.recentWindow);
  const verdict = await judgeCandidate(candidate, live.trained, window, settings.guardrail.maxDropPoints, nextTurn);
  const snapshot = live.monitor.snapshot();
  const metrics = {
    prequentialAccuracy: snapshot.accuracy,
    fadingAccuracy: snapshot.fadingAccuracy,
    kappa: snapshot.kappa,
    brier: snapshot.brier,
    updateTimeMs: performance.now() - plan.started,
    treesReplaced: trained.treesReplaced,
    recentAccuracy: verdict.candidateAccuracy,
    activeRecentAccuracy: verdict.activeAccuracy,
    newSamples: plan.toSeq - plan.fromSeq,
  };
  const model = candidate.toJSON();
  await nextTurn();
  const entry = await registry.save({
    model,
    kind,
    parentId,
    trainedOn: { samples: trained.samples, feedbackWatermark: trained.watermark },
    metrics,
    note: `${request.reason}; ${verdict.message}`,
  });
  progress.saved = true;
  const activated = await activation.exclusive(async () => {
    if (!mayActivate(context, plan, entry.id, verdict)) return false;
    await registry.activate(entry.id, {
      reason: request.reason === "auto-update" ? "auto-update" : "manual",
      by: context.by,
    });
    // A full retrain has not seen the feedback learned online during the run: replay it.
    activation.goLive(entry, candidate, parentId, { reason: request.reason, by: context.by }, kind === "full");
    return true;
  });
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
    recentAccuracy: verdict.candidateAccuracy,
    activated,
    reason: request.reason,
    guardrail: verdict.message,
  };
}

/** The guardrail accepted the candidate and nobody switched versions while it trained. */
function mayActivate(context: UpdateContext, plan: UpdatePlan, version: string, verdict: GuardrailVerdict): boolean {
  if (!verdict.accept) {
    context.alert(guardrailRejectedAlert(version, plan.parentId, verdict));
    return false;
  }
  const active = context.registry.activeId;
  if (active !== plan.parentId || context.activation.personRequests !== plan.switches) {
    context.alert(switchedMeanwhileAlert(version, active));
    return false;
  }
  return true;
}

/** Resolves after the event loop has had a turn (timers and I/O callbacks that are due run first). */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function recentWindow(history: TrainingHistory, size: number): RecentWindow {
  const slice = history.slice(Math.max(history.firstSeq, history.endSeq - size));
  const X: Float64Array[] = [];
  const y: Label[] = [];
  for (let i = 0; i < slice.n; i++) {
    X.push(slice.X.subarray(i * slice.d, (i + 1) * slice.d));
    y.push(slice.y[i] as Label);
  }
  return { X, y };
}

function isStoreFailure(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && (code.startsWith("store-") || /^E[A-Z]+$/.test(code));
}
