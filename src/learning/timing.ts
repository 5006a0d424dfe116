import { describeValue, InvalidInputError } from "../errors";

/** Percentiles of the most recent durations, in milliseconds. */
export interface TimingSnapshot {
  /** Durations in the window (at most the window size). */
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

/**
 * Durations of the most recent operations (e.g. model updates), in a bounded ring buffer so a
 * long-running process keeps constant memory and its percentiles follow the present.
 * Percentiles use the nearest-rank method: the p-th percentile is the smallest recorded value
 * with at least p % of the window at or below it. All figures are 0 while the window is empty.
 */
export class TimingStats {
  readonly windowSize: number;
  private readonly values: Float64Array;
  private next = 0;
  private filled = 0;

  /** Keeps the last `windowSize` durations (default 1,000). */
  constructor(windowSize = 1000) {
    if (!Number.isSafeInteger(windowSize) || windowSize < 1) {
      throw new InvalidInputError("windowSize", `expected a whole number ≥ 1, got ${describeValue(windowSize)}`);
    }
    this.windowSize = windowSize;
    this.values = new Float64Array(windowSize);
  }

  /** Records one duration in milliseconds (finite, ≥ 0). */
  record(ms: number): void {
    if (typeof ms !== "number" || !Number.isFinite(ms) || ms < 0) {
      throw new InvalidInputError("ms", `expected a duration ≥ 0, got ${describeValue(ms)}`);
    }
    this.values[this.next] = ms;
    this.next = (this.next + 1) % this.windowSize;
    if (this.filled < this.windowSize) this.filled++;
  }

  /** Count, percentiles, max and mean of the window. */
  snapshot(): TimingSnapshot {
    if (this.filled === 0) return { count: 0, p50: 0, p95: 0, p99: 0, max: 0, mean: 0 };
    const sorted = this.values.slice(0, this.filled).sort();
    const rank = (p: number) => sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] as number;
    let sum = 0;
    for (const v of sorted) sum += v;
    return {
      count: sorted.length,
      p50: rank(50),
      p95: rank(95),
      p99: rank(99),
      max: sorted[sorted.length - 1] as number,
      mean: sum / sorted.length,
    };
  }
}

/** Nearest-rank percentile of a list of numbers (0 for an empty list). */
export function percentile(values: ArrayLike<number>, p: number): number {
  if (values.length === 0) return 0;
  const sorted = Float64Array.from(values).sort();
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}
