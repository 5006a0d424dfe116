import type { Label } from "../feedback/feedback";
import type { PatternLearner } from "../learning/learner";
import type { VersionEvaluation } from "../versions/registry";
import { AnswerStats, EVALUATION_METHOD, PairedEvidence, type Verdict } from "./guardrail";

/** What a challenge is judged by: how much evidence, how large a drop is allowed. */
export interface ChallengeRules {
  samples: number;
  maxDropPoints: number;
}

/**
 * A new version on trial. Until it is decided it answers every new feedback beside the active
 * version (both before learning it), then learns it online like the live model, so when it is
 * promoted it is as up to date as the live model.
 *
 * A version with no trained active model to compare with (the first one) is judged alone: its
 * evaluation is its own prequential figures over its first `samples` feedback.
 */
export class Challenge {
  private readonly paired = new PairedEvidence();
  private readonly alone = new AnswerStats();

  constructor(
    /** The version on trial. */
    readonly version: string,
    /** Its learner (null when it is the active one, judged alone: the live model answers for it). */
    readonly learner: PatternLearner | null,
    /** The active version it is judged beside (null: judged alone). */
    readonly against: string | null,
    private readonly rules: ChallengeRules,
  ) {}

  /** True when the version is judged alone, as the live model (no opponent). */
  get solo(): boolean {
    return this.learner === null;
  }

  get samples(): number {
    return this.solo ? this.alone.samples : this.paired.samples;
  }

  /** Answers one feedback beside the active version (`activeP`), then learns it. */
  observe(x: Float64Array, label: Label, activeP: number): void {
    if (this.learner === null) {
      this.alone.add(activeP, label);
      return;
    }
    this.paired.add(this.learner.predictProba(x), activeP, label);
    this.learner.learnOne(x, label);
  }

  /** The verdict so far (for a solo judgement: not-worse once enough feedback is in). */
  verdict(rules: ChallengeRules = this.rules): Verdict {
    if (!this.solo) return this.paired.verdict(rules.samples, rules.maxDropPoints);
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
      pBetter: null,
      pWorse: null,
      message: enough
        ? `judged alone (there was no trained version to compare with): ` +
          `${((accuracy as number) * 100).toFixed(1)} % on ${n} new feedback`
        : `not enough evidence yet: ${n} of ${rules.samples} new feedback`,
    };
  }

  /** The version's evaluation record from the evidence so far; null without any. */
  evaluation(outcome: string): VersionEvaluation | null {
    const verdict = this.verdict();
    const own = (this.solo ? this.alone : this.paired.challenger).evaluation(EVALUATION_METHOD);
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
