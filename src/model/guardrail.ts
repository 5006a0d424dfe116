import type { Label } from "../feedback/feedback";
import type { VersionEvaluation } from "../versions/registry";

/**
 * The guardrail judges a new version (the challenger) beside the active one on feedback that
 * arrives after the challenger was trained: each feedback is answered by both before either
 * learns it (paired test-then-train). So no row the challenger's new trees were grown on is ever
 * used to judge it, and both models are judged on the same rows.
 */
export const EVALUATION_METHOD = "challenger: paired test-then-train on feedback received after training";

/** The fewest paired feedback a decision is ever taken on (a clear difference is decided early). */
export const MIN_EVIDENCE = 20;
/** Significance of the one-sided McNemar test that decides before `samples` are reached. */
const EARLY_ALPHA = 0.01;
/** Significance of the test that calls a challenger better once `samples` are reached. */
const FINAL_ALPHA = 0.05;
/** z for the two-sided 95 % interval on the accuracy difference. */
const Z95 = 1.959964;

/** A version's own figures on feedback it had not learned when it answered it (as the registry keeps them). */
export type Evaluation = Pick<VersionEvaluation, "method" | "samples" | "accuracy" | "kappa" | "brier" | "logLoss">;

/** What a challenge found: better, not worse, worse, or not enough evidence yet. */
export type Outcome = "better" | "not-worse" | "worse" | "undecided";

/** The guardrail's judgement of a challenger against the active version, with the figures behind it. */
export interface Verdict {
  outcome: Outcome;
  method: string;
  samples: number;
  /** Samples a decision needs when the difference is not clear earlier. */
  samplesNeeded: number;
  challengerAccuracy: number | null;
  activeAccuracy: number | null;
  /** Challenger minus active, in accuracy points, with its 95 % interval. */
  differencePoints: number | null;
  interval: [number, number] | null;
  /** One-sided McNemar p-values (exact binomial on the discordant pairs). */
  pBetter: number | null;
  pWorse: number | null;
  message: string;
}

/** The running figures of one model's answers (probability of approve) against the labels. */
export class AnswerStats {
  samples = 0;
  correct = 0;
  private predictedPositive = 0;
  private positive = 0;
  private brierSum = 0;
  private logLossSum = 0;

  add(p: number, label: Label): boolean {
    const predicted = p >= 0.5 ? 1 : 0;
    const right = predicted === label;
    this.samples++;
    if (right) this.correct++;
    if (predicted === 1) this.predictedPositive++;
    if (label === 1) this.positive++;
    this.brierSum += (p - label) ** 2;
    const clipped = Math.min(1 - 1e-15, Math.max(1e-15, p));
    this.logLossSum -= label === 1 ? Math.log(clipped) : Math.log(1 - clipped);
    return right;
  }

  get accuracy(): number | null {
    return this.samples === 0 ? null : this.correct / this.samples;
  }

  evaluation(method: string): Evaluation | null {
    const n = this.samples;
    if (n === 0) return null;
    const observed = this.correct / n;
    // Cohen's kappa: agreement with the labels beyond what the two marginals give by chance.
    const chance =
      (this.predictedPositive * this.positive + (n - this.predictedPositive) * (n - this.positive)) / (n * n);
    const kappa = chance >= 1 ? 0 : (observed - chance) / (1 - chance);
    return { method, samples: n, accuracy: observed, kappa, brier: this.brierSum / n, logLoss: this.logLossSum / n };
  }
}

/** Paired answers of a challenger and the active version on the same feedback. */
export class PairedEvidence {
  readonly challenger = new AnswerStats();
  readonly active = new AnswerStats();
  /** Feedback only the challenger answered right, and only the active version answered right. */
  private onlyChallenger = 0;
  private onlyActive = 0;

  add(challengerP: number, activeP: number, label: Label): void {
    const challengerRight = this.challenger.add(challengerP, label);
    const activeRight = this.active.add(activeP, label);
    if (challengerRight && !activeRight) this.onlyChallenger++;
    if (activeRight && !challengerRight) this.onlyActive++;
  }

  get samples(): number {
    return this.challenger.samples;
  }

  /**
   * The verdict after the evidence so far. Before `samplesNeeded` feedback, only a clear
   * difference decides (McNemar, one-sided, p < 0.01, after at least MIN_EVIDENCE feedback);
   * at `samplesNeeded`, a challenger that loses at most `maxDropPoints` is not worse (better when
   * its gain is significant at 0.05), else worse.
   */
  verdict(samplesNeeded: number, maxDropPoints: number): Verdict {
    const n = this.samples;
    const b = this.onlyChallenger;
    const c = this.onlyActive;
    const base = {
      method: EVALUATION_METHOD,
      samples: n,
      samplesNeeded,
      challengerAccuracy: this.challenger.accuracy,
      activeAccuracy: this.active.accuracy,
    };
    if (n === 0) {
      return {
        ...base,
        outcome: "undecided",
        differencePoints: null,
        interval: null,
        pBetter: null,
        pWorse: null,
        message: `not enough evidence yet: 0 of ${samplesNeeded} new feedback`,
      };
    }
    const difference = (b - c) / n;
    // Normal interval on the mean of the paired differences (each −1, 0 or +1).
    const se = Math.sqrt(Math.max(0, b + c - (b - c) ** 2 / n)) / n;
    const interval: [number, number] = [100 * (difference - Z95 * se), 100 * (difference + Z95 * se)];
    const pBetter = binomialUpperTail(b, b + c);
    const pWorse = binomialUpperTail(c, b + c);
    const dropPoints = -100 * difference;
    const figures = { ...base, differencePoints: 100 * difference, interval, pBetter, pWorse };
    let outcome: Outcome = "undecided";
    if (n >= Math.min(MIN_EVIDENCE, samplesNeeded)) {
      if (pBetter < EARLY_ALPHA) outcome = "better";
      else if (pWorse < EARLY_ALPHA && dropPoints > maxDropPoints + 1e-9) outcome = "worse";
    }
    if (outcome === "undecided" && n >= samplesNeeded) {
      if (dropPoints > maxDropPoints + 1e-9) outcome = "worse";
      else outcome = pBetter < FINAL_ALPHA ? "better" : "not-worse";
    }
    return { ...figures, outcome, message: describe(outcome, figures, maxDropPoints) };
  }
}

function describe(
  outcome: Outcome,
  v: Omit<Verdict, "outcome" | "message"> & { interval: [number, number]; differencePoints: number },
  maxDropPoints: number,
): string {
  const figures =
    `${percent(v.challengerAccuracy)} vs ${percent(v.activeAccuracy)} on ${v.samples} new feedback ` +
    `(difference ${signed(v.differencePoints)} points, 95 % interval ${signed(v.interval[0])} to ${signed(v.interval[1])})`;
  switch (outcome) {
    case "better":
      return `better than the active version: ${figures}`;
    case "not-worse":
      return `not worse than the active version (allowed drop ${maxDropPoints} points): ${figures}`;
    case "worse":
      return `worse than the active version (allowed drop ${maxDropPoints} points): ${figures}`;
    default:
      return `not enough evidence yet: ${figures}; a decision needs ${v.samplesNeeded}`;
  }
}

/** P(X ≥ k) for X ~ Binomial(n, 1/2): the exact one-sided McNemar p-value (1 when n = 0). */
export function binomialUpperTail(k: number, n: number): number {
  if (n === 0 || k <= 0) return 1;
  if (k > n) return 0;
  // Sum in log space: C(n, i) / 2^n for i = k…n.
  let logTerm = -n * Math.LN2; // i = 0
  let total = 0;
  for (let i = 0; i <= n; i++) {
    if (i > 0) logTerm += Math.log((n - i + 1) / i);
    if (i >= k) total += Math.exp(logTerm);
  }
  return Math.min(1, total);
}

function percent(value: number | null): string {
  return value === null ? "-" : `${(value * 100).toFixed(1)} %`;
}

function signed(points: number): string {
  return `${points >= 0 ? "+" : ""}${points.toFixed(1)}`;
}
