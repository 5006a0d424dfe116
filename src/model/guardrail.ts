import type { Label } from "../feedback/feedback";
import type { VersionEvaluation } from "../versions/registry";

/**
 * The guardrail judges a new version (the challenger) beside the versions it would replace on
 * feedback that arrives after the challenger was trained: each feedback is answered by all of
 * them before any learns it (paired test-then-train). So no row the challenger's new trees were
 * grown on is ever used to judge it, and all are judged on the same rows.
 */
export const EVALUATION_METHOD = "challenger: paired test-then-train on feedback received after training";

/** The fewest paired feedback a decision is ever taken on; before that: "too few answers to tell". */
export const MIN_EVIDENCE = 20;
/** z of the two-sided 95 % interval on the accuracy difference, the one that is shown and decides. */
const Z95 = 1.959964;

/** A version's own figures on feedback it had not learned when it answered it (as the registry keeps them). */
export type Evaluation = Pick<VersionEvaluation, "method" | "samples" | "accuracy" | "kappa" | "brier" | "logLoss">;

/**
 * What a challenge found: better, not worse, worse, unproven (the trial's limit came without the
 * interval clearing the allowed drop), or not enough evidence yet.
 */
export type Outcome = "better" | "not-worse" | "worse" | "unproven" | "undecided";

/** How a challenge is judged: the feedback a "not worse" needs, the allowed drop, and the trial's limit. */
export interface JudgingRules {
  /** Paired feedback before a version may be called not worse (a clear difference decides from MIN_EVIDENCE). */
  samples: number;
  /** Accuracy points a version may lose and still go live. */
  maxDropPoints: number;
  /** Paired feedback after which an undecided trial ends as unproven. */
  maxSamples: number;
}

/** The guardrail's judgement of a challenger against one opponent, with the figures behind it. */
export interface Verdict {
  outcome: Outcome;
  method: string;
  samples: number;
  /** Samples a "not worse" needs when the difference is not clear earlier. */
  samplesNeeded: number;
  challengerAccuracy: number | null;
  activeAccuracy: number | null;
  /** Challenger minus opponent, in accuracy points, with the 95 % interval the outcome is read from. */
  differencePoints: number | null;
  interval: [number, number] | null;
  message: string;
}

/** The running sums of AnswerStats, as the store keeps them. */
export interface AnswerTally {
  samples: number;
  correct: number;
  predictedPositive: number;
  positive: number;
  brierSum: number;
  logLossSum: number;
}

/** The running figures of one model's answers (probability of approve) against the labels. */
export class AnswerStats {
  samples = 0;
  correct = 0;
  private predictedPositive = 0;
  private positive = 0;
  private brierSum = 0;
  private logLossSum = 0;

  /** Figures that go on from the sums the store kept. */
  static of(tally: AnswerTally): AnswerStats {
    const stats = new AnswerStats();
    stats.samples = tally.samples;
    stats.correct = tally.correct;
    stats.predictedPositive = tally.predictedPositive;
    stats.positive = tally.positive;
    stats.brierSum = tally.brierSum;
    stats.logLossSum = tally.logLossSum;
    return stats;
  }

  toJSON(): AnswerTally {
    const { samples, correct, predictedPositive, positive, brierSum, logLossSum } = this;
    return { samples, correct, predictedPositive, positive, brierSum, logLossSum };
  }

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

/** The four cells of paired right/wrong answers: both right, only the challenger, only the opponent, both wrong. */
export interface PairCounts {
  both: number;
  onlyChallenger: number;
  onlyOpponent: number;
  neither: number;
}

/**
 * The 95 % interval on the difference of two paired accuracies, in points: Newcombe's hybrid score
 * interval (method 10 of Newcombe, "Improved confidence intervals for the difference between
 * binomial proportions based on paired data", Statistics in Medicine 17, 1998). It is built from
 * the Wilson intervals of the two accuracies and their correlation, so it stays inside ±100, is
 * never of zero width (4 answers alike give about ±49 points), and needs no normal approximation
 * of a handful of disagreements, where the Wald interval the guardrail used before said "+0.0 to
 * +0.0" after 4 answers. Null without answers.
 */
export function pairedInterval(counts: PairCounts): [number, number] | null {
  const { both: a, onlyChallenger: b, onlyOpponent: c, neither: d } = counts;
  const n = a + b + c + d;
  if (n === 0) return null;
  const p1 = (a + b) / n;
  const p2 = (a + c) / n;
  const [l1, u1] = wilson(a + b, n);
  const [l2, u2] = wilson(a + c, n);
  const margins = (a + b) * (c + d) * (a + c) * (b + d);
  // The correlation, shrunk by n / (n + 1): at φ = 1 (a handful of answers, all alike) Newcombe's
  // interval would collapse to zero width; the shrinkage leaves it unchanged to 1 % from 100 answers.
  const phi = margins === 0 ? 0 : (Math.max(-1, Math.min(1, (a * d - b * c) / Math.sqrt(margins))) * n) / (n + 1);
  const below = Math.sqrt(Math.max(0, (p1 - l1) ** 2 - 2 * phi * (p1 - l1) * (u2 - p2) + (u2 - p2) ** 2));
  const above = Math.sqrt(Math.max(0, (u1 - p1) ** 2 - 2 * phi * (u1 - p1) * (p2 - l2) + (p2 - l2) ** 2));
  const difference = p1 - p2;
  return [100 * Math.max(-1, difference - below), 100 * Math.min(1, difference + above)];
}

/** Wilson's score interval (95 %) for `k` successes in `n`. */
function wilson(k: number, n: number): [number, number] {
  const p = k / n;
  const z2 = Z95 * Z95;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (Z95 * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / (1 + z2 / n);
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

/**
 * The outcome read from the interval, and only from it: better when it lies above 0, worse when it
 * lies below −maxDrop, not worse once `samples` are in and it lies above −maxDrop; at `maxSamples`
 * a trial still undecided is unproven. Fewer than MIN_EVIDENCE answers decide nothing.
 */
export function outcomeOf(interval: [number, number] | null, samples: number, rules: JudgingRules): Outcome {
  if (!interval || samples < Math.min(MIN_EVIDENCE, rules.samples)) return "undecided";
  const [low, high] = interval;
  const drop = rules.maxDropPoints;
  if (low > 0) return "better";
  if (high < -drop) return "worse";
  if (samples >= rules.samples && low > -drop) return "not-worse";
  return samples >= rules.maxSamples ? "unproven" : "undecided";
}

/** One paired answer: the feedback's log seq (null: learned late), both P(approve), and the label. */
export interface PairedAnswer {
  seq: number | null;
  challenger: number;
  opponent: number;
  label: Label;
}

/**
 * Paired answers of a challenger and one opponent (the active version, or a reference that did
 * not learn a burst of answers) on the same feedback, kept one by one with the feedback's log
 * seq, so the answers to feedback set aside later can be taken out of the evidence, and the
 * evidence kept in the store across a restart.
 */
export class PairedEvidence {
  private readonly answers: PairedAnswer[] = [];
  readonly challenger = new AnswerStats();
  readonly opponent = new AnswerStats();

  /** Evidence made of these answers (as toJSON gave them). */
  static of(answers: readonly PairedAnswer[]): PairedEvidence {
    const evidence = new PairedEvidence();
    for (const a of answers) evidence.add(a.challenger, a.opponent, a.label, a.seq);
    return evidence;
  }

  add(challengerP: number, opponentP: number, label: Label, seq: number | null): void {
    this.challenger.add(challengerP, label);
    this.opponent.add(opponentP, label);
    this.answers.push({ seq, challenger: challengerP, opponent: opponentP, label });
  }

  /** The answers, oldest first (for the store). */
  toJSON(): PairedAnswer[] {
    return this.answers.map((a) => ({ ...a }));
  }

  get samples(): number {
    return this.answers.length;
  }

  /** The evidence without the answers to feedback in `[from, to)` (log seqs). */
  without(from: number, to: number): PairedEvidence {
    return PairedEvidence.of(this.answers.filter((a) => a.seq === null || a.seq < from || a.seq >= to));
  }

  /** The four cells of right and wrong. */
  counts(): PairCounts {
    const counts = { both: 0, onlyChallenger: 0, onlyOpponent: 0, neither: 0 };
    for (const a of this.answers) {
      const challengerRight = (a.challenger >= 0.5 ? 1 : 0) === a.label;
      const opponentRight = (a.opponent >= 0.5 ? 1 : 0) === a.label;
      if (challengerRight && opponentRight) counts.both++;
      else if (challengerRight) counts.onlyChallenger++;
      else if (opponentRight) counts.onlyOpponent++;
      else counts.neither++;
    }
    return counts;
  }

  /** The verdict after the evidence so far, against an opponent named `opponent` in the message. */
  verdict(rules: JudgingRules, opponent = "the active version"): Verdict {
    const n = this.samples;
    const counts = this.counts();
    const interval = pairedInterval(counts);
    const outcome = outcomeOf(interval, n, rules);
    const figures = {
      method: EVALUATION_METHOD,
      samples: n,
      samplesNeeded: rules.samples,
      challengerAccuracy: n === 0 ? null : (counts.both + counts.onlyChallenger) / n,
      activeAccuracy: n === 0 ? null : (counts.both + counts.onlyOpponent) / n,
      differencePoints: n === 0 ? null : (100 * (counts.onlyChallenger - counts.onlyOpponent)) / n,
      interval,
    };
    return { ...figures, outcome, message: describe(outcome, figures, rules, opponent) };
  }
}

function describe(
  outcome: Outcome,
  v: Omit<Verdict, "outcome" | "message">,
  rules: JudgingRules,
  opponent: string,
): string {
  if (v.samples === 0 || v.interval === null || v.differencePoints === null) {
    return `too few answers to tell: 0 of ${rules.samples} new feedback`;
  }
  const figures =
    `${percent(v.challengerAccuracy)} vs ${percent(v.activeAccuracy)} on ${v.samples} new feedback ` +
    `(difference ${signed(v.differencePoints)} points, 95 % interval ${signed(v.interval[0])} to ${signed(v.interval[1])})`;
  const allowed = `allowed drop ${rules.maxDropPoints} points`;
  switch (outcome) {
    case "better":
      return `better than ${opponent}: ${figures}`;
    case "not-worse":
      return `not worse than ${opponent} (${allowed}): ${figures}`;
    case "worse":
      return `worse than ${opponent} (${allowed}): ${figures}`;
    case "unproven":
      return `not shown to be within the ${allowed} of ${opponent} after ${rules.maxSamples} feedback: ${figures}`;
    default:
      if (v.samples < Math.min(MIN_EVIDENCE, rules.samples)) {
        return `too few answers to tell: ${figures}; a decision needs at least ${MIN_EVIDENCE}`;
      }
      return `not enough evidence yet: ${figures}; the interval must clear −${rules.maxDropPoints} points (at most ${rules.maxSamples} feedback)`;
  }
}

function percent(value: number | null): string {
  return value === null ? "-" : `${(value * 100).toFixed(1)} %`;
}

function signed(points: number): string {
  return `${points >= 0 ? "+" : ""}${points.toFixed(1)}`;
}
