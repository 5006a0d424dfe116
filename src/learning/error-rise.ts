/** Answers whose error rate is a model's usual one: the BASELINE before the latest LAG. */
const BASELINE = 200;
/**
 * The latest answers are left out of the usual rate, so a rise that has begun does not raise the
 * rate it is measured against (a baseline that took them in absorbed a burst before it was found).
 */
const LAG = 30;
/** Answers needed for a usual rate at all. */
const WARM_UP = 20;
/** The rise looked for: the odds of a wrong answer tripled (10 % → 25 %, 30 % → 56 %). */
const ODDS_RATIO = 3;
/**
 * The log-likelihood ratio that raises the alarm. On independent answers (40 runs of 5,000 each) 6
 * gives 0.03 false alarms per 1,000 answers at a usual error rate of 5 %, 0.3–0.4 at 15–40 %, and
 * finds 100 flipped answers within 6–20 of them at usual rates of 5–30 %.
 */
const THRESHOLD = 6;

/**
 * A detector for a sudden rise of a model's error rate: a Bernoulli CUSUM (Page 1954) of the
 * answers against the model's own usual error rate, the one of its BASELINE answers before the
 * latest LAG. It answers within a few dozen answers where ADWIN, whose bound is made for any
 * change in a long window, needs 60 or more once its window holds a recent change of taste:
 * right after a change, a burst of wrong answers went unseen until the model had learned it.
 */
export class ErrorRise {
  private readonly errors: number[] = [];
  private statistic = 0;
  /** Answers since the statistic last stood at 0: the rise's length when the alarm is raised. */
  private run = 0;

  /** Answers since the rise began (at the alarm: its length; the start is searched around it). */
  get length(): number {
    return this.run;
  }

  /** Records one answer; true when it raises the alarm (the statistic then starts again). */
  update(wrong: boolean): boolean {
    const usual = this.usualRate();
    this.errors.push(wrong ? 1 : 0);
    if (this.errors.length > BASELINE + LAG) this.errors.shift();
    if (usual === null) return false;
    const p0 = Math.min(0.45, Math.max(0.05, usual));
    const p1 = (ODDS_RATIO * p0) / (1 + (ODDS_RATIO - 1) * p0);
    this.statistic = Math.max(0, this.statistic + (wrong ? Math.log(p1 / p0) : Math.log((1 - p1) / (1 - p0))));
    this.run = this.statistic === 0 ? 0 : this.run + 1;
    if (this.statistic <= THRESHOLD) return false;
    this.statistic = 0;
    return true;
  }

  /** The usual error rate: over the answers before the latest LAG (null before WARM_UP of them). */
  private usualRate(): number | null {
    const n = this.errors.length - LAG;
    if (n < WARM_UP) return null;
    let wrong = 0;
    for (let i = 0; i < n; i++) wrong += this.errors[i] as number;
    return wrong / n;
  }
}
