/**
 * Local time of day for the baselines and the scoring, in epoch seconds and fractional minutes as
 * they count: a thin face over the miner's own clock (src/mining/local-time.ts), whose offset is
 * looked up once per hour (Intl is slow: a lookup per entry would dominate a baseline's time).
 */
import { circularDistance, LocalClock as MinerClock } from "../../src/mining/local-time";

/** Minutes in a day: the circle time-of-day distances are taken on. */
export const DAY_MINUTES = 1440;

/** Distance in minutes between two minutes of the day on the 24-hour circle (23:50 to 00:10 is 20). */
export function circularMinutes(a: number, b: number): number {
  return circularDistance(
    ((a % DAY_MINUTES) + DAY_MINUTES) % DAY_MINUTES,
    ((b % DAY_MINUTES) + DAY_MINUTES) % DAY_MINUTES,
  );
}

/** Converts epoch seconds to the local minute of day and local day (days since 1970 in local time). */
export class LocalClock {
  private readonly clock: MinerClock;

  constructor(readonly timeZone: string) {
    this.clock = new MinerClock(timeZone);
  }

  /** The zone's offset from UTC in seconds at this instant (DST included). */
  offsetSeconds(epochSeconds: number): number {
    return Math.round(this.clock.offset(epochSeconds * 1000) / 1000);
  }

  /** Local seconds since 1970 (the epoch shifted by the zone's offset). */
  localSeconds(epochSeconds: number): number {
    return epochSeconds + this.offsetSeconds(epochSeconds);
  }

  /** Local minute of the day, fractional, 0 ≤ m < 1440. */
  minuteOfDay(epochSeconds: number): number {
    const local = this.localSeconds(epochSeconds);
    return (((local / 60) % DAY_MINUTES) + DAY_MINUTES) % DAY_MINUTES;
  }

  /** Local day number (days since 1970-01-01 in local time). */
  day(epochSeconds: number): number {
    return Math.floor(this.localSeconds(epochSeconds) / 86_400);
  }

  /** Local weekday, 0 = Sunday … 6 = Saturday. */
  weekday(epochSeconds: number): number {
    return MinerClock.weekday(this.day(epochSeconds));
  }
}
