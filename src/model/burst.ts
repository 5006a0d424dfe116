import type { Label } from "../feedback/feedback";
import { Adwin } from "../learning/adwin";
import type { PatternLearner } from "../learning/learner";

/** A range of feedback set aside: log seqs `[fromSeq, toSeq)`, history rows `[fromRow, toRow)`. */
export interface SetAside {
  fromSeq: number;
  toSeq: number;
  fromRow: number;
  toRow: number;
  /** Why, in words ("a burst of 96 answers the model got wrong, which passed"). */
  reason: string;
}

/** What a burst turned out to be: still open, a real change of taste, a passing burst, or a false alarm. */
export type BurstState = "open" | "confirmed" | "passed" | "noise";

/** The recent answers of the live model, from which the start of a burst is found. */
export interface RecentAnswer {
  row: number;
  seq: number | null;
  wrong: boolean;
}

/** Most recent live answers kept to find where a burst began (ADWIN finds it within its window). */
export const RECENT_ANSWERS = 512;
/** Answers before a burst that give the live model's usual error rate. */
const BASELINE_ANSWERS = 200;
/** Significance of the rise of the reference's error over its usual rate that makes a burst more than noise. */
const CONFIRM_Z = 2.58;
/**
 * The reference's latest answers that tell whether the burst still goes on when it is decided:
 * 20 separate a usual 12 % error from a changed 50 % with about 2 % wrong calls either way.
 */
const LATEST = 20;
/** Usual answers between an alarm and a later rise that show the alarm was false. */
const MIN_USUAL = 20;

/**
 * A rise of the live model's error rate the drift detector found, treated as provisional. It may
 * be a real change of taste, or a burst of wrong answers that passes (a phone whose buttons were
 * mapped the wrong way round, a guest answering): for the first stretch the two look the same.
 *
 * A reference, the live model as it was just before the burst (rebuilt from its version file and
 * the feedback before the burst), is frozen: it learns nothing of the burst. Its errors on each
 * feedback since the start tell what the burst is:
 * - **passed** when they fall back (an ADWIN over them finds a fall): the burst's answers are set
 *   aside, and what learned them online is rebuilt without them;
 * - **confirmed** once the burst has lasted `confirmAfter` feedback with the reference's error
 *   still clearly above its usual rate (z ≥ 2.58): a real change, and versions grown on it may go live;
 * - **noise** when after `confirmAfter` its error is not clearly above usual: a false alarm.
 * Until then no version that learned any of the burst goes live.
 */
export class Burst {
  /** The reference's 0/1 errors on every feedback from the start, in order. */
  private errors: number[] = [];
  /** The feedback log seq of each (null: learned late). */
  private seqs: Array<number | null> = [];
  private fall = new Adwin(0.002);
  private endRow: number | null = null;
  private resolved: BurstState = "open";
  /** Set once the burst has started an update (see Upkeep). */
  updateAsked = false;
  /** Answers of the burst when its alarm was raised (those replayed when it opened). */
  private alarmAt = 0;
  /** The live model's error rate before the burst. */
  readonly usualError: number;

  constructor(
    /** Whose errors rose: "live", or the version on trial whose answers went wrong. */
    readonly source: string,
    /** The first history row of the burst (moved later when its errors rose only there, see decide). */
    public fromRow: number,
    /** Its feedback log seq. */
    public fromSeq: number,
    /** The live answers before it, for the usual error rate. */
    before: readonly RecentAnswer[],
    /** Feedback the burst must last before it counts as a change. */
    private readonly confirmAfter: number,
    /** The reference: the live model before the burst (frozen). */
    readonly reference: PatternLearner,
  ) {
    const usual = before.slice(-BASELINE_ANSWERS);
    this.usualError = usual.length === 0 ? 0.5 : usual.filter((a) => a.wrong).length / usual.length;
  }

  /**
   * Where the burst began: the most likely change point of the recent answers' error rate (the
   * split maximizing the binomial log-likelihood of the two parts), among the last `window` + 32
   * answers and not before `notBeforeRow`, where the error rose.
   */
  static startOf(recent: readonly RecentAnswer[], window: number, notBeforeRow = -1): number {
    let from = Math.max(0, recent.length - window - 32);
    while (from < recent.length && (recent[from]?.row ?? 0) < notBeforeRow) from++;
    const errors = recent.slice(from).map((a) => (a.wrong ? 1 : 0));
    const split = changePoint(errors, 1);
    return Math.min(recent.length - 1, from + (split ?? Math.max(0, errors.length - window)));
  }

  /** Feedback since the burst began (those the reference answered). */
  get length(): number {
    return this.errors.length;
  }

  /** What the burst is so far. */
  get state(): BurstState {
    return this.resolved;
  }

  /** The rows after the burst (once it passed): from this history row on the answers are usual again. */
  get passedAtRow(): number | null {
    return this.endRow;
  }

  /** The reference's error rate over the burst so far. */
  get referenceError(): number {
    return this.errors.length === 0 ? 0 : this.errors.reduce((a, b) => a + b, 0) / this.errors.length;
  }

  /** The reference answers one feedback of the burst (log `seq`, null: learned late); returns its P(approve). */
  observe(x: Float64Array, label: Label, seq: number | null): number {
    const p = this.reference.predictProba(x);
    this.record((p >= 0.5 ? 1 : 0) !== label, seq);
    return p;
  }

  /**
   * After `confirmAfter` feedback: noise when the reference's error over the burst is not clearly
   * above usual; else passed when its latest LATEST answers are likelier at its usual error rate
   * than at the burst's (a likelihood ratio), confirmed otherwise.
   */
  private decide(): void {
    if (this.beganLater()) return;
    const errors = this.errors;
    const earlier = errors.slice(0, -LATEST);
    const latest = errors.slice(-LATEST);
    const clamp = (v: number) => Math.min(0.99, Math.max(0.01, v));
    const usual = clamp(this.usualError);
    const burst = clamp(earlier.reduce((a, b) => a + b, 0) / Math.max(1, earlier.length));
    const se = Math.sqrt((usual * (1 - usual)) / Math.max(1, earlier.length));
    if ((burst - usual) / se < CONFIRM_Z) {
      this.resolved = "noise";
      return;
    }
    const wrong = latest.reduce((a, b) => a + b, 0);
    const right = latest.length - wrong;
    const favoursUsual = wrong * Math.log(usual / burst) + right * Math.log((1 - usual) / (1 - burst)) > 0;
    if (!favoursUsual) {
      this.resolved = "confirmed";
      return;
    }
    this.resolved = "passed";
    this.endRow = this.fromRow + fallOf(errors);
  }

  /**
   * True when the reference's errors, usual after the alarm, rose only later in the burst (a false
   * alarm, then a burst): the burst then starts where they rose, and has to last `confirmAfter`
   * from there. Without this, 100 flipped answers that came 90 after a false alarm lasted "130"
   * and were taken for a change of taste (SEA, seed 1). The answers up to the alarm are left out:
   * they are the few wrong ones that raised it.
   */
  private beganLater(): boolean {
    const rise = changePoint(this.errors, 1);
    if (rise === null || rise - this.alarmAt < MIN_USUAL) return false;
    const between = this.errors.slice(this.alarmAt, rise);
    const rate = between.reduce((a, b) => a + b, 0) / between.length;
    const usual = Math.min(0.99, Math.max(0.01, this.usualError));
    if ((rate - usual) / Math.sqrt((usual * (1 - usual)) / between.length) >= CONFIRM_Z) return false;
    const seq = this.seqs.slice(rise).find((s) => s !== null);
    if (seq === undefined || seq === null) return false;
    this.fromRow += rise;
    this.fromSeq = seq;
    this.errors = this.errors.slice(rise);
    this.seqs = this.seqs.slice(rise);
    this.alarmAt = 0;
    this.fall = new Adwin(0.002);
    for (const e of this.errors) this.fall.update(e);
    return true;
  }

  /** Marks the alarm: the answers so far are those that raised it. */
  alarmed(): void {
    this.alarmAt = this.errors.length;
  }

  /** Records the reference's answer (right or wrong) and decides what the burst is when it can. */
  record(wrong: boolean, seq: number | null): BurstState {
    if (this.resolved !== "open") return this.resolved;
    const before = this.fall.mean;
    const value = wrong ? 1 : 0;
    this.errors.push(value);
    this.seqs.push(seq);
    if (this.fall.update(value) && this.fall.mean < before) {
      // The reference is right again: the burst ended where its errors fall most clearly (the
      // detector's own cut lies on a bucket boundary, up to half the burst off).
      this.endRow = this.fromRow + fallOf(this.errors);
      this.resolved = "passed";
      return this.resolved;
    }
    if (this.errors.length >= this.confirmAfter) this.decide();
    return this.resolved;
  }
}

/** Where a run of errors falls most clearly (its most likely change point to a lower rate), or its end. */
function fallOf(errors: readonly number[]): number {
  return changePoint(errors, -1) ?? errors.length;
}

/** n · (p ln p + (1 − p) ln(1 − p)): the log-likelihood of k errors in n at their own rate. */
function logLikelihood(k: number, n: number): number {
  if (n === 0 || k === 0 || k === n) return 0;
  const p = k / n;
  return k * Math.log(p) + (n - k) * Math.log(1 - p);
}

/**
 * The most likely single change point of a 0/1 series (maximum likelihood over splits keeping 5
 * on each side) where the rate rises (`direction` 1) or falls (−1); null when there is none.
 */
function changePoint(errors: readonly number[], direction: 1 | -1): number | null {
  const n = errors.length;
  const total = errors.reduce((a, b) => a + b, 0);
  let before = 0;
  let best: number | null = null;
  let bestScore = Number.NEGATIVE_INFINITY;
  for (let k = 1; k < n; k++) {
    before += errors[k - 1] as number;
    if (k < 5 || n - k < 5) continue;
    const after = total - before;
    if (direction * (after / (n - k) - before / k) <= 0) continue;
    const score = logLikelihood(before, k) + logLikelihood(after, n - k);
    if (score > bestScore) {
      bestScore = score;
      best = k;
    }
  }
  return best;
}
