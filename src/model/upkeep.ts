import type { FeedbackLog } from "../feedback/log";
import { TimingStats } from "../learning/timing";
import type { Trainer } from "../learning/trainer";
import type { VersionRegistry } from "../versions/registry";
import { checkAccuracy } from "./accuracy-watch";
import type { DashboardFeed } from "./dashboard-feed";
import { saveFeed } from "./feed-file";
import type { Activation } from "./activation";
import { type Alert, storeErrorAlert } from "./alerts";
import { BurstWatch } from "./bursts";
import type { LiveLearning } from "./live-learning";
import { saveMonitor } from "./monitor-file";
import type { PatternMemory } from "./pattern-memory";
import type { ResolvedSettings } from "./settings";
import { Trials } from "./trial";
import { type KeptTrials, saveTrials } from "./trial-file";
import { type UpdateMode, UpdateQueue } from "./update-queue";
import { runUpdate, type UpdateFailure, type UpdateResult } from "./update-run";

/**
 * Feedback of a burst before it starts an update: what the drift detector's alarm came after
 * (ADWIN needed 30–45 on the household and SEA), enough of the new taste for the new trees.
 */
const DRIFT_UPDATE_AFTER = 40;

/** What a model's upkeep works on, and how it reports (the model's events and alerts). */
export interface UpkeepContext {
  settings: ResolvedSettings;
  live: LiveLearning;
  registry: VersionRegistry;
  log: FeedbackLog;
  memory: PatternMemory;
  trainer: Trainer;
  activation: Activation;
  /** Who the activation log records when the model switches versions by itself. */
  by: string;
  alert(alert: Alert): void;
  emit(event: "update" | "update-failed" | "updating" | "metrics", payload?: unknown): void;
  /** True once the model is closing: no new automatic update starts. */
  closing(): boolean;
  /** The alerts and accuracy history, kept with the live state. */
  feed(): DashboardFeed | null;
}

/**
 * What runs beside the feedback: automatic updates (at the threshold, on a drift, on a confirmed
 * change of taste), the trials of new versions, the bursts of answers, the accuracy check, and
 * the live state kept in the store. Trials and bursts are settled one after another, in the
 * order feedback came.
 */
export class Upkeep {
  readonly trials: Trials;
  readonly bursts: BurstWatch;
  readonly queue: UpdateQueue<UpdateResult>;
  /** Update times, model-wide. */
  readonly timing = new TimingStats(1000);
  private settling: Promise<void> = Promise.resolve();

  constructor(private readonly context: UpkeepContext) {
    const { settings, live, registry, log, memory, alert } = context;
    const parts = { settings, live, registry, log, memory, alert, save: () => this.saveTrials() };
    this.trials = new Trials({ ...parts, activation: context.activation, by: context.by });
    this.bursts = new BurstWatch({ ...parts, trials: this.trials, changeConfirmed: () => this.request("change") });
    const updateContext = {
      settings,
      live,
      trainer: context.trainer,
      registry,
      activation: context.activation,
      trials: this.trials,
      timing: this.timing,
      by: context.by,
      alert,
      updating: (event: { mode: UpdateMode; reason: string }) => context.emit("updating", event),
      failed: (failure: UpdateFailure) => context.emit("update-failed", failure),
      saveMonitor: () => this.saveLiveState(),
    };
    this.queue = new UpdateQueue(async (request) => {
      const result = await runUpdate(updateContext, request);
      context.emit("update", result);
      context.emit("metrics");
      return result;
    });
  }

  /**
   * After feedback was learned (`rose`: the live model's error rate rose): a burst opens for a rise
   * of the live model's or a version on trial's error rate (provisional, see Burst: what it was is
   * said when it is resolved), a burst long enough starts an update, the accuracy is checked,
   * bursts and trials are settled in the background. Returns true when an automatic update was
   * started at the threshold.
   */
  afterFeedback(rose: boolean): boolean {
    const { live, settings, registry } = this.context;
    if (rose) this.bursts.open();
    this.updateForBurst();
    for (const challenge of [live.challenge, live.waiting]) {
      if (challenge?.alarm) this.bursts.open(challenge);
    }
    const alert = checkAccuracy(live, registry.activeId, settings.alerts.accuracyDropPoints);
    if (alert) this.context.alert(alert);
    this.settle();
    return this.maybeAutoUpdate();
  }

  /** After parked feedback was learned late. */
  afterParked(rose: boolean): void {
    if (rose) this.bursts.open();
    this.settle();
  }

  /** Resolves once no update runs, no burst is being opened and no trial is being decided. */
  async settled(): Promise<void> {
    for (;;) {
      const settling = this.settling;
      await this.queue.idle();
      await this.bursts.idle();
      await settling;
      if (!this.queue.running && this.settling === settling && !this.bursts.busy) return;
    }
  }

  /** What close waits for (the update itself is waited for by the caller, with a time limit). */
  async closed(): Promise<void> {
    await this.bursts.idle();
    await this.settling;
    await this.saveLiveState();
  }

  /** Saves the live metrics, the active version's own figures, the trials' evidence and the feedback set aside. */
  async saveLiveState(): Promise<void> {
    const { settings, live, registry } = this.context;
    try {
      await saveMonitor(settings.storeDir, live.learnedSeq, live.monitor);
      const own = live.own;
      if (own) await registry.recordFigures(own.version, { live: own.snapshot() });
    } catch (error) {
      this.context.alert(storeErrorAlert("saving the live metrics", error));
    }
    await this.saveTrials();
    const feed = this.context.feed();
    if (feed)
      await saveFeed(settings.storeDir, feed).catch((error: unknown) =>
        this.context.alert(storeErrorAlert("saving the alerts", error)),
      );
  }

  /** Acts on the bursts and the trial the new feedback resolved (a disk failure becomes an alert). */
  private settle(): void {
    this.settling = this.settling
      .then(() => this.bursts.settle())
      .then(() => this.trials.settle())
      .catch((error: unknown) => this.context.alert(storeErrorAlert("deciding a trial", error)));
  }

  private maybeAutoUpdate(): boolean {
    const { settings, live } = this.context;
    const due = live.updateDue(settings.updateThreshold, settings.minSamples);
    if (!settings.autoUpdate || live.pending < due || this.queue.queued || this.context.closing()) return false;
    if (live.history && live.history.size < settings.minSamples) return false;
    this.queue.request("incremental", "auto-update").catch(() => undefined);
    return true;
  }

  /**
   * A burst of the live model's wrong answers that has lasted DRIFT_UPDATE_AFTER feedback starts an
   * update, so a real change of taste goes live fast; not at the alarm itself, which can come a
   * few answers into the burst, when there is next to nothing of the new taste to learn from.
   */
  private updateForBurst(): void {
    for (const burst of this.context.live.bursts) {
      if (burst.state !== "open" || burst.source !== "live" || burst.updateAsked) continue;
      if (burst.length < DRIFT_UPDATE_AFTER) continue;
      burst.updateAsked = true;
      this.request("drift");
    }
  }

  /** An automatic update for a change of taste (found, or confirmed), without waiting for the threshold. */
  private request(reason: "drift" | "change"): void {
    const { settings, live } = this.context;
    // A rise found right after an update has next to nothing new to learn: that update had the
    // rows since the change (a drift update of 1 new row sat on trial for 300 feedback, household seed 6).
    const fewest = reason === "drift" ? settings.minSamples : 1;
    if (settings.autoUpdate && !this.context.closing() && live.pending >= fewest && !this.queue.queued) {
      this.queue.request("incremental", reason).catch(() => undefined);
    }
  }

  /** Keeps the trials' evidence and the feedback set aside in the store (a failure becomes an alert). */
  private async saveTrials(): Promise<void> {
    const { live, settings } = this.context;
    const kept: KeptTrials = {
      running: live.challenge?.toJSON() ?? null,
      waiting: live.waiting?.toJSON() ?? null,
      setAside: live.setAside,
    };
    try {
      await saveTrials(settings.storeDir, kept);
    } catch (error) {
      this.context.alert(storeErrorAlert("saving the trials", error));
    }
  }
}
