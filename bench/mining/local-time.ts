/**
 * Local time of day for the baselines and the scoring: Home Assistant's logbook gives epoch
 * seconds, routines are in the home's own time zone. The offset is looked up once per UTC hour
 * (Intl is slow: a lookup per entry would dominate a baseline's time on 100,000 entries).
 */

/** Minutes in a day: the circle time-of-day distances are taken on. */
export const DAY_MINUTES = 1440;

/** Distance in minutes between two minutes of the day on the 24-hour circle (23:50 to 00:10 is 20). */
export function circularMinutes(a: number, b: number): number {
  const d = Math.abs((((a - b) % DAY_MINUTES) + DAY_MINUTES) % DAY_MINUTES);
  return Math.min(d, DAY_MINUTES - d);
}

/** Converts epoch seconds to the local minute of day and local day (days since 1970 in local time). */
export class LocalClock {
  private readonly offsets = new Map<number, number>();
  private readonly format: Intl.DateTimeFormat;

  constructor(readonly timeZone: string) {
    this.format = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
  }

  /** The zone's offset from UTC in seconds at this instant (DST included). */
  offsetSeconds(epochSeconds: number): number {
    const hour = Math.floor(epochSeconds / 3600);
    let offset = this.offsets.get(hour);
    if (offset === undefined) {
      const parts: Record<string, number> = {};
      for (const p of this.format.formatToParts(new Date(hour * 3_600_000))) {
        if (p.type !== "literal") parts[p.type] = Number(p.value);
      }
      const local = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
      offset = Math.round((local - hour * 3_600_000) / 1000);
      this.offsets.set(hour, offset);
    }
    return offset;
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
    // 1970-01-01 was a Thursday.
    return (((this.day(epochSeconds) + 4) % 7) + 7) % 7;
  }
}
