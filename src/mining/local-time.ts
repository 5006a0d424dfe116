import { describeValue, InvalidInputError } from "../errors";

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
/** 1970-01-01 was a Thursday: day 0 of the epoch has weekday 4 (Sunday = 0). */
const EPOCH_WEEKDAY = 4;

/** A formatter of a zone's wall-clock fields; throws a RangeError for a zone Intl does not know. */
export function wallClockFormat(timeZone: string): Intl.DateTimeFormat {
  return new Intl.DateTimeFormat("en-US", {
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

/** The zone's offset from UTC at `ms` (a whole second), in ms: its wall clock read as UTC, minus `ms`. */
export function offsetAt(format: Intl.DateTimeFormat, ms: number): number {
  const parts: Record<string, number> = {};
  for (const part of format.formatToParts(new Date(ms))) {
    if (part.type !== "literal") parts[part.type] = Number(part.value);
  }
  const wall = Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!);
  return wall - ms;
}

/**
 * Local time in Home Assistant's time zone: routines happen at "06:45 on weekdays" in the home's
 * own time, across daylight saving changes. The zone's offset is asked of Intl once per hour of
 * time and cached: formatToParts costs microseconds, and 100,000 entries fall in ~700 hours.
 */
export class LocalClock {
  private readonly format: Intl.DateTimeFormat;
  private readonly offsets = new Map<number, number>();

  constructor(readonly timeZone: string) {
    try {
      this.format = wallClockFormat(timeZone);
    } catch {
      throw new InvalidInputError(
        "timeZone",
        `expected an IANA time zone such as Europe/Berlin, got ${describeValue(timeZone)}`,
      );
    }
  }

  /** The local time's offset from UTC at `ms`, in milliseconds. */
  offset(ms: number): number {
    const hour = Math.floor(ms / HOUR_MS);
    let offset = this.offsets.get(hour);
    if (offset === undefined) {
      offset = offsetAt(this.format, hour * HOUR_MS);
      this.offsets.set(hour, offset);
    }
    return offset;
  }

  /** Minute of the local day, 0 … 1439. */
  minuteOfDay(ms: number): number {
    const local = ms + this.offset(ms);
    return Math.floor((((local % DAY_MS) + DAY_MS) % DAY_MS) / MINUTE_MS);
  }

  /** The local calendar day, counted from 1970-01-01. */
  day(ms: number): number {
    return Math.floor((ms + this.offset(ms)) / DAY_MS);
  }

  /** 0 Sunday … 6 Saturday, of a local day number. */
  static weekday(day: number): number {
    return (((day + EPOCH_WEEKDAY) % 7) + 7) % 7;
  }

  /** True for Saturday and Sunday. */
  static isWeekend(day: number): boolean {
    const weekday = LocalClock.weekday(day);
    return weekday === 0 || weekday === 6;
  }
}

/** The shortest distance between two minutes of the day on the 24-hour circle. */
export function circularDistance(a: number, b: number): number {
  const d = Math.abs(a - b) % 1440;
  return d > 720 ? 1440 - d : d;
}

/**
 * The circular mean and standard deviation of minutes of the day: 23:50 and 00:10 average to
 * midnight, not noon.
 */
export function circularStats(minutes: readonly number[]): { mean: number; spread: number } {
  let sin = 0;
  let cos = 0;
  for (const m of minutes) {
    const angle = (m / 1440) * 2 * Math.PI;
    sin += Math.sin(angle);
    cos += Math.cos(angle);
  }
  const n = Math.max(minutes.length, 1);
  const angle = Math.atan2(sin / n, cos / n);
  const mean = ((((angle / (2 * Math.PI)) * 1440) % 1440) + 1440) % 1440;
  const length = Math.min(1, Math.hypot(sin / n, cos / n));
  // Circular standard deviation, sqrt(-2 ln R), in minutes of the 1440-minute circle.
  const spread = length <= 0 ? 720 : (Math.sqrt(-2 * Math.log(length)) / (2 * Math.PI)) * 1440;
  return { mean, spread };
}

/** "06:45" for a minute of the day. */
export function clockText(minute: number): string {
  const m = ((Math.round(minute) % 1440) + 1440) % 1440;
  return `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;
}
