import type { DayClass, TimeOfDayRoutine } from "./routine";
import { LocalClock, circularDistance, circularStats } from "./local-time";
import type { ChangeRecord, ObservedWindow } from "./records";

/** What a time-of-day search needs to know besides the occurrences. */
export interface TimeOfDaySettings {
  minDays: number;
  minConsistency: number;
  timeWindowMinutes: number;
}

/** Why a time-of-day cluster was not suggested, when it nearly was. */
export type TimeOfDayVerdict = "routine" | "already-automated" | "faded";

/** A found time-of-day routine, what to do with it, and the local days it was done on. */
export interface FoundTimeOfDay {
  routine: TimeOfDayRoutine;
  verdict: TimeOfDayVerdict;
  hitDays: ReadonlySet<number>;
}

/** Eligible days missed in a row after the last time that mark a routine as stopped. */
const FADED_AFTER_MISSED_DAYS = 5;
/**
 * A routine's times are clearly tighter than times scattered evenly over its window, whose spread
 * is window ÷ √12 (17.3 minutes for an hour): at most 0.28 of the window (17 minutes for an hour).
 */
const MAX_SPREAD_SHARE = 0.28;
/** Of a routine's days, the most that may have the change just outside its window instead. */
const MAX_FLANK_SHARE = 0.35;
/** Above this many occurrences an entity is changed too often to hold a routine worth a search. */
const MAX_OCCURRENCES = 3000;

/**
 * Time-of-day routines of one entity going to one state, from what people did by hand.
 *
 * Clusters on the 24-hour circle: the densest window (most distinct days within ± half the time
 * window of a seed time) is taken, re-centred on its circular mean, removed, and the search goes
 * on while a window still holds `minDays` distinct days. Each cluster keeps one time per day
 * (the nearest to its centre).
 *
 * Its days decide the day class: daily when its weekday and weekend rates are within a factor 2
 * of each other, else the class with the higher rate. Consistency is the share of eligible days
 * (of that class, from the first time to now) it was done on.
 *
 * Confidence = hits / (eligible + 1) × max(0, 1 − spread / window): frequent, tight routines score
 * high; the +1 keeps a routine seen 5 of 5 days below one seen 20 of 20.
 */
export function findTimeOfDayRoutines(
  byHand: readonly ChangeRecord[],
  automated: readonly ChangeRecord[],
  window: ObservedWindow,
  settings: TimeOfDaySettings,
): FoundTimeOfDay[] {
  if (byHand.length < settings.minDays || byHand.length > MAX_OCCURRENCES) return [];
  const half = settings.timeWindowMinutes / 2;
  let remaining = [...byHand];
  const found: FoundTimeOfDay[] = [];
  while (remaining.length >= settings.minDays) {
    const members = densestWindow(remaining, half);
    if (distinctDays(members) < settings.minDays) break;
    const taken = new Set(members);
    remaining = remaining.filter((r) => !taken.has(r));
    const cluster = describeCluster(members, window, settings);
    if (cluster === undefined || !standsOut(cluster, byHand, half)) continue;
    const verdict = verdictOf(cluster.routine, cluster.lastDay, automated, window, half);
    found.push({ routine: cluster.routine, verdict, hitDays: cluster.hitDays });
  }
  return found;
}

/** The records within ± half of the best seed's time, re-centred twice on their circular mean. */
function densestWindow(records: readonly ChangeRecord[], half: number): ChangeRecord[] {
  let best: ChangeRecord[] = [];
  let bestDays = 0;
  for (const seed of records) {
    const members = records.filter((r) => circularDistance(r.minute, seed.minute) <= half);
    const days = distinctDays(members);
    if (days > bestDays) {
      best = members;
      bestDays = days;
    }
  }
  for (let i = 0; i < 2 && best.length > 0; i++) {
    const centre = circularStats(best.map((r) => r.minute)).mean;
    best = records.filter((r) => circularDistance(r.minute, centre) <= half);
  }
  return best;
}

function distinctDays(records: readonly ChangeRecord[]): number {
  return new Set(records.map((r) => r.day)).size;
}

function describeCluster(
  members: readonly ChangeRecord[],
  window: ObservedWindow,
  settings: TimeOfDaySettings,
): { routine: TimeOfDayRoutine; lastDay: number; hitDays: Set<number> } | undefined {
  const centre = circularStats(members.map((r) => r.minute)).mean;
  const perDay = new Map<number, ChangeRecord>();
  for (const r of members) {
    const kept = perDay.get(r.day);
    if (kept === undefined || circularDistance(r.minute, centre) < circularDistance(kept.minute, centre)) {
      perDay.set(r.day, r);
    }
  }
  const days = [...perDay.values()].sort((a, b) => a.ms - b.ms);
  const first = days[0]!;
  const { mean, spread } = circularStats(days.map((r) => r.minute));
  const half = settings.timeWindowMinutes / 2;
  const eligible = eligibleDays(Math.max(first.day, window.firstDay), window, mean + half);
  const dayClass = classify(days, eligible);
  const classDays = eligible.filter((d) => inClass(d, dayClass));
  const hits = days.filter((r) => inClass(r.day, dayClass));
  if (hits.length < settings.minDays || classDays.length === 0) return undefined;
  const consistency = hits.length / classDays.length;
  if (consistency < settings.minConsistency || spread > MAX_SPREAD_SHARE * settings.timeWindowMinutes) return undefined;
  const hitDays = new Set(hits.map((r) => r.day));
  const middle = classDays[Math.floor(classDays.length / 2)]!;
  const rate = (from: number[]) => (from.length === 0 ? 0 : from.filter((d) => hitDays.has(d)).length / from.length);
  const trend = rate(classDays.filter((d) => d >= middle)) - rate(classDays.filter((d) => d < middle));
  const routine: TimeOfDayRoutine = {
    kind: "time_of_day",
    change: { entityId: first.entityId, to: first.to },
    minute: Math.round(mean) % 1440,
    spreadMinutes: spread,
    dayClass,
    occurrences: hits.length,
    days: hits.length,
    eligibleDays: classDays.length,
    firstSeen: hits[0]!.ms,
    lastSeen: hits[hits.length - 1]!.ms,
    trend,
    confidence: (hits.length / (classDays.length + 1)) * Math.max(0, 1 - spread / settings.timeWindowMinutes),
  };
  return { routine, lastDay: hits[hits.length - 1]!.day, hitDays };
}

/**
 * A routine stands out from the hours around it: on few of its days was the same change made
 * just outside its window instead (between one and three half-widths from its centre). Someone
 * switching the heating off "some time in the two hours after it came on" fills a 60-minute
 * window on half the days too, but fills its flanks as much; a routine with a spread of 15
 * minutes leaves them nearly empty (4.5 % of its times fall there). The cost: two routines of
 * the same change less than 1.5 windows apart in the same days (on at 06:30 and again at
 * 07:30) hide each other.
 */
function standsOut(
  cluster: { routine: TimeOfDayRoutine; hitDays: Set<number> },
  all: readonly ChangeRecord[],
  half: number,
): boolean {
  const { routine, hitDays } = cluster;
  const flankDays = new Set<number>();
  for (const r of all) {
    if (hitDays.has(r.day) || !inClass(r.day, routine.dayClass)) continue;
    const distance = circularDistance(r.minute, routine.minute);
    if (distance > half && distance <= 3 * half) flankDays.add(r.day);
  }
  return flankDays.size <= MAX_FLANK_SHARE * hitDays.size;
}

/** Local days from `fromDay` to today; today only once the routine's window has passed. */
function eligibleDays(fromDay: number, window: ObservedWindow, windowEnd: number): number[] {
  const days: number[] = [];
  for (let d = fromDay; d < window.nowDay; d++) days.push(d);
  if (window.nowMinute > windowEnd % 1440 && windowEnd < 1440) days.push(window.nowDay);
  return days;
}

function classify(days: readonly ChangeRecord[], eligible: readonly number[]): DayClass {
  const eligibleWeekend = eligible.filter((d) => LocalClock.isWeekend(d)).length;
  const eligibleWeekday = eligible.length - eligibleWeekend;
  if (eligibleWeekend === 0 || eligibleWeekday === 0) return "daily";
  const weekend = days.filter((r) => LocalClock.isWeekend(r.day)).length / eligibleWeekend;
  const weekday = days.filter((r) => !LocalClock.isWeekend(r.day)).length / eligibleWeekday;
  if (Math.min(weekend, weekday) >= Math.max(weekend, weekday) / 2) return "daily";
  return weekday > weekend ? "weekdays" : "weekends";
}

function inClass(day: number, dayClass: DayClass): boolean {
  if (dayClass === "daily") return true;
  return LocalClock.isWeekend(day) === (dayClass === "weekends");
}

/**
 * Already automated when an automation, a script or an app made the same change near the same
 * time on at least 2 days or 30 % of the routine's days; stopped when it was missed on the last
 * FADED_AFTER_MISSED_DAYS eligible days in a row.
 */
function verdictOf(
  routine: TimeOfDayRoutine,
  lastDay: number,
  automated: readonly ChangeRecord[],
  window: ObservedWindow,
  half: number,
): TimeOfDayVerdict {
  const automatedDays = new Set(
    automated
      .filter((r) => circularDistance(r.minute, routine.minute) <= half && inClass(r.day, routine.dayClass))
      .map((r) => r.day),
  );
  if (automatedDays.size >= Math.max(2, 0.3 * routine.days)) return "already-automated";
  let missed = 0;
  for (let d = lastDay + 1; d <= window.nowDay; d++) {
    // Today counts only once the routine's time has passed.
    if (d === window.nowDay && window.nowMinute <= routine.minute + half) continue;
    if (inClass(d, routine.dayClass)) missed++;
  }
  return missed >= FADED_AFTER_MISSED_DAYS ? "faded" : "routine";
}
