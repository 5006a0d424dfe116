/**
 * Local time in an IANA time zone, with nothing but `Intl`: routines are planted at a household's
 * local time of day, and a day's class (weekday or weekend) is the local day's. The offset is read
 * as the miner reads it, at the instant itself (the miner caches it per hour).
 */
import { offsetAt, wallClockFormat } from "../../mining/local-time";

/** A local calendar day. */
export interface LocalDay {
  year: number;
  /** 1 … 12 */
  month: number;
  day: number;
  /** 0 = Sunday … 6 = Saturday. */
  weekday: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (f === undefined) {
    f = wallClockFormat(timeZone);
    formatters.set(timeZone, f);
  }
  return f;
}

/** Throws a RangeError for a time zone `Intl` does not know. */
export function checkTimeZone(timeZone: string): void {
  formatter(timeZone);
}

/** The zone's offset from UTC at an instant, in ms (Berlin in winter: +3,600,000). */
export function zoneOffsetMs(epochMs: number, timeZone: string): number {
  return offsetAt(formatter(timeZone), Math.floor(epochMs / 1000) * 1000);
}

/** The local day an instant falls on. */
export function localDayOf(epochMs: number, timeZone: string): LocalDay {
  const wall = new Date(epochMs + zoneOffsetMs(epochMs, timeZone));
  return {
    year: wall.getUTCFullYear(),
    month: wall.getUTCMonth() + 1,
    day: wall.getUTCDate(),
    weekday: wall.getUTCDay(),
  };
}

/** Local minute of day (0 … 1439, fractional) of an instant. */
export function localMinuteOf(epochMs: number, timeZone: string): number {
  const wall = epochMs + zoneOffsetMs(epochMs, timeZone);
  return (((wall / 60_000) % 1440) + 1440) % 1440;
}

/**
 * The instant (ms) of a local time on a local day; `minute` may leave 0 … 1440 to reach the day
 * before or after. In a DST gap it lands an hour later, as clocks do.
 */
export function localToEpochMs(day: LocalDay, minute: number, timeZone: string): number {
  const wall = Date.UTC(day.year, day.month - 1, day.day) + minute * 60_000;
  const guess = wall - zoneOffsetMs(wall, timeZone);
  return wall - zoneOffsetMs(guess, timeZone);
}

/** The next local day. */
export function nextLocalDay(day: LocalDay): LocalDay {
  const next = new Date(Date.UTC(day.year, day.month - 1, day.day + 1));
  return {
    year: next.getUTCFullYear(),
    month: next.getUTCMonth() + 1,
    day: next.getUTCDate(),
    weekday: next.getUTCDay(),
  };
}

/** "2026-12-07": a local day as text. */
export function formatLocalDay(day: LocalDay): string {
  return `${day.year}-${String(day.month).padStart(2, "0")}-${String(day.day).padStart(2, "0")}`;
}

/** Saturday or Sunday. */
export function isWeekend(day: LocalDay): boolean {
  return day.weekday === 0 || day.weekday === 6;
}
