/**
 * The simulator's clock: real time by default; a test can set it or move it forward ("it is now
 * 06:45"), and everything that reads the time (state timestamps, logbook rows, time triggers,
 * the logbook commands' "now") follows it.
 */
export class SimulatedClock {
  private offsetMs = 0;

  /** Epoch milliseconds, as the simulated home sees them. */
  now(): number {
    return Date.now() + this.offsetMs;
  }

  /** Epoch seconds (fractional), as Home Assistant's logbook writes them. */
  nowSeconds(): number {
    return this.now() / 1000;
  }

  /** The time as an ISO string. */
  iso(): string {
    return new Date(this.now()).toISOString();
  }

  /** Makes it this time now; the clock runs on from there. */
  set(date: Date): void {
    this.offsetMs = date.getTime() - Date.now();
  }

  /** Moves the clock forward (or back, with a negative value). */
  advance(ms: number): void {
    this.offsetMs += ms;
  }
}
