import { EventEmitter } from "node:events";
import { promises as fs } from "node:fs";
import * as path from "node:path";
import { describeValue, InvalidInputError, PatternQualityError } from "../errors";
import type { Features, Feedback, Label } from "../feedback/feedback";
import { FeedbackLog, type StoredFeedback } from "../feedback/log";
import { PatternCache } from "../feedback/pattern-cache";
import { isPattern, standardPatternSchema } from "../features/pattern-features";
import { FeatureSchema } from "../features/schema";
import { TrainingHistory } from "../learning/history";
import { PatternLearner } from "../learning/learner";
import { PrequentialMonitor, type MonitorSnapshot } from "../learning/monitor";
import { TimingStats, type TimingSnapshot } from "../learning/timing";
import { Trainer } from "../learning/trainer";
import { ensureDirectory, writeFileAtomic } from "../store/files";
import { StoreLock } from "../store/lock";
import { VersionRegistry, type ActivationRecord, type VersionEntry } from "../versions/registry";
import { accuracyDropAlert, driftAlert, slowUpdateAlert, storeErrorAlert, type Alert } from "./alerts";
import { identifier, parseFeedbackBatch, readFeatures, type FeedbackDefaults } from "./feedback-input";
import { judgeCandidate, type RecentWindow } from "./guardrail";
import { resolveSettings, type PatternModelSettings, type ResolvedSettings } from "./settings";
import { UpdateQueue, type UpdateMode, type UpdateRequest } from "./update-queue";

export type { Alert } from "./alerts";
export type { PatternModelSettings } from "./settings";
export type { UpdateMode } from "./update-queue";

/** What addFeedback did with a batch. */
export interface AddFeedbackResult {
  /** Feedback made durable by this call, with their log sequence numbers. */
  stored: StoredFeedback[];
  /** Ids already stored before (the same decision delivered twice): not stored again. */
  duplicates: string[];
  /** Pattern ids of stored feedback whose features are not known yet: parked until they are. */
  parked: string[];
  /** Feedback learned since the last update, i.e. waiting for the next one. */
  pending: number;
  /** True when this batch reached the threshold and started an automatic update. */
  updateTriggered: boolean;
  activeVersion: string | null;
}

/** A score for one pattern with the active model. */
export interface ScoreResult {
  patternId?: string;
  /** P(approve), 0…1. */
  score: number;
  label: "approve" | "reject";
  /** 0 when the model is sure (score 0 or 1), 1 when it cannot tell (score 0.5). */
  uncertainty: number;
  /** The active version, or null while the model is untrained. */
  version: string | null;
}

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
  code: string;
  message: string;
}

/** Live figures for a status display, a dashboard or the admin API. */
export interface ModelMetrics {
  monitor: MonitorSnapshot;
  pending: number;
  activeVersion: string | null;
  updating: boolean;
  updateTimes: TimingSnapshot;
  feedbackCount: number;
  parkedCount: number;
  historySize: number;
  features: string[] | null;
}

/** A switch of the live model, emitted as "activated". */
export interface ActivationEvent {
  from: string | null;
  to: string;
  reason: string;
  by: string;
}

const CLOSE_WAIT_MS = 5000;
/** The monitor's state and the last feedback it saw, so a restart keeps the live metrics. */
const MONITOR_FILE = "monitor.json";
const BY = "pattern-model";

/**
 * One household's pattern-quality model over one store directory: the durable feedback log,
 * the pattern cache, the version registry, the live learner with its prequential monitor, and
 * a training worker. Every feedback is predicted, then learned online at once; every
 * `updateThreshold` feedback a background update grows new trees, saves a version and
 * activates it if the guardrail allows.
 *
 * Events: "feedback" (AddFeedbackResult), "update" (UpdateResult), "update-failed"
 * (UpdateFailure), "updating" ({mode, reason}), "activated" (ActivationEvent), "alert" (Alert),
 * "metrics" (ModelMetrics). It never emits "error", so no listener is required.
 */
export class PatternModel extends EventEmitter {
  readonly settings: ResolvedSettings;
  private schemaValue: FeatureSchema | null;
  private learner: PatternLearner | null;
  private history: TrainingHistory | null;
  private monitor = new PrequentialMonitor();
  private readonly timing = new TimingStats(1000);
  private readonly queue: UpdateQueue<UpdateResult>;
  /** History rows from this seq on have not been claimed by an update: they are pending. */
  private claimedSeq = 0;
  /** Highest feedback log seq learned (online) so far: the watermark of the next update. */
  private learnedSeq = 0;
  /**
   * The last change of taste the drift detector found (a rise of the error rate): the history row
   * it starts at, whether no incremental update has reacted to it yet, and how many were found (so
   * an update reacting to one does not mark a newer one as handled). Not kept across restarts.
   */
  private change: { seq: number; fresh: boolean; count: number } | null = null;
  /** Monitor samples when the active version became live (the accuracy-drop check needs some). */
  private samplesAtActivation = 0;
  private accuracyAlerted: string | null = null;
  private readonly remembering = new Map<string, Promise<void>>();
  /** Counts activate/rollback calls, so an update running meanwhile does not override them. */
  private switchRequests = 0;
  /** Activations (by hand or by an update) run one after another, in the order asked. */
  private activationChain: Promise<unknown> = Promise.resolve();
  private closing: Promise<void> | null = null;
  private opened = false;
  /** Alerts raised while opening (damaged files set aside, a fallback version); also emitted just after open. */
  readonly openAlerts: Alert[] = [];

  private constructor(
    settings: ResolvedSettings,
    private readonly lock: StoreLock,
    private readonly log: FeedbackLog,
    private readonly cache: PatternCache,
    private readonly registry: VersionRegistry,
    private readonly trainer: Trainer,
    schema: FeatureSchema | null,
  ) {
    super();
    this.settings = settings;
    this.schemaValue = schema;
    this.learner = schema ? PatternLearner.create(schema, settings.forest) : null;
    this.history = schema ? new TrainingHistory(schema, settings.retention.feedback) : null;
    this.queue = new UpdateQueue((request) => this.runUpdate(request));
  }

  /**
   * Opens the store directory (taking its lock), replays the feedback log into the training
   * history, loads the active version (hash-verified) or starts untrained, and replays the
   * feedback received after that version as online updates — the same state as before a restart.
   */
  static async open(input: PatternModelSettings): Promise<PatternModel> {
    const settings = resolveSettings(input);
    const dir = settings.storeDir;
    const opened: Array<{ close(): Promise<void> }> = [];
    try {
      // A fresh install has no store yet: the default directory is made on first open.
      await ensureDirectory(dir);
      const lock = await StoreLock.acquire(dir, "pattern-model");
      opened.push({ close: () => lock.release() });
      const log = await FeedbackLog.open(dir, { retention: settings.retention.feedback });
      opened.push(log);
      const cache = await PatternCache.open(dir);
      opened.push(cache);
      const registry = await VersionRegistry.open(dir, {
        retention: settings.retention.versions,
        validateModel: (json: unknown) => void PatternLearner.fromJSON(json),
      });
      opened.push(registry);
      const trainer = new Trainer();
      opened.push(trainer);
      // Forest parameters are checked now, so a misconfigured node fails on open with the field named.
      const schema = configuredSchema(settings);
      if (schema) PatternLearner.create(schema, settings.forest);
      const model = new PatternModel(settings, lock, log, cache, registry, trainer, schema);
      await model.restore();
      model.opened = true;
      // Listeners attach once open() resolves; the alerts of opening reach them just after.
      setImmediate(() => {
        for (const alert of model.openAlerts) model.emit("alert", alert);
      });
      return model;
    } catch (error) {
      for (const part of opened.reverse()) await part.close().catch(() => undefined);
      throw error;
    }
  }

  /** The features the model reads (null while an inferred schema has not seen its first sample). */
  get schema(): FeatureSchema | null {
    return this.schemaValue;
  }

  /** Feedback learned since the last update. */
  get pending(): number {
    return this.history ? this.history.endSeq - this.claimedSeq : 0;
  }

  /** The id of the live version, or null while untrained. */
  get activeVersion(): string | null {
    return this.registry.activeId;
  }

  /** True while an update runs. */
  get updating(): boolean {
    return this.queue.running;
  }

  /**
   * Stores and learns a batch of feedback `{patternId, label, features?, id?, user?, source?}`.
   * Everything is validated first (InvalidInputError naming e.g. `payload[3].label`; nothing
   * stored). Resolves once the batch is durable and learned online; an update the batch
   * triggers runs in the background (its outcome arrives as an "update" event).
   */
  async addFeedback(inputs: readonly unknown[], defaults: FeedbackDefaults = {}): Promise<AddFeedbackResult> {
    this.assertOpen();
    const { feedback, schema } = parseFeedbackBatch(inputs, this.schemaValue, defaults);
    if (schema && !this.schemaValue) this.adoptSchema(schema);
    let appended: { added: StoredFeedback[]; duplicates: string[] };
    try {
      appended = await this.log.append(feedback);
    } catch (error) {
      this.alert(storeErrorAlert("storing feedback", error));
      throw error;
    }
    const parked: Feedback[] = [];
    let drift = false;
    // Learned before any further await, so an update starting meanwhile sees every durable feedback.
    for (const record of appended.added) {
      const features = record.features ?? this.cache.lookup(record.patternId);
      if (features === undefined) {
        parked.push(record);
      } else {
        drift = this.learn(features, record.label, `feedback ${record.id}`) || drift;
      }
      this.learnedSeq = Math.max(this.learnedSeq, record.seq);
    }
    await this.settleCache(appended.added, parked);
    if (drift) this.driftDetected();
    this.checkAccuracy();
    const updateTriggered = this.maybeAutoUpdate();
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
    const { features, schema } = readFeatures(input, this.schemaValue, "features", new Date());
    if (!this.schemaValue) this.adoptSchema(schema);
    await this.remember(id, features);
  }

  /** Remembers the features of every scoring input that names a pattern id (as score() does in the background). */
  async rememberPatterns(inputs: readonly unknown[]): Promise<void> {
    const waits: Promise<void>[] = [];
    for (const input of inputs) {
      const patternId = scoreInputPatternId(input);
      if (patternId === undefined) continue;
      waits.push(this.remembering.get(patternId) ?? Promise.resolve());
    }
    await Promise.all(waits);
  }

  /**
   * Scores a pattern with the live model: named features, a positional array, a pattern object,
   * `{patternId, features | pattern}`, or `{patternId}` alone when its features are remembered.
   * A given patternId with features is remembered (in the background) for later feedback.
   */
  score(input: unknown, field = "payload"): ScoreResult {
    this.assertOpen();
    const { patternId, features } = this.scoreInput(input, field);
    const version = this.learner && this.learner.treeCount > 0 ? this.activeVersion : null;
    const score =
      this.learner && this.schemaValue ? this.learner.predictProba(this.schemaValue.vector(features, field)) : 0.5;
    const result: ScoreResult = {
      score,
      label: score >= 0.5 ? "approve" : "reject",
      uncertainty: 1 - Math.abs(2 * score - 1),
      version,
    };
    if (patternId !== undefined) result.patternId = patternId;
    return result;
  }

  /** Scores a batch; a bad item throws InvalidInputError naming it (`payload[2].…`), nothing remembered. */
  scoreMany(inputs: readonly unknown[]): ScoreResult[] {
    if (!Array.isArray(inputs))
      throw new InvalidInputError("payload", `expected a list of patterns, got ${describeValue(inputs)}`);
    const parsed = inputs.map((input, i) => this.scoreInput(input, `payload[${i}]`, false));
    return parsed.map((_, i) => this.score(inputs[i], `payload[${i}]`));
  }

  /**
   * Updates the model in the training worker: "incremental" grows a few new trees on the new
   * feedback, "full" retrains on all history (the first training is always full). Updates never
   * overlap: a request during a run joins the single follow-up run. Resolves with the new version.
   */
  update(mode: UpdateMode = "incremental", reason = "manual"): Promise<UpdateResult> {
    if (mode !== "incremental" && mode !== "full") {
      return Promise.reject(new InvalidInputError("mode", `expected incremental or full, got ${describeValue(mode)}`));
    }
    if (typeof reason !== "string" || reason.trim() === "") {
      return Promise.reject(new InvalidInputError("reason", `expected text, got ${describeValue(reason)}`));
    }
    if (this.closing) return Promise.reject(closedError(this.settings.storeDir));
    return this.queue.request(mode, reason);
  }

  /** Live figures: monitor, pending, active version, update times, counts. */
  metrics(): ModelMetrics {
    return {
      monitor: this.monitor.snapshot(),
      pending: this.pending,
      activeVersion: this.activeVersion,
      updating: this.updating,
      updateTimes: this.timing.snapshot(),
      feedbackCount: this.log.size,
      parkedCount: this.cache.parkedCount,
      historySize: this.history?.size ?? 0,
      features: this.schemaValue ? [...this.schemaValue.names] : null,
    };
  }

  /** All versions, newest last. */
  listVersions(...args: Parameters<VersionRegistry["list"]>): VersionEntry[] {
    return this.registry.list(...args);
  }

  /** One version; UnknownVersionError when there is none with this id. */
  getVersion(id: string): VersionEntry {
    return this.registry.get(id);
  }

  /** Makes a version live: its model is loaded and verified first, then the pointer switches. */
  async activate(id: string, options: { reason?: string; by?: string } = {}): Promise<VersionEntry> {
    this.assertOpen();
    this.switchRequests++;
    return this.exclusive(() => this.switchTo(id, options.reason ?? "manual", options.by ?? "user"));
  }

  /** Activates an earlier version: a given id, or "previous" (the one active before the current). */
  async rollback(to: string = "previous", options: { reason?: string; by?: string } = {}): Promise<VersionEntry> {
    this.assertOpen();
    this.switchRequests++;
    return this.exclusive(() => {
      const target = to === "previous" ? this.registry.previousId() : to;
      return this.switchTo(target, options.reason ?? "rollback", options.by ?? "user");
    });
  }

  /** Keeps a version through pruning. */
  pin(id: string): Promise<VersionEntry> {
    return Promise.resolve(this.registry.pin(id));
  }

  /** Lets pruning remove a version again. */
  unpin(id: string): Promise<VersionEntry> {
    return Promise.resolve(this.registry.unpin(id));
  }

  /** Deletes a version (never the active or a pinned one). */
  deleteVersion(id: string): Promise<unknown> {
    return Promise.resolve(this.registry.delete(id));
  }

  /** Removes versions beyond the retention (keeps the newest, the pinned and the active). */
  prune(): Promise<{ deleted: string[] }> {
    return this.registry.prune();
  }

  /** Metric deltas, sizes and trees changed between two versions. */
  compare(a: string, b: string): ReturnType<VersionRegistry["compare"]> {
    return this.registry.compare(a, b);
  }

  /** One version as a single, self-verifying JSON text. */
  exportVersion(id: string): Promise<string> {
    return this.registry.export(id);
  }

  /** Adds an exported version (validated, inactive until activated). */
  importVersion(text: string): Promise<VersionEntry> {
    return this.registry.import(text);
  }

  /** The append-only log of activations: who switched what, when and why. */
  activations(): ActivationRecord[] {
    return this.registry.activations();
  }

  /** Waits for a running update (a few seconds at most), then closes the worker and the store and releases the lock. */
  close(): Promise<void> {
    if (!this.closing) this.closing = this.shutDown();
    return this.closing;
  }

  // ---- opening ----

  private async restore(): Promise<void> {
    for (const problem of [...this.log.problems, ...this.cache.problems, ...this.registry.problems]) {
      this.alert({ type: "store-error", severity: "warning", message: problem.message, details: { ...problem } });
    }
    const active = await this.loadActive();
    if (active) {
      if (this.schemaValue && !this.schemaValue.equals(active.learner.schema)) {
        throw new PatternQualityError(
          "schema-mismatch",
          `the store ${this.settings.storeDir} holds a model reading other features (${active.learner.schema.names.slice(0, 5).join(", ")}…) than the configured schema; use another store directory or the matching schema`,
        );
      }
      this.adoptSchema(active.learner.schema);
      this.learner = active.learner;
    } else if (!this.schemaValue) {
      const first = firstFeatures(this.log, this.cache);
      if (first) this.adoptSchema(readFeatures(first, null, "features", new Date()).schema);
    }
    const monitorSeq = await this.loadMonitor();
    const watermark = active?.entry.trainedOn.feedbackWatermark ?? 0;
    const latest = Math.max(0, ...this.registry.list().map((v) => v.trainedOn.feedbackWatermark));
    let drift = false;
    for (const record of this.log.entries()) {
      this.learnedSeq = record.seq;
      const features = record.features ?? this.cache.lookup(record.patternId);
      if (!features || !this.history || !this.learner) continue;
      const x = this.vectorOrNull(features);
      if (!x) continue;
      if (record.seq <= latest) this.claimedSeq = this.history.endSeq + 1;
      if (record.seq <= watermark) this.history.add(x, record.label);
      else if (record.seq > monitorSeq) drift = this.learnVector(x, record.label) || drift;
      else {
        // Already counted by the saved monitor: learn it without predicting it again.
        this.learner.learnOne(x, record.label);
        this.history.add(x, record.label);
      }
    }
    // Parked feedback whose pattern became known was learned by the replay above; a removal not
    // yet durable before a crash must not make it learned twice.
    for (const feedback of this.cache.parkedFeedback()) {
      if (!this.cache.lookup(feedback.patternId)) continue;
      this.cache.takeParked(feedback.patternId);
    }
    this.samplesAtActivation = 0;
    if (drift) this.driftDetected();
  }

  /** Restores the saved monitor; returns the last feedback seq it had seen (0 without one). */
  private async loadMonitor(): Promise<number> {
    const file = path.join(this.settings.storeDir, MONITOR_FILE);
    let text: string;
    try {
      text = await fs.readFile(file, "utf8");
    } catch {
      return 0;
    }
    try {
      const saved = JSON.parse(text) as { seq?: unknown; monitor?: unknown };
      const seq = saved.seq;
      if (typeof seq !== "number" || !Number.isInteger(seq) || seq < 0 || seq > this.log.watermark) {
        throw new Error(`seq ${describeValue(seq)} does not fit the feedback log (watermark ${this.log.watermark})`);
      }
      this.monitor = PrequentialMonitor.fromJSON(saved.monitor);
      return seq;
    } catch (error) {
      // Only the live metrics are lost: they restart from the feedback after the active version.
      this.alert({
        type: "store-error",
        severity: "warning",
        message: `${MONITOR_FILE} could not be read (${(error as Error).message}); the live metrics start afresh`,
        details: { file: MONITOR_FILE },
      });
      return 0;
    }
  }

  private async saveMonitor(): Promise<void> {
    const state = { format: "pattern-quality-monitor-state", seq: this.learnedSeq, monitor: this.monitor.toJSON() };
    try {
      await writeFileAtomic(path.join(this.settings.storeDir, MONITOR_FILE), `${JSON.stringify(state)}\n`);
    } catch (error) {
      this.alert(storeErrorAlert("saving the live metrics", error));
    }
  }

  /**
   * The active version's learner. A model file that fails verification is set aside by the
   * registry, which activates the last good version; that one is loaded instead (and so on).
   */
  private async loadActive(): Promise<{ entry: VersionEntry; learner: PatternLearner } | null> {
    const tried = new Set<string>();
    for (;;) {
      let id = this.registry.activeId;
      if (id === null) return null;
      if (tried.has(id)) {
        // The registry kept a version active whose model we cannot use: fall back to the newest other one.
        const next = this.registry
          .list()
          .reverse()
          .find((v) => !tried.has(v.id));
        if (!next) return null;
        await this.registry.activate(next.id, { reason: `fallback: ${id} could not be loaded`, by: BY });
        id = next.id;
      }
      tried.add(id);
      try {
        const learner = PatternLearner.fromJSON(await this.registry.loadModel(id));
        return { entry: this.registry.get(id), learner };
      } catch (error) {
        this.alert(storeErrorAlert(`loading the active version ${id}`, error));
      }
    }
  }

  // ---- learning ----

  private adoptSchema(schema: FeatureSchema): void {
    if (this.schemaValue && this.learner && this.history) return;
    this.schemaValue = schema;
    this.learner = PatternLearner.create(schema, this.settings.forest);
    this.history = new TrainingHistory(schema, this.settings.retention.feedback);
  }

  private vectorOrNull(features: Features): Float64Array | null {
    try {
      return (this.schemaValue as FeatureSchema).vector(features, "features");
    } catch {
      return null;
    }
  }

  /** Test-then-train one labelled pattern; true when the drift detector fired. */
  private learn(features: Features, label: Label, what: string): boolean {
    const x = this.vectorOrNull(features);
    if (!x) {
      this.alert({
        type: "store-error",
        severity: "warning",
        message: `${what}: its remembered features do not fit the model's schema; not learned`,
        details: { features: Object.keys(features) },
      });
      return false;
    }
    return this.learnVector(x, label);
  }

  private learnVector(x: Float64Array, label: Label): boolean {
    const learner = this.learner as PatternLearner;
    const { drift } = this.monitor.update(learner.predictProba(x), label);
    learner.learnOne(x, label);
    const history = this.history as TrainingHistory;
    history.add(x, label);
    if (drift && this.monitor.driftRaisedError) {
      this.change = {
        seq: history.endSeq - this.monitor.samplesSinceChange,
        fresh: true,
        count: (this.change?.count ?? 0) + 1,
      };
    }
    return drift;
  }

  private async settleCache(added: readonly StoredFeedback[], parked: readonly Feedback[]): Promise<void> {
    const withFeatures = new Map<string, Features>();
    for (const record of added) if (record.features) withFeatures.set(record.patternId, record.features);
    for (const [patternId, features] of withFeatures) await this.remember(patternId, features).catch(() => undefined);
    for (const record of parked) {
      const { seq: _seq, ...feedback } = record as StoredFeedback;
      try {
        const { warning } = await this.cache.park(feedback);
        this.alert({
          type: "feedback-parked",
          severity: "info",
          message: warning,
          details: { patternId: record.patternId, feedbackId: record.id },
        });
      } catch (error) {
        this.alert(storeErrorAlert(`parking feedback ${record.id}`, error));
      }
    }
  }

  /** Stores a pattern's features and learns the feedback that was parked waiting for them. */
  private remember(patternId: string, features: Features): Promise<void> {
    // One write per pattern at a time, in call order; a failed one does not fail the next.
    const previous = (this.remembering.get(patternId) ?? Promise.resolve()).catch(() => undefined);
    const next = previous
      .then(() => this.cache.remember(patternId, features))
      .then(() => {
        let drift = false;
        for (const feedback of this.cache.takeParked(patternId)) {
          drift = this.learn(features, feedback.label, `feedback ${feedback.id}`) || drift;
        }
        if (drift) this.driftDetected();
      })
      .catch((error: unknown) => {
        this.alert(storeErrorAlert(`remembering pattern ${patternId}`, error));
        throw error;
      })
      .finally(() => {
        if (this.remembering.get(patternId) === next) this.remembering.delete(patternId);
      });
    this.remembering.set(patternId, next);
    return next;
  }

  private scoreInput(input: unknown, field: string, rememberIt = true): { patternId?: string; features: Features } {
    let patternId: string | undefined;
    let raw: unknown = input;
    let at = field;
    if (
      typeof input === "object" &&
      input !== null &&
      !Array.isArray(input) &&
      !ArrayBuffer.isView(input) &&
      !isPattern(input)
    ) {
      const record = input as Record<string, unknown>;
      if ("patternId" in record) {
        patternId = identifier(record.patternId, `${field}.patternId`);
        const key = record.features !== undefined ? "features" : record.pattern !== undefined ? "pattern" : null;
        if (key === null) {
          const known = this.cache.lookup(patternId);
          if (!known)
            throw new InvalidInputError(
              `${field}.features`,
              `no features given and none remembered for pattern ${patternId}`,
            );
          return { patternId, features: known };
        }
        raw = record[key];
        at = `${field}.${key}`;
      }
    } else if (isPattern(input) && (typeof input.id === "string" || typeof input.id === "number")) {
      patternId = String(input.id);
    }
    const read = readFeatures(raw, this.schemaValue, at, new Date());
    if (patternId !== undefined && rememberIt) {
      if (!this.schemaValue) this.adoptSchema(read.schema);
      this.remember(patternId, read.features).catch(() => undefined);
    }
    return patternId === undefined ? { features: read.features } : { patternId, features: read.features };
  }

  // ---- updates ----

  private maybeAutoUpdate(): boolean {
    if (!this.settings.autoUpdate || this.pending < this.settings.updateThreshold || this.queue.queued || this.closing)
      return false;
    if (this.history && this.history.size < this.settings.minSamples) return false;
    this.queue.request("incremental", "auto-update").catch(() => undefined);
    return true;
  }

  private async runUpdate(request: UpdateRequest): Promise<UpdateResult> {
    try {
      return await this.train(request);
    } catch (error) {
      if ((error as PatternQualityError).code === "update-not-needed") throw error;
      const failure: UpdateFailure = {
        mode: request.mode,
        reason: request.reason,
        code: (error as PatternQualityError).code ?? "update-failed",
        message: (error as Error).message,
      };
      this.emit("update-failed", failure);
      if (isStoreFailure(error)) {
        this.alert(storeErrorAlert(`the ${request.mode} update`, error));
      } else if (request.reason === "auto-update") {
        // Nobody awaits an automatic update: its failure must reach the flow as an alert.
        this.alert({
          type: "update-failed",
          severity: "error",
          message: `the automatic update failed: ${failure.message}`,
          details: { ...failure },
        });
      }
      throw error;
    }
  }

  private async train(request: UpdateRequest): Promise<UpdateResult> {
    const started = performance.now();
    const learner = this.learner;
    const history = this.history;
    const have = history?.size ?? 0;
    if (!learner || !history || have < this.settings.minSamples) {
      const missing = this.settings.minSamples - have;
      throw new PatternQualityError(
        "not-enough-feedback",
        `an update needs at least ${this.settings.minSamples} feedback with known features; there ${have === 1 ? "is" : "are"} ${have}: ${missing} more needed`,
      );
    }
    const kind: "incremental" | "full" = learner.treeCount === 0 ? "full" : request.mode;
    if (request.reason === "auto-update" && this.pending < this.settings.updateThreshold) {
      // A follow-up of an automatic trigger whose feedback the previous run already took.
      throw new PatternQualityError(
        "update-not-needed",
        `fewer than ${this.settings.updateThreshold} new feedback: no automatic update needed`,
      );
    }
    const fromSeq = Math.max(this.claimedSeq, history.firstSeq);
    const toSeq = history.endSeq;
    if (kind === "incremental" && toSeq <= fromSeq) {
      throw new PatternQualityError(
        "no-new-feedback",
        `no new feedback since ${this.activeVersion ?? "the last update"}: nothing to learn incrementally (a full update retrains on all history)`,
      );
    }
    this.emit("updating", { mode: kind, reason: request.reason });
    const parentId = this.activeVersion;
    const switches = this.switchRequests;
    this.claimedSeq = toSeq;
    let trained: { model: PatternLearner; treesReplaced: number; samples: number; watermark: number };
    const progress = { saved: false };
    try {
      if (kind === "full") {
        const watermark = this.learnedSeq;
        const done = await this.trainer.full(learner, history);
        trained = {
          model: done.model,
          treesReplaced: done.model.treeCount,
          samples: toSeq - history.firstSeq,
          watermark,
        };
      } else {
        // After a change of taste, new trees learn only from the rows since it (see incrementalPlan).
        const change = this.change;
        const done = await this.trainer.incremental(learner, { fromSeq }, history, {
          change: change ? { rows: Math.max(1, history.endSeq - change.seq), fresh: change.fresh } : undefined,
        });
        if (change && this.change?.count === change.count) this.change = { ...change, fresh: false };
        // The new learner carries the live model's online learning up to now, so it stands for
        // all feedback learned so far: that is its watermark, and nothing learned is pending.
        trained = {
          model: done.model,
          treesReplaced: done.treesReplaced,
          samples: toSeq - fromSeq + Math.min(learner.params.historySample, fromSeq - history.firstSeq),
          watermark: this.learnedSeq,
        };
        this.claimedSeq = history.endSeq;
      }
      return await this.finish(request, kind, parentId, switches, history, trained, fromSeq, toSeq, started, progress);
    } catch (error) {
      // Nothing was saved: unclaim, so the next update learns these rows.
      if (!progress.saved) this.claimedSeq = Math.min(this.claimedSeq, fromSeq);
      throw error;
    }
  }

  private async finish(
    request: UpdateRequest,
    kind: "incremental" | "full",
    parentId: string | null,
    switches: number,
    history: TrainingHistory,
    trained: { model: PatternLearner; treesReplaced: number; samples: number; watermark: number },
    fromSeq: number,
    toSeq: number,
    started: number,
    progress: { saved: boolean },
  ): Promise<UpdateResult> {
    const candidate = trained.model;
    const active = this.learner && this.learner.treeCount > 0 ? this.learner : null;
    // The steps after training (judging, serializing, saving) each take milliseconds on the main
    // thread: a turn of the event loop between them keeps Node-RED responsive during an update.
    await nextTurn();
    const window = recentWindow(history, this.settings.guardrail.recentWindow);
    const verdict = await judgeCandidate(candidate, active, window, this.settings.guardrail.maxDropPoints, nextTurn);
    const snapshot = this.monitor.snapshot();
    const updateTimeMs = performance.now() - started;
    const metrics = {
      prequentialAccuracy: snapshot.accuracy,
      fadingAccuracy: snapshot.fadingAccuracy,
      kappa: snapshot.kappa,
      brier: snapshot.brier,
      updateTimeMs,
      treesReplaced: trained.treesReplaced,
      recentAccuracy: verdict.candidateAccuracy,
      activeRecentAccuracy: verdict.activeAccuracy,
      newSamples: toSeq - fromSeq,
    };
    const model = candidate.toJSON();
    await nextTurn();
    const entry = await this.registry.save({
      model,
      kind,
      parentId,
      trainedOn: { samples: trained.samples, feedbackWatermark: trained.watermark },
      metrics,
      note: `${request.reason}; ${verdict.message}`,
    });
    progress.saved = true;
    const activated = await this.exclusive(async () => {
      if (!verdict.accept) {
        this.alert({
          type: "guardrail-rejected",
          severity: "warning",
          message: `${entry.id} was saved but not activated: ${verdict.message}`,
          details: { version: entry.id, active: parentId, ...verdict },
        });
        return false;
      }
      if (this.activeVersion !== parentId || this.switchRequests !== switches) {
        this.alert({
          type: "guardrail-rejected",
          severity: "info",
          message: `${entry.id} was saved but not activated: a version was activated by hand during the update`,
          details: { version: entry.id, active: this.activeVersion },
        });
        return false;
      }
      await this.registry.activate(entry.id, {
        reason: request.reason === "auto-update" ? "auto-update" : "manual",
        by: BY,
      });
      // A full retrain has not seen the feedback learned online during the run: replay it.
      this.goLive(entry, candidate, parentId, request.reason, BY, kind === "full");
      return true;
    });
    const totalMs = performance.now() - started;
    this.timing.record(totalMs);
    await this.saveMonitor();
    const slow = slowUpdateAlert(entry.id, totalMs, this.settings.alerts.updateBudgetMs);
    if (slow) this.alert(slow);
    const result: UpdateResult = {
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
    this.emit("update", result);
    this.emit("metrics", this.metrics());
    return result;
  }

  /** Makes `learner` (the model of `entry`) live, after replaying online the feedback it has not seen. */
  private goLive(
    entry: VersionEntry,
    learner: PatternLearner,
    from: string | null,
    reason: string,
    by = BY,
    replay = true,
  ): void {
    if (replay) {
      for (const record of this.log.entries(entry.trainedOn.feedbackWatermark + 1)) {
        const features = record.features ?? this.cache.lookup(record.patternId);
        const x = features && this.vectorOrNull(features);
        if (x) learner.learnOne(x, record.label);
      }
    }
    this.learner = learner;
    this.samplesAtActivation = this.monitor.snapshot().samples;
    this.accuracyAlerted = null;
    const event: ActivationEvent = { from, to: entry.id, reason, by };
    this.emit("activated", event);
  }

  private async switchTo(id: string, reason: string, by: string): Promise<VersionEntry> {
    const entry = this.registry.get(id);
    const learner = PatternLearner.fromJSON(await this.registry.loadModel(id));
    if (this.schemaValue && !learner.schema.equals(this.schemaValue)) {
      throw new InvalidInputError(
        "id",
        `version ${id} reads other features than the live model; it cannot be activated here`,
      );
    }
    const from = this.activeVersion;
    const activated = await this.registry.activate(id, { reason, by });
    this.adoptSchema(learner.schema);
    this.goLive(entry, learner, from, reason, by);
    return activated;
  }

  private exclusive<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.activationChain.then(operation);
    this.activationChain = result.catch(() => undefined);
    return result;
  }

  // ---- alerts ----

  private driftDetected(): void {
    if (!this.settings.alerts.drift) return;
    const snapshot = this.monitor.snapshot();
    this.alert(
      driftAlert(this.activeVersion, {
        samples: snapshot.samples,
        driftCount: snapshot.driftCount,
        fadingAccuracy: snapshot.fadingAccuracy,
      }),
    );
  }

  private checkAccuracy(): void {
    const active = this.activeVersion;
    if (!active || this.accuracyAlerted === active) return;
    const snapshot = this.monitor.snapshot();
    if (snapshot.samples - this.samplesAtActivation < this.settings.minSamples) return;
    const recorded = this.registry.get(active).metrics;
    const alert = accuracyDropAlert(
      active,
      { prequentialAccuracy: snapshot.accuracy, fadingAccuracy: snapshot.fadingAccuracy },
      {
        prequentialAccuracy: numberOrNull(recorded.prequentialAccuracy),
        fadingAccuracy: numberOrNull(recorded.fadingAccuracy),
      },
      this.settings.alerts.accuracyDropPoints,
    );
    if (alert) {
      this.accuracyAlerted = active;
      this.alert(alert);
    }
  }

  private alert(alert: Alert): void {
    if (!this.opened) this.openAlerts.push(alert);
    else this.emit("alert", alert);
  }

  // ---- closing ----

  private assertOpen(): void {
    if (this.closing) throw closedError(this.settings.storeDir);
  }

  private async shutDown(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.queue.idle(),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, CLOSE_WAIT_MS);
      }),
    ]);
    clearTimeout(timer);
    await Promise.allSettled([...this.remembering.values()]);
    await this.saveMonitor();
    const errors: unknown[] = [];
    for (const part of [this.trainer, this.cache, this.log, this.registry]) {
      await part.close().catch((error: unknown) => errors.push(error));
    }
    await this.lock.release().catch((error: unknown) => errors.push(error));
    if (errors.length > 0) throw errors[0];
  }
}

function configuredSchema(settings: ResolvedSettings): FeatureSchema | null {
  switch (settings.schema.kind) {
    case "standard":
      return standardPatternSchema;
    case "names":
      return new FeatureSchema(settings.schema.names, "settings.schema.names");
    default:
      return null;
  }
}

function firstFeatures(log: FeedbackLog, cache: PatternCache): Features | undefined {
  for (const record of log.entries()) {
    const features = record.features ?? cache.lookup(record.patternId);
    if (features) return features;
  }
  return undefined;
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

function scoreInputPatternId(input: unknown): string | undefined {
  if (typeof input !== "object" || input === null) return undefined;
  const record = input as Record<string, unknown>;
  const id = isPattern(input) && !("patternId" in record) ? record.id : record.patternId;
  return typeof id === "string" || typeof id === "number" ? String(id) : undefined;
}

function numberOrNull(value: unknown): number | null {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

function isStoreFailure(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && (code.startsWith("store-") || /^E[A-Z]+$/.test(code));
}

function closedError(dir: string): PatternQualityError {
  return new PatternQualityError("model-closed", `the pattern model of ${dir} is closed`);
}
