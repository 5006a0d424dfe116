import { describeValue, InvalidInputError, ModelFormatError } from "../errors";
import type { Label } from "../feedback/feedback";
import { Adwin, type AdwinJSON } from "./adwin";

/** The model's quality so far, from predictions made before each label was learned. */
export interface MonitorSnapshot {
  /** Labelled predictions seen. */
  samples: number;
  /** Share of correct predictions (threshold 0.5) over all samples. */
  accuracy: number;
  /** Accuracy with older samples fading by the fading factor per sample: follows the present. */
  fadingAccuracy: number;
  /** Cohen's kappa: agreement beyond what the class balance alone would give (0 when undefined). */
  kappa: number;
  /** Mean squared difference between P(approve) and the label (0 perfect, 0.25 a coin). */
  brier: number;
  /** Mean negative log-likelihood of the label, probabilities clipped to [1e-15, 1 − 1e-15]. */
  logLoss: number;
  /** True when the last update detected a drift of the error rate. */
  driftDetected: boolean;
  driftCount: number;
  /** Sample number (1-based) of the last drift, when there was one. */
  lastDriftAt?: number;
}

/** Serialized state of a PrequentialMonitor. */
export interface MonitorJSON {
  format: "pattern-quality-monitor";
  formatVersion: 1;
  fadingFactor: number;
  samples: number;
  fadingCorrect: number;
  fadingWeight: number;
  /** Confusion counts: truePositive (approve predicted and given), … */
  confusion: { truePositive: number; trueNegative: number; falsePositive: number; falseNegative: number };
  brierSum: number;
  logLossSum: number;
  lastDrift: boolean;
  lastDriftAt: number | null;
  adwin: AdwinJSON;
}

const CLIP = 1e-15;

/**
 * Prequential (test-then-train) evaluation: each feedback is first scored by the current model,
 * then learned. The monitor keeps running accuracy, fading accuracy, kappa, Brier score and
 * log-loss, and feeds the 0/1 error of each prediction to an ADWIN drift detector, so a change
 * in the household's taste shows up as a drift.
 */
export class PrequentialMonitor {
  readonly fadingFactor: number;
  private adwin: Adwin;
  private samples = 0;
  private fadingCorrect = 0;
  private fadingWeight = 0;
  private truePositive = 0;
  private trueNegative = 0;
  private falsePositive = 0;
  private falseNegative = 0;
  private brierSum = 0;
  private logLossSum = 0;
  private lastDrift = false;
  private lastDriftAt: number | null = null;
  private lastDriftRaisedError = false;

  /** A monitor; `fadingFactor` in (0, 1] (default 0.99), `adwinDelta` in (0, 1) (default 0.002). */
  constructor(options: { fadingFactor?: number; adwinDelta?: number } = {}) {
    const fadingFactor = options.fadingFactor ?? 0.99;
    if (typeof fadingFactor !== "number" || !(fadingFactor > 0 && fadingFactor <= 1)) {
      throw new InvalidInputError("fadingFactor", `expected a number in (0, 1], got ${describeValue(fadingFactor)}`);
    }
    this.fadingFactor = fadingFactor;
    this.adwin = new Adwin(options.adwinDelta ?? 0.002);
  }

  /**
   * Samples in the drift detector's window: right after a drift, those since the change it found
   * (an incremental update can then learn from them alone).
   */
  get samplesSinceChange(): number {
    return this.adwin.width;
  }

  /**
   * Whether the last drift was a rise of the error rate (a change of taste the model misses), not
   * a fall (the model getting better, as while it learns its first feedback).
   */
  get driftRaisedError(): boolean {
    return this.lastDriftRaisedError;
  }

  /** Records the model's P(approve) for a pattern and the household's actual decision. */
  update(probaApprove: number, label: Label): { drift: boolean } {
    if (typeof probaApprove !== "number" || !(probaApprove >= 0 && probaApprove <= 1)) {
      throw new InvalidInputError(
        "probaApprove",
        `expected a probability between 0 and 1, got ${describeValue(probaApprove)}`,
      );
    }
    if (label !== 0 && label !== 1)
      throw new InvalidInputError("label", `expected 0 or 1, got ${describeValue(label)}`);
    const predicted = probaApprove >= 0.5 ? 1 : 0;
    const correct = predicted === label ? 1 : 0;
    this.samples++;
    if (predicted === 1) {
      if (label === 1) this.truePositive++;
      else this.falsePositive++;
    } else if (label === 0) this.trueNegative++;
    else this.falseNegative++;
    this.fadingCorrect = this.fadingFactor * this.fadingCorrect + correct;
    this.fadingWeight = this.fadingFactor * this.fadingWeight + 1;
    this.brierSum += (probaApprove - label) ** 2;
    const p = Math.min(1 - CLIP, Math.max(CLIP, probaApprove));
    this.logLossSum -= label === 1 ? Math.log(p) : Math.log(1 - p);
    const errorBefore = this.adwin.mean;
    this.lastDrift = this.adwin.update(1 - correct);
    if (this.lastDrift) this.lastDriftRaisedError = this.adwin.mean > errorBefore;
    if (this.lastDrift) this.lastDriftAt = this.samples;
    return { drift: this.lastDrift };
  }

  /** The metrics so far (all 0 before the first sample). */
  snapshot(): MonitorSnapshot {
    const n = this.samples;
    const snapshot: MonitorSnapshot = {
      samples: n,
      accuracy: n === 0 ? 0 : (this.truePositive + this.trueNegative) / n,
      fadingAccuracy: n === 0 ? 0 : this.fadingCorrect / this.fadingWeight,
      kappa: this.kappa(),
      brier: n === 0 ? 0 : this.brierSum / n,
      logLoss: n === 0 ? 0 : this.logLossSum / n,
      driftDetected: this.lastDrift,
      driftCount: this.adwin.driftCount,
    };
    if (this.lastDriftAt !== null) snapshot.lastDriftAt = this.lastDriftAt;
    return snapshot;
  }

  private kappa(): number {
    const n = this.samples;
    if (n === 0) return 0;
    const observed = (this.truePositive + this.trueNegative) / n;
    const predictedApprove = (this.truePositive + this.falsePositive) / n;
    const actualApprove = (this.truePositive + this.falseNegative) / n;
    const chance = predictedApprove * actualApprove + (1 - predictedApprove) * (1 - actualApprove);
    // Both predictions and labels of one class only: agreement by chance is certain, kappa undefined.
    if (chance >= 1) return 0;
    return (observed - chance) / (1 - chance);
  }

  /** The monitor's state, for saving beside a model version. */
  toJSON(): MonitorJSON {
    return {
      format: "pattern-quality-monitor",
      formatVersion: 1,
      fadingFactor: this.fadingFactor,
      samples: this.samples,
      fadingCorrect: this.fadingCorrect,
      fadingWeight: this.fadingWeight,
      confusion: {
        truePositive: this.truePositive,
        trueNegative: this.trueNegative,
        falsePositive: this.falsePositive,
        falseNegative: this.falseNegative,
      },
      brierSum: this.brierSum,
      logLossSum: this.logLossSum,
      lastDrift: this.lastDrift,
      lastDriftAt: this.lastDriftAt,
      adwin: this.adwin.toJSON(),
    };
  }

  /** Restores a monitor saved with toJSON; a malformed state is a ModelFormatError. */
  static fromJSON(json: unknown): PrequentialMonitor {
    const fail = (what: string): never => {
      throw new ModelFormatError(`monitor state: ${what}`);
    };
    if (typeof json !== "object" || json === null) return fail(`expected an object, got ${describeValue(json)}`);
    const s = json as Partial<MonitorJSON>;
    if (s.format !== "pattern-quality-monitor" || s.formatVersion !== 1) fail("unknown format or version");
    const count = (value: unknown, name: string): number => {
      if (!Number.isSafeInteger(value) || (value as number) < 0) fail(`${name} must be a whole number ≥ 0`);
      return value as number;
    };
    const real = (value: unknown, name: string): number => {
      if (typeof value !== "number" || !Number.isFinite(value) || value < 0)
        fail(`${name} must be a finite number ≥ 0`);
      return value as number;
    };
    if (typeof s.confusion !== "object" || s.confusion === null) return fail("confusion is missing");
    const c = s.confusion;
    const samples = count(s.samples, "samples");
    const confusion = [
      count(c.truePositive, "confusion.truePositive"),
      count(c.trueNegative, "confusion.trueNegative"),
      count(c.falsePositive, "confusion.falsePositive"),
      count(c.falseNegative, "confusion.falseNegative"),
    ] as const;
    if (confusion[0] + confusion[1] + confusion[2] + confusion[3] !== samples)
      fail("confusion counts do not add up to samples");
    if (typeof s.lastDrift !== "boolean") fail("lastDrift must be true or false");
    const lastDriftAt = s.lastDriftAt === null ? null : count(s.lastDriftAt, "lastDriftAt");
    let monitor: PrequentialMonitor;
    try {
      monitor = new PrequentialMonitor({ fadingFactor: s.fadingFactor as number });
    } catch {
      return fail("fadingFactor must be in (0, 1]");
    }
    monitor.adwin = Adwin.fromJSON(s.adwin);
    monitor.samples = samples;
    [monitor.truePositive, monitor.trueNegative, monitor.falsePositive, monitor.falseNegative] = confusion;
    monitor.fadingCorrect = real(s.fadingCorrect, "fadingCorrect");
    monitor.fadingWeight = real(s.fadingWeight, "fadingWeight");
    monitor.brierSum = real(s.brierSum, "brierSum");
    monitor.logLossSum = real(s.logLossSum, "logLossSum");
    monitor.lastDrift = s.lastDrift as boolean;
    monitor.lastDriftAt = lastDriftAt;
    return monitor;
  }
}
