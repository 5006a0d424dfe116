import type { Features, Label } from "../feedback/feedback";
import type { FeatureSchema } from "../features/schema";
import { TrainingHistory } from "../learning/history";
import { ErrorRise } from "../learning/error-rise";
import { PatternLearner } from "../learning/learner";
import { PrequentialMonitor } from "../learning/monitor";
import { Burst, RECENT_ANSWERS, type RecentAnswer, type SetAside } from "./burst";
import type { Challenge } from "./challenge";
import type { OwnFigures } from "./own-figures";

/** A feedback as replay needs it: its label and its features, given or remembered. */
export interface LabelledPattern {
  /** Its feedback log seq (set-aside feedback is never replayed). */
  seq?: number;
  patternId: string;
  label: Label;
  features?: Features;
}

/** The change of taste an incremental update reacts to (see PatternModel's drift handling). */
export interface TasteChange {
  /** The history row it starts at. */
  seq: number;
  /** True until an incremental update has reacted to it. */
  fresh: boolean;
  /** How many were found, so an update reacting to one does not mark a newer one as handled. */
  count: number;
}

/**
 * The live learning state of one model: the feature schema, the live learner, the training
 * history, the prequential monitor and the drift bookkeeping. Every feedback is predicted
 * first, then learned (test-then-train), so the monitor's figures are honest.
 */
export class LiveLearning {
  schema: FeatureSchema | null;
  learner: PatternLearner | null;
  history: TrainingHistory | null;
  monitor = new PrequentialMonitor();
  /** History rows from this seq on have not been claimed by an update: they are pending. */
  claimedSeq = 0;
  /** Highest feedback log seq learned (online) so far: the watermark of the next update. */
  learnedSeq = 0;
  /** The last change of taste the drift detector found (a rise of the error rate); not kept across restarts. */
  change: TasteChange | null = null;
  /** The history row at which the last accuracy-drop alert was raised (-1: none). */
  accuracyAlertedRow = -1;
  /** The new version on trial beside the live one (see Challenge), if any. */
  challenge: Challenge | null = null;
  /** A newer version waiting for that trial to end; it answers (and learns) the same feedback meanwhile. */
  waiting: Challenge | null = null;
  /** Rises of the error rate not yet known to be a change of taste or a passing burst (see Burst). */
  bursts: Burst[] = [];
  /** The feedback log seq at which the latest change of taste was confirmed (0: none). */
  confirmedAtSeq = 0;
  /** The history row at which that change began (-1: none). */
  confirmedFromRow = -1;
  /** The first history row of the latest burst opened (-1: none). */
  lastBurstRow = -1;
  /** Feedback set aside (a burst that passed): never trained on, never replayed. */
  setAside: SetAside[] = [];
  /** The live model's latest answers, to find where a burst began. */
  readonly recent: RecentAnswer[] = [];
  /**
   * A sudden rise of the live model's errors, watched while the monitor's ADWIN window still spans
   * a confirmed change of taste: its older part then holds the high error rate of the change, and
   * a new burst (100 flipped answers 200 after the change) went unseen until the model had learned
   * it. Elsewhere ADWIN alone: the rise detector's false alarms on SEA's clustered errors cost more
   * than they found (poisoned versions live at 1,000 in 2–3 runs of 10 instead of 0).
   */
  readonly rise = new ErrorRise();
  /** Answers since the latest rise of the error rate began, as its detector saw it (to find its start). */
  riseWindow = 0;
  /** The live version's own figures (null while untrained). */
  own: OwnFigures | null = null;

  constructor(
    private readonly forest: Record<string, unknown>,
    private readonly retention: number,
    schema: FeatureSchema | null,
  ) {
    this.schema = schema;
    this.learner = schema ? PatternLearner.create(schema, forest) : null;
    this.history = schema ? new TrainingHistory(schema, retention) : null;
  }

  /**
   * New feedback that starts an automatic update: `threshold`, or, while the history is smaller
   * than it, as many as the history already holds (never fewer than `minSamples`), so a young
   * model is retrained each time its feedback doubles (10, 20, 40, 80, then every `threshold`)
   * instead of answering its first `threshold` feedback untrained.
   */
  updateDue(threshold: number, minSamples: number): number {
    const size = this.history?.size ?? 0;
    return Math.min(threshold, Math.max(minSamples, size - this.pending));
  }

  /** Feedback learned since the last update. */
  get pending(): number {
    return this.history ? this.history.endSeq - this.claimedSeq : 0;
  }

  /** The live learner once it has trees (null while untrained). */
  get trained(): PatternLearner | null {
    return this.learner && this.learner.treeCount > 0 ? this.learner : null;
  }

  /** Takes the schema of the first sample (or of a loaded version); a schema already in use stays. */
  adoptSchema(schema: FeatureSchema): void {
    if (this.schema && this.learner && this.history) return;
    this.schema = schema;
    this.learner = PatternLearner.create(schema, this.forest);
    this.history = new TrainingHistory(schema, this.retention);
  }

  /** P(approve) of named features with the live learner (0.5 while there is none). */
  predict(features: Features, field: string): number {
    return this.learner && this.schema ? this.learner.predictProba(this.schema.vector(features, field)) : 0.5;
  }

  /** The features as the schema's vector, or null when they do not fit it. */
  vectorOrNull(features: Features): Float64Array | null {
    try {
      return (this.schema as FeatureSchema).vector(features, "features");
    } catch {
      return null;
    }
  }

  /**
   * Test-then-train one labelled vector (feedback log `seq`; null for parked feedback learned
   * late): the live model and a challenger answer it, then learn it. True when the error rate
   * rose (the monitor's drift detector, or the detector of sudden rises, fired).
   */
  learnVector(x: Float64Array, label: Label, seq: number | null): boolean {
    const learner = this.learner as PatternLearner;
    const p = learner.predictProba(x);
    const wrong = (p >= 0.5 ? 1 : 0) !== label;
    const { drift } = this.monitor.update(p, label);
    const sudden = this.rise.update(wrong) && this.adwinSpansChange;
    this.own?.count(p, label, seq);
    let referenceP: number | null = null;
    for (const burst of this.bursts) {
      if (burst.state !== "open") continue;
      const answer = burst.observe(x, label, seq);
      if (referenceP === null) referenceP = answer;
    }
    const history = this.history as TrainingHistory;
    const row = history.endSeq;
    this.challenge?.observe(x, label, p, referenceP, seq, row);
    this.waiting?.observe(x, label, p, referenceP, seq, row);
    learner.learnOne(x, label);
    history.add(x, label);
    this.recent.push({ row: history.endSeq - 1, seq, wrong });
    if (this.recent.length > RECENT_ANSWERS) this.recent.splice(0, this.recent.length - RECENT_ANSWERS);
    const rose = (drift && this.monitor.driftRaisedError) || sudden;
    if (rose) {
      this.riseWindow = Math.max(sudden ? this.rise.length : 0, drift ? this.monitor.samplesSinceChange : 0);
      // Where the rise began: the most likely change point of the recent answers (the detectors'
      // own windows are tens of answers off), never before the last burst.
      const start = this.recent[Burst.startOf(this.recent, this.riseWindow, this.lastBurstRow + 1)];
      this.change = {
        seq: start?.row ?? history.endSeq - this.riseWindow,
        // Part of the forest is regrown once the change is confirmed (see BurstWatch), on many
        // more rows than the few dozen the detector needs: regrown at the alarm, on ~40 rows, the
        // version that went live at confirmation answered 47 % right on SEA (seed 2).
        // (A regrow a confirmed change asked for and no update has made yet is kept.)
        fresh: this.change?.fresh === true,
        count: (this.change?.count ?? 0) + 1,
      };
    }
    return rose;
  }

  /** True while the monitor's drift window reaches back to the start of the latest confirmed change of taste. */
  private get adwinSpansChange(): boolean {
    const end = this.history?.endSeq ?? 0;
    return this.confirmedFromRow >= 0 && end - this.monitor.samplesSinceChange <= this.confirmedFromRow;
  }

  /** Online updates of `learner` with the feedback it has not seen (no prediction: nothing is counted). */
  replayOnto(
    learner: PatternLearner,
    records: Iterable<LabelledPattern>,
    lookup: (patternId: string) => Features | undefined,
  ): void {
    for (const record of records) {
      if (this.isSetAside(record.seq)) continue;
      const features = record.features ?? lookup(record.patternId);
      const x = features && this.vectorOrNull(features);
      if (x) learner.learnOne(x, record.label);
    }
  }

  /** True while a rise of the error rate is not yet known for what it is. */
  get burstOpen(): boolean {
    return this.bursts.some((burst) => burst.state === "open");
  }

  /** True when feedback log `seq` lies in a range set aside. */
  isSetAside(seq: number | undefined | null): boolean {
    if (seq === undefined || seq === null) return false;
    return this.setAside.some((range) => seq >= range.fromSeq && seq < range.toSeq);
  }

  /** History row ranges set aside, as `[from, to)` pairs (for training). */
  get skippedRows(): Array<[number, number]> {
    return this.setAside.map((range) => [range.fromRow, range.toRow]);
  }

  /**
   * Makes `learner` the live one, counting its own figures; accuracy checks count from now. A
   * challenger that goes live stops being one in the same step, so no feedback is learned twice.
   */
  goLive(learner: PatternLearner, own: OwnFigures): void {
    if (this.challenge?.learner === learner) this.challenge = null;
    if (this.waiting?.learner === learner) this.waiting = null;
    this.learner = learner;
    this.own = own;
  }
}
