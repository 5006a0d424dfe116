import type { Label } from "../feedback/feedback";
import { Adwin } from "../learning/adwin";
import type { PatternLearner } from "../learning/learner";
import { RECENT_ANSWERS, type RecentAnswer } from "./burst";
import type { VersionEvaluation } from "../versions/registry";
import {
  AnswerStats,
  type AnswerTally,
  EVALUATION_METHOD,
  type JudgingRules,
  type PairedAnswer,
  PairedEvidence,
  type Verdict,
} from "./guardrail";

/** A challenge as the store keeps it across a restart: the version and its evidence so far. */
export interface ChallengeJSON {
  version: string;
  against: string | null;
  vsActive: PairedAnswer[];
  vsReference: PairedAnswer[] | null;
  /** The live model's own figures, when the version is judged alone. */
  alone?: AnswerTally;
}

/**
 * A new version on trial. Until it is decided it answers every new feedback beside the active
 * version (all before learning it), then learns it online like the live model, so when it is
 * promoted it is as up to date as the live model. While a burst of answers is open (see Burst),
 * it is also judged beside the burst's reference, the live model from before the burst, which the
 * burst cannot have spoiled: it must be not worse than the better of the two.
 *
 * A version with no trained active model to compare with (the first one) is judged alone: its
 * evaluation is its own prequential figures over its first `samples` feedback.
 */
export class Challenge {
  private vsActive = new PairedEvidence();
  private vsReference: PairedEvidence | null = null;
  private alone = new AnswerStats();
  /** Set once the verdict is acted on: it keeps learning (feedback during a promotion) but gathers no evidence. */
  decided = false;
  /** Its own latest answers and a drift detector on its errors: a burst it gets wrong is looked into too. */
  readonly recent: RecentAnswer[] = [];
  private readonly errors = new Adwin(0.002);
  /** Set when its error rate rose (cleared by whoever opens a burst for it). */
  alarm = false;

  constructor(
    /** The version on trial. */
    readonly version: string,
    /** Its learner (null when it is the active one, judged alone: the live model answers for it). */
    public learner: PatternLearner | null,
    /** The active version it is judged beside (null: judged alone). */
    public against: string | null,
    /** The last feedback log seq its model learned (online or in training) when it was saved. */
    readonly watermark: number,
    private readonly rules: JudgingRules,
  ) {}

  /** A challenge with the evidence the store kept for it. */
  static restore(json: ChallengeJSON, learner: PatternLearner, watermark: number, rules: JudgingRules): Challenge {
    const challenge = new Challenge(json.version, learner, json.against, watermark, rules);
    challenge.vsActive = PairedEvidence.of(json.vsActive);
    challenge.vsReference = json.vsReference ? PairedEvidence.of(json.vsReference) : null;
    return challenge;
  }

  /** The first version's judgement alone, going on from the figures the store kept. */
  static restoreAlone(json: ChallengeJSON & { alone: AnswerTally }, rules: JudgingRules): Challenge {
    const challenge = new Challenge(json.version, null, null, 0, rules);
    challenge.alone = AnswerStats.of(json.alone);
    return challenge;
  }

  /** The evidence, for the store. */
  toJSON(): ChallengeJSON {
    return {
      version: this.version,
      against: this.against,
      vsActive: this.vsActive.toJSON(),
      vsReference: this.vsReference?.toJSON() ?? null,
      ...(this.solo ? { alone: this.alone.toJSON() } : {}),
    };
  }

  /** True when the version is judged alone, as the live model (no opponent). */
  get solo(): boolean {
    return this.learner === null;
  }

  /** Answers in its drift detector's window (right after an alarm: those since the rise). */
  get windowSinceRise(): number {
    return this.errors.width;
  }

  get samples(): number {
    return this.solo ? this.alone.samples : this.vsActive.samples;
  }

  /**
   * Answers one feedback (log `seq`) beside the active version (`activeP`) and, during a burst,
   * the reference (`referenceP`), then learns it.
   */
  observe(
    x: Float64Array,
    label: Label,
    activeP: number,
    referenceP: number | null,
    seq: number | null,
    row: number,
  ): void {
    if (this.learner === null) {
      if (!this.decided) this.alone.add(activeP, label);
      return;
    }
    if (!this.decided) {
      const p = this.learner.predictProba(x);
      const wrong = (p >= 0.5 ? 1 : 0) !== label;
      this.recent.push({ row, seq, wrong });
      if (this.recent.length > RECENT_ANSWERS) this.recent.shift();
      const before = this.errors.mean;
      if (this.errors.update(wrong ? 1 : 0) && this.errors.mean > before) this.alarm = true;
      this.vsActive.add(p, activeP, label, seq);
      if (referenceP !== null) {
        this.vsReference ??= new PairedEvidence();
        this.vsReference.add(p, referenceP, label, seq);
      }
    }
    this.learner.learnOne(x, label);
  }

  /**
   * Another version went live by itself while this one waited: from now on it is judged beside
   * that one, its evidence starting afresh (the answers so far were beside a version no longer live).
   */
  rebase(against: string): void {
    this.against = against;
    this.vsActive = new PairedEvidence();
    this.vsReference = null;
  }

  /** Takes the answers to feedback in `[from, to)` (log seqs, set aside) out of the evidence. */
  setAside(from: number, to: number): void {
    this.vsActive = this.vsActive.without(from, to);
    if (this.vsReference) this.vsReference = this.vsReference.without(from, to);
  }

  /** The reference of a burst that ended is no longer an opponent. */
  dropReference(): void {
    this.vsReference = null;
  }

  /**
   * The verdict so far. Beside the active version and, during a burst, its reference, the verdict
   * against the opponent that answered better is the one that counts (for a solo judgement:
   * not-worse once enough feedback is in).
   */
  verdict(rules: JudgingRules = this.rules): Verdict {
    if (!this.solo) {
      const active = this.vsActive.verdict(rules);
      const reference = this.vsReference?.verdict(rules, "the model from before the burst of answers");
      if (!reference || reference.samples === 0) return active;
      const strongest = (reference.activeAccuracy ?? 0) > (active.activeAccuracy ?? 0) ? reference : active;
      return strongest;
    }
    const n = this.alone.samples;
    const accuracy = this.alone.accuracy;
    const enough = n >= rules.samples;
    return {
      outcome: enough ? "not-worse" : "undecided",
      method: EVALUATION_METHOD,
      samples: n,
      samplesNeeded: rules.samples,
      challengerAccuracy: accuracy,
      activeAccuracy: null,
      differencePoints: null,
      interval: null,
      message: enough
        ? `judged alone (there was no trained version to compare with): ` +
          `${((accuracy as number) * 100).toFixed(1)} % on ${n} new feedback`
        : `too few answers to tell: ${n} of ${rules.samples} new feedback`,
    };
  }

  /** The version's evaluation record from the evidence so far; null without any. */
  evaluation(outcome: string): VersionEvaluation | null {
    const verdict = this.verdict();
    const own = (this.solo ? this.alone : this.vsActive.challenger).evaluation(EVALUATION_METHOD);
    if (!own) return null;
    return {
      ...own,
      against: this.against,
      againstAccuracy: verdict.activeAccuracy,
      differencePoints: verdict.differencePoints,
      interval: verdict.interval,
      outcome,
      decidedAt: new Date().toISOString(),
    };
  }
}
