import { EventEmitter } from "node:events";
import { PatternQualityError } from "../errors";
import { checkSetting, UPDATE_SPEC } from "../settings/spec";
import { checkText, MAX_NOTE_LENGTH } from "../validate";
import type { Features, Feedback } from "../feedback/feedback";
import type { FeedbackLog, StoredFeedback } from "../feedback/log";
import type { PatternCache } from "../feedback/pattern-cache";
import type { FeatureSchema } from "../features/schema";
import type { HoldState, VersionEntry, VersionRegistry } from "../versions/registry";
import { Activation, type SwitchCause } from "./activation";
import { type Alert, heldAlert, storeErrorAlert, unfitFeaturesAlert } from "./alerts";
import { AlertGate } from "./alert-gate";
import { DecisionBook, type DecisionsOptions, type DecisionsView } from "./decisions";
import { type FeedbackDefaults, identifier, parseFeedbackBatch, readFeatures } from "./feedback-input";
import { LiveLearning } from "./live-learning";
import { closeModelStore, type ModelStore, openModelStore } from "./model-store";
import { PatternMemory } from "./pattern-memory";
import { restore } from "./restore";
import type { AddFeedbackResult, ModelMetrics, ScoreOptions, ScoreResult } from "./results";
import { scoreInputPatternId } from "./score-input";
import { type ScoringContext, scoreBatch, scoreOne } from "./scoring";
import { type PatternModelSettings, type ResolvedSettings, resolveSettings } from "./settings";
import type { DashboardFeed } from "./dashboard-feed";
import type { UpdateMode } from "./update-queue";
import type { UpdateResult } from "./update-run";
import { Upkeep } from "./upkeep";
import { ModelVersions } from "./versions";

export type { ActivationEvent } from "./activation";
export type { Alert } from "./alerts";
export type { PatternModelSettings } from "./settings";
export type { UpdateMode } from "./update-queue";
export type { AddFeedbackResult, ModelMetrics, ScoreOptions, ScoreReason, ScoreResult } from "./results";
export type { Decision, DecisionsOptions, DecisionsView, PersonDecisions, ScoredPattern } from "./decisions";
export type { UpdateFailure, UpdateResult } from "./update-run";

const CLOSE_WAIT_MS = 5000;
/** Who the activation log records when the model switches versions by itself. */
const BY = "pattern-model";

/**
 * One household's pattern-quality model over one store directory: the durable feedback log,
 * the pattern cache, the version registry, the live learner with its prequential monitor, and
 * a training worker. Every feedback is predicted, then learned online at once; every
 * `updateThreshold` feedback a background update grows new trees and saves a version, which
 * goes on trial beside the active one and goes live when the guardrail allows (see Trials).
 * A person's activate or rollback holds automatic activation until they resume (or, by
 * default, until a new version proves better on new feedback).
 *
 * Events: "feedback" (AddFeedbackResult), "update" (UpdateResult), "update-failed"
 * (UpdateFailure), "updating" ({mode, reason}), "activated" (ActivationEvent), "alert" (Alert),
 * "metrics" (ModelMetrics). It never emits "error", so no listener is required.
 */
export class PatternModel extends EventEmitter {
  readonly settings: ResolvedSettings;
  /** The versions: list, inspect, pin, delete, prune, compare, export, import. */
  readonly versions: ModelVersions;
  /** Alerts raised while opening (damaged files set aside, a fallback version); also emitted just after open. */
  readonly openAlerts: Alert[] = [];
  /** Its alerts and accuracy history (for a dashboard), kept in the store across restarts. */
  feed: DashboardFeed | null = null;
  private readonly live: LiveLearning;
  private readonly memory: PatternMemory;
  private readonly activation: Activation;
  private readonly upkeep: Upkeep;
  private readonly scoring: ScoringContext;
  /** Alerts while opening are kept for openAlerts; after that they are emitted. */
  private readonly alertGate = new AlertGate((alert) =>
    this.opened ? this.emit("alert", alert) : this.openAlerts.push(alert),
  );
  private closing: Promise<void> | null = null;
  private opened = false;
  /** Who decided what, and the last score of each pattern scored (see decisions()). */
  private readonly decisionBook = new DecisionBook();

  private readonly log: FeedbackLog;
  private readonly cache: PatternCache;
  private readonly registry: VersionRegistry;

  private constructor(
    settings: ResolvedSettings,
    private readonly store: ModelStore,
  ) {
    super();
    const { log, cache, registry, trainer, schema } = store;
    this.log = log;
    this.cache = cache;
    this.registry = registry;
    this.settings = settings;
    this.versions = new ModelVersions(registry, () => {
      const own = this.live.own;
      return own ? { version: own.version, live: own.snapshot() } : null;
    });
    this.live = new LiveLearning(settings.forest, settings.retention.feedback, schema);
    this.memory = new PatternMemory(
      cache,
      (features, parked) => this.learnParked(features, parked),
      (alert) => this.alert(alert),
    );
    this.activation = new Activation(
      registry,
      this.live,
      log,
      this.memory,
      (event) => this.emit("activated", event),
      (outcome) => this.upkeep.trials.endAll(outcome),
    );
    this.upkeep = new Upkeep({
      settings,
      live: this.live,
      registry,
      log,
      memory: this.memory,
      trainer,
      activation: this.activation,
      by: BY,
      alert: (alert) => this.alert(alert),
      emit: (event, payload) => this.emit(event, event === "metrics" ? this.metrics() : payload),
      closing: () => this.closing !== null,
      feed: () => this.feed,
    });
    const scoring = { live: this.live, memory: this.memory, decisions: this.decisionBook };
    this.scoring = { ...scoring, activeVersion: () => this.activeVersion };
  }

  /**
   * Opens the store directory (taking its lock), replays the feedback log into the training
   * history, loads the active version (hash-verified) or starts untrained, and replays the
   * feedback received after that version as online updates — the same state as before a restart.
   */
  static async open(input: PatternModelSettings): Promise<PatternModel> {
    const settings = resolveSettings(input);
    const store = await openModelStore(settings);
    try {
      const model = new PatternModel(settings, store);
      const { log, registry } = store;
      const alert = (a: Alert) => model.alert(a);
      const context = { storeDir: settings.storeDir, log, memory: model.memory, registry, live: model.live, by: BY };
      const kept = await restore({ ...context, alert });
      await model.upkeep.trials.resume(kept.trials);
      model.feed = kept.feed;
      kept.feed.follow(model);
      model.opened = true;
      // Listeners attach once open() resolves; the alerts of opening reach them just after.
      setImmediate(() => {
        for (const alert of model.openAlerts) model.emit("alert", alert);
      });
      return model;
    } catch (error) {
      await closeModelStore(store).catch(() => undefined);
      throw error;
    }
  }

  /** The features the model reads (null while an inferred schema has not seen its first sample). */
  get schema(): FeatureSchema | null {
    return this.live.schema;
  }

  /** Feedback learned since the last update. */
  get pending(): number {
    return this.live.pending;
  }

  /** The id of the live version, or null while untrained. */
  get activeVersion(): string | null {
    return this.registry.activeId;
  }

  /** The hold a person's activate or rollback set (automatic activation waits), or null. */
  get hold(): HoldState | null {
    return this.registry.hold;
  }

  /** True while an update runs. */
  get updating(): boolean {
    return this.upkeep.queue.running;
  }

  /**
   * Resolves once nothing runs in the background: no update, no burst being looked into, no trial
   * being decided (what a test or a benchmark waits for between feedback).
   */
  settled(): Promise<void> {
    return this.upkeep.settled();
  }

  /**
   * Stores and learns a batch of feedback `{patternId, label, features?, id?, user?, source?}`.
   * Everything is validated first (InvalidInputError naming e.g. `payload[3].label`; nothing
   * stored). Resolves once the batch is durable and learned online; an update the batch
   * triggers runs in the background (its outcome arrives as an "update" event).
   */
  async addFeedback(inputs: readonly unknown[], defaults: FeedbackDefaults = {}): Promise<AddFeedbackResult> {
    this.assertOpen();
    const { feedback, schema } = parseFeedbackBatch(inputs, this.live.schema, defaults);
    if (schema && !this.live.schema) this.live.adoptSchema(schema);
    let appended: { added: StoredFeedback[]; duplicates: string[] };
    try {
      appended = await this.log.append(feedback);
    } catch (error) {
      this.alert(storeErrorAlert("storing feedback", error));
      throw error;
    }
    const parked: StoredFeedback[] = [];
    let rose = false;
    // Learned before any further await, so an update starting meanwhile sees every durable feedback.
    for (const record of appended.added) {
      const features = record.features ?? this.cache.lookup(record.patternId);
      if (features === undefined) parked.push(record);
      else rose = this.learn(features, record, record.seq) || rose;
      this.live.learnedSeq = Math.max(this.live.learnedSeq, record.seq);
    }
    await this.memory.settle(appended.added, parked);
    const updateTriggered = this.upkeep.afterFeedback(rose);
    const result: AddFeedbackResult = {
      stored: appended.added,
      duplicates: appended.duplicates,
      parked: [...new Set(parked.map((f) => f.patternId))],
      pending: this.pending,
      updateTriggered,
      activeVersion: this.activeVersion,
    };
    this.emit("feedback", result);
    this.emit("metrics", this.metrics());
    return result;
  }

  /**
   * Remembers a pattern's features (a pattern object or named features), so feedback that later
   * arrives with the pattern id only is matched; feedback already parked for it is learned now.
   */
  async rememberPattern(patternId: unknown, input: unknown): Promise<void> {
    this.assertOpen();
    const id = identifier(patternId, "patternId");
    const { features, schema } = readFeatures(input, this.live.schema, "features", new Date());
    if (!this.live.schema) this.live.adoptSchema(schema);
    await this.memory.remember(id, features);
  }

  /**
   * Waits until the features of every scoring input that names a pattern id are remembered (as
   * score() does in the background).
   */
  async rememberPatterns(inputs: readonly unknown[]): Promise<void> {
    const ids = inputs.map(scoreInputPatternId).filter((id): id is string => id !== undefined);
    await this.memory.settled(ids);
  }

  /**
   * Scores a pattern with the live model: named features, a positional array, a pattern object,
   * `{patternId, features | pattern}`, or `{patternId}` alone when its features are remembered.
   * A given patternId with features is remembered (in the background) for later feedback.
   * With `reasons`, the result says which features moved the score most (see ScoreResult).
   */
  score(input: unknown, field = "payload", options: ScoreOptions = {}): ScoreResult {
    this.assertOpen();
    return scoreOne(this.scoring, input, field, options);
  }

  /** Scores a batch; a bad item throws InvalidInputError naming it (`payload[2].…`), nothing remembered. */
  scoreMany(inputs: readonly unknown[], options: ScoreOptions = {}): ScoreResult[] {
    return scoreBatch(this.scoring, inputs, options);
  }

  /**
   * Who decided what: the latest decisions (newest first, `limit` of them) with who made them and
   * their pattern's last score, every person's approvals and rejections over the feedback log, and
   * the patterns scored lately with their decision once there is one. `names` maps user ids to
   * names (see householdNames). Read from the log, which it never changes.
   */
  decisions(options: DecisionsOptions = {}): DecisionsView {
    this.assertOpen();
    return this.decisionBook.view(this.log, options);
  }

  /**
   * Updates the model in the training worker: "incremental" grows a few new trees on the new
   * feedback, "full" retrains on all history (the first training is always full). Updates never
   * overlap: a request during a run joins the single follow-up run. Resolves with the new version.
   */
  update(mode: UpdateMode = "incremental", reason = "manual"): Promise<UpdateResult> {
    try {
      checkSetting(UPDATE_SPEC.mode, mode, "mode");
      // The reason goes into the version's note, which holds at most MAX_NOTE_LENGTH characters.
      checkText(reason, "reason", MAX_NOTE_LENGTH);
    } catch (error) {
      return Promise.reject(error);
    }
    if (this.closing) return Promise.reject(closedError(this.settings.storeDir));
    return this.upkeep.queue.request(mode, reason);
  }

  /**
   * Live figures: the model's running figures across versions (monitor), the active version's
   * own, the trial running, the hold, pending, update times, counts.
   */
  metrics(): ModelMetrics {
    return {
      monitor: this.live.monitor.snapshot(),
      pending: this.pending,
      activeVersion: this.activeVersion,
      activeLive: this.live.own?.snapshot() ?? null,
      trial: this.upkeep.trials.current(),
      hold: this.hold,
      updating: this.updating,
      updateTimes: this.upkeep.timing.snapshot(),
      feedbackCount: this.log.size,
      parkedCount: this.memory.parkedCount,
      historySize: this.live.history?.size ?? 0,
      features: this.live.schema ? [...this.live.schema.names] : null,
    };
  }

  /**
   * Makes a version live for a person: its model is loaded and verified first, then the pointer
   * switches, and automatic activation is held there (see resume()).
   */
  async activate(id: string, options: Partial<SwitchCause> = {}): Promise<VersionEntry> {
    this.assertOpen();
    return this.switchFor(() => id, { reason: options.reason ?? "manual", by: options.by ?? "user" });
  }

  /** Activates an earlier version — a given id, or "previous" (the one active before the current) — and holds there. */
  async rollback(to = "previous", options: Partial<SwitchCause> = {}): Promise<VersionEntry> {
    this.assertOpen();
    const target = () => (to === "previous" ? this.registry.previousId() : to);
    return this.switchFor(target, { reason: options.reason ?? "rollback", by: options.by ?? "user" });
  }

  /**
   * Ends the hold a person's activate or rollback set: new versions go live again when the
   * guardrail allows. InvalidInputError("hold") when nothing is held.
   */
  async resume(options: { by?: string } = {}): Promise<void> {
    this.assertOpen();
    const by = checkText(options.by ?? "user", "by", MAX_NOTE_LENGTH);
    const hold = await this.activation.resume();
    this.emit("resumed", { version: hold.version, by });
    this.emit("metrics", this.metrics());
  }

  /** Waits for a running update (a few seconds at most), then closes the worker and the store and releases the lock. */
  close(): Promise<void> {
    // The gate lets out the repeats it still holds, and its timer stops.
    if (!this.closing) this.closing = this.shutDown().finally(() => this.alertGate.close());
    return this.closing;
  }

  private async switchFor(target: () => string, cause: SwitchCause): Promise<VersionEntry> {
    const entry = await this.activation.byPerson(target, cause);
    this.alert(heldAlert({ version: entry.id, by: cause.by, reason: cause.reason }, this.settings.guardrail.holdUntil));
    this.emit("metrics", this.metrics());
    return entry;
  }

  /** Test-then-train one feedback (log `seq`, null when parked and learned late); true when the error rate rose. */
  private learn(features: Features, feedback: Feedback, seq: number | null): boolean {
    const x = this.live.vectorOrNull(features);
    if (!x) {
      this.alert(unfitFeaturesAlert(`feedback ${feedback.id}`, features));
      return false;
    }
    return this.live.learnVector(x, feedback.label, seq);
  }

  private learnParked(features: Features, parked: Feedback[]): void {
    let rose = false;
    for (const feedback of parked) rose = this.learn(features, feedback, null) || rose;
    this.upkeep.afterParked(rose);
  }

  /** Every alert passes the gate, which holds back and counts repeats of an identical one. */
  private alert(alert: Alert): void {
    this.alertGate.offer(alert);
  }

  private assertOpen(): void {
    if (this.closing) throw closedError(this.settings.storeDir);
  }

  private async shutDown(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.upkeep.queue.idle(),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, CLOSE_WAIT_MS);
      }),
    ]);
    clearTimeout(timer);
    await this.memory.idle();
    await this.upkeep.closed();
    await closeModelStore(this.store);
  }
}

function closedError(dir: string): PatternQualityError {
  return new PatternQualityError("model-closed", `the pattern model of ${dir} is closed`);
}
