/**
 * The two suggesters Home Assistant users have today, reimplemented for the benchmark from their
 * published descriptions (our own code; the parameters are the documented defaults):
 *
 * - HomeIQ (github.com/wtthornton/HomeIQ, its time-of-day and co-occurrence pattern detectors
 *   as their documentation describes them): every state change, automation-caused ones included.
 *   Time of day: per entity + state with at least 5 changes, KMeans on the hour of day as a plain
 *   number (no midnight handling) with 1 cluster up to 10 changes, 2 up to 20, 3 beyond; a
 *   cluster of at least 3 gives a suggestion at its mean time when its confidence reaches 0.7,
 *   the confidence being the cluster's share of the entity + state's changes, lowered by the
 *   spread (1 − min(std minutes / 120, 0.3)), plus 0.1 when the cluster has at least 6 changes,
 *   kept within 0.5 … 0.95 (its documented formula). Co-occurrence: for each change, every other
 *   entity's change in the next 5 minutes counts once for the unordered pair; a pair seen at
 *   least 5 times whose count / the rarer side's count (capped at 1) reaches 0.7 is suggested,
 *   when one side is an actionable entity and the other actionable or a trigger (its "meaningful
 *   pattern" rule) and the delays' spread stays within 30 minutes. Its detectors pair and
 *   cluster per device; here per entity + state, so that its suggestions name a state to match.
 * - Danm72's automation-suggestions (github.com/Danm72/home-assistant-automation-suggestions,
 *   its README's options and defaults): only logbook entries with a `context_user_id` that were
 *   not caused by an automation or a script (wall switches have no user: invisible), per entity +
 *   action on the tracked domains, the local time in 30-minute buckets; the busiest bucket is
 *   suggested (at the bucket's start) when the entity + action was seen at least twice (min
 *   occurrences 2) and that bucket holds at least 30 % of them (consistency threshold 30 %). Its
 *   default lookback is 14 days; here it reads the same 28 days as the others. (A later version
 *   also counts entries without a user; the benchmark keeps the published behaviour that users
 *   run, its issue #20.)
 *
 * Both are given local time in the home's time zone, and only time-of-day suggestions on an
 * actionable entity count (a routine of a sensor cannot become an automation), as for our miner.
 */
import type { LogbookEntry } from "../../src/mining/home-data";
import { SeededRandom } from "../../src/testing/simulation/random";
import { LocalClock } from "./local-time";
import type { Change, Suggestion } from "./scoring";

/** Domains a person acts on: a suggestion's action must be one of these (the list). */
export const ACTIONABLE_DOMAINS = new Set([
  "light",
  "switch",
  "cover",
  "climate",
  "fan",
  "media_player",
  "lock",
  "scene",
  "script",
  "input_boolean",
  "input_select",
  "vacuum",
  "humidifier",
  "water_heater",
  "valve",
]);

/** Domains whose state is a timestamp of the last use. */
const ACTIVATED_DOMAINS = new Set(["scene", "button", "input_button"]);

/** Domains HomeIQ's co-occurrence detector accepts as the trigger side of a pair. */
const TRIGGER_DOMAINS = new Set([
  "binary_sensor",
  "sensor",
  "device_tracker",
  "person",
  "input_boolean",
  "input_select",
]);

const domainOf = (entityId: string): string => entityId.slice(0, entityId.indexOf("."));

/** A state change read from a logbook entry (state rows only: described events have no state). */
interface StateChange {
  when: number;
  entityId: string;
  to: string;
  entry: LogbookEntry;
}

function stateChanges(entries: Iterable<LogbookEntry>): StateChange[] {
  const changes: StateChange[] = [];
  for (const entry of entries) {
    if (typeof entry?.entity_id !== "string" || typeof entry.state !== "string" || typeof entry.when !== "number")
      continue;
    if (!entry.entity_id.includes(".")) continue;
    // A scene's or a button's state is the time it was last used: every use is "activated", as Danm72's maps it.
    const to = ACTIVATED_DOMAINS.has(domainOf(entry.entity_id)) ? "activated" : entry.state;
    changes.push({ when: entry.when, entityId: entry.entity_id, to, entry });
  }
  return changes.sort((a, b) => a.when - b.when);
}

const keyOf = (c: Change): string => `${c.entityId}\u0000${c.to}`;
const changeOf = (key: string): Change => {
  const at = key.indexOf("\u0000");
  return { entityId: key.slice(0, at), to: key.slice(at + 1) };
};

/** One-dimensional KMeans (k-means++ starts, Lloyd iterations, best of `starts` by inertia), as scikit-learn's KMeans does it. */
export function kmeans1d(values: readonly number[], k: number, seed = 42, starts = 10): number[] {
  const n = values.length;
  const random = new SeededRandom(seed);
  let best: number[] = new Array<number>(n).fill(0);
  let bestInertia = Number.POSITIVE_INFINITY;
  for (let start = 0; start < starts; start++) {
    const centres: number[] = [values[random.int(n)]!];
    while (centres.length < k) {
      const d2 = values.map((v) => Math.min(...centres.map((c) => (v - c) ** 2)));
      const total = d2.reduce((a, b) => a + b, 0);
      if (total === 0) break;
      let r = random.next() * total;
      let i = 0;
      while (i < n - 1 && r >= d2[i]!) r -= d2[i++]!;
      centres.push(values[i]!);
    }
    const labels = new Array<number>(n).fill(0);
    for (let iteration = 0; iteration < 300; iteration++) {
      let moved = false;
      for (let i = 0; i < n; i++) {
        let nearest = 0;
        for (let c = 1; c < centres.length; c++) {
          if (Math.abs(values[i]! - centres[c]!) < Math.abs(values[i]! - centres[nearest]!)) nearest = c;
        }
        if (labels[i] !== nearest) moved = true;
        labels[i] = nearest;
      }
      const sums = new Array<number>(centres.length).fill(0);
      const counts = new Array<number>(centres.length).fill(0);
      for (let i = 0; i < n; i++) {
        sums[labels[i]!]! += values[i]!;
        counts[labels[i]!]!++;
      }
      for (let c = 0; c < centres.length; c++) if (counts[c]! > 0) centres[c] = sums[c]! / counts[c]!;
      if (!moved && iteration > 0) break;
    }
    const inertia = values.reduce((sum, v, i) => sum + (v - centres[labels[i]!]!) ** 2, 0);
    if (inertia < bestInertia) {
      bestInertia = inertia;
      best = labels;
    }
  }
  return best;
}

/** HomeIQ's published thresholds. */
export const HOMEIQ = {
  minEvents: 5,
  minOccurrences: 3,
  minConfidence: 0.7,
  windowSeconds: 300,
  minSupport: 5,
  maxDelayStdMinutes: 30,
} as const;

/** HomeIQ's time-of-day confidence: the cluster's share, lowered by its spread, raised for a big cluster, within 0.5 … 0.95. */
export function homeIqConfidence(clusterSize: number, total: number, stdMinutes: number): number {
  const ratio = clusterSize / total;
  const penalty = Math.min(stdMinutes / 120, 0.3);
  const boost = clusterSize >= HOMEIQ.minOccurrences * 2 ? 0.1 : 0;
  return Math.max(0.5, Math.min(0.95, ratio * (1 - penalty) + boost));
}

const std = (xs: readonly number[]): number => {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  return Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length);
};

/** HomeIQ's suggestions: time-of-day clusters and unordered 5-minute co-occurrences, every state change counted. */
export function homeIqSuggestions(entries: Iterable<LogbookEntry>, timeZone: string): Suggestion[] {
  const clock = new LocalClock(timeZone);
  const changes = stateChanges(entries);
  const suggestions: Suggestion[] = [];

  // Time of day: hours as a plain number, 23:55 and 00:05 are 23.9 and 0.1 (no midnight handling).
  const hoursByKey = new Map<string, number[]>();
  for (const c of changes) {
    const key = keyOf(c);
    const hours = hoursByKey.get(key) ?? [];
    hours.push(clock.minuteOfDay(c.when) / 60);
    hoursByKey.set(key, hours);
  }
  for (const [key, hours] of hoursByKey) {
    if (hours.length < HOMEIQ.minEvents) continue;
    const change = changeOf(key);
    if (!ACTIONABLE_DOMAINS.has(domainOf(change.entityId))) continue;
    const k = hours.length <= 10 ? 1 : hours.length <= 20 ? 2 : 3;
    const labels = kmeans1d(hours, k);
    for (let cluster = 0; cluster < k; cluster++) {
      const members = hours.filter((_, i) => labels[i] === cluster);
      if (members.length < HOMEIQ.minOccurrences) continue;
      const confidence = homeIqConfidence(members.length, hours.length, std(members) * 60);
      if (confidence < HOMEIQ.minConfidence) continue;
      const mean = members.reduce((a, b) => a + b, 0) / members.length;
      suggestions.push({ kind: "time_of_day", change, minute: Math.floor(mean * 60) });
    }
  }

  // Co-occurrence: unordered pairs of different entities' changes within 5 minutes.
  const meaningful = (a: string, b: string): boolean => {
    const da = domainOf(a);
    const db = domainOf(b);
    const actA = ACTIONABLE_DOMAINS.has(da);
    const actB = ACTIONABLE_DOMAINS.has(db);
    return (actA && actB) || (actA && TRIGGER_DOMAINS.has(db)) || (actB && TRIGGER_DOMAINS.has(da));
  };
  const countByKey = new Map<string, number>();
  for (const c of changes) countByKey.set(keyOf(c), (countByKey.get(keyOf(c)) ?? 0) + 1);
  const pairs = new Map<string, { count: number; delays: number[] }>();
  for (let i = 0; i < changes.length; i++) {
    const a = changes[i]!;
    for (let j = i + 1; j < changes.length; j++) {
      const b = changes[j]!;
      if (b.when - a.when > HOMEIQ.windowSeconds) break;
      if (b.when === a.when || b.entityId === a.entityId || !meaningful(a.entityId, b.entityId)) continue;
      const ka = keyOf(a);
      const kb = keyOf(b);
      const pairKey = ka < kb ? `${ka}\u0001${kb}` : `${kb}\u0001${ka}`;
      const pair = pairs.get(pairKey) ?? { count: 0, delays: [] };
      pair.count++;
      pair.delays.push(b.when - a.when);
      pairs.set(pairKey, pair);
    }
  }
  for (const [pairKey, { count, delays }] of pairs) {
    if (count < HOMEIQ.minSupport) continue;
    const [ka, kb] = pairKey.split("\u0001") as [string, string];
    const confidence = Math.min(count / Math.min(countByKey.get(ka)!, countByKey.get(kb)!), 1);
    if (confidence < HOMEIQ.minConfidence) continue;
    if (std(delays) / 60 > HOMEIQ.maxDelayStdMinutes) continue;
    suggestions.push({ kind: "pair", first: changeOf(ka), second: changeOf(kb) });
  }
  return suggestions;
}

/** Danm72's documented defaults. */
export const DANM72 = { bucketMinutes: 30, minOccurrences: 2, consistency: 0.3 } as const;

/** Whether Danm72's integration counts this entry as a person's action: a user id, and not an automation's or a script's. */
export function danm72IsManual(entry: LogbookEntry): boolean {
  if (!entry.context_user_id) return false;
  if (entry.context_event_type === "automation_triggered") return false;
  return entry.context_domain !== "automation" && entry.context_domain !== "script";
}

/** Danm72's suggestions: per entity + action, its busiest 30-minute bucket of the day if consistent enough. */
export function danm72Suggestions(entries: Iterable<LogbookEntry>, timeZone: string): Suggestion[] {
  const clock = new LocalClock(timeZone);
  const bucketsByKey = new Map<string, Map<number, number>>();
  const totals = new Map<string, number>();
  for (const c of stateChanges(entries)) {
    if (!ACTIONABLE_DOMAINS.has(domainOf(c.entityId)) || !danm72IsManual(c.entry)) continue;
    const key = keyOf(c);
    const bucket = Math.floor(clock.minuteOfDay(c.when) / DANM72.bucketMinutes);
    const buckets = bucketsByKey.get(key) ?? new Map<number, number>();
    buckets.set(bucket, (buckets.get(bucket) ?? 0) + 1);
    bucketsByKey.set(key, buckets);
    totals.set(key, (totals.get(key) ?? 0) + 1);
  }
  const suggestions: Suggestion[] = [];
  for (const [key, buckets] of bucketsByKey) {
    const total = totals.get(key)!;
    if (total < DANM72.minOccurrences) continue;
    // The busiest bucket; on a tie the one seen first, as a max over insertion order picks it.
    let busiest = -1;
    let count = 0;
    for (const [bucket, n] of buckets) {
      if (n > count) {
        busiest = bucket;
        count = n;
      }
    }
    if (count / total < DANM72.consistency) continue;
    suggestions.push({ kind: "time_of_day", change: changeOf(key), minute: busiest * DANM72.bucketMinutes });
  }
  return suggestions;
}
