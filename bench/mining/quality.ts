/**
 * The quality half of the mining benchmark: every method suggests on every generated home, each
 * home is scored (scoring.ts), and the figures over homes are the median and the worst. Knows
 * nothing of how homes are generated or how a method mines: both come in as plain data and
 * functions, so the tests can feed handmade homes.
 */
import type { LogbookEntry } from "../../src/mining/home-data";
import { circularMinutes } from "./local-time";
import { type Confounder, type HomeScore, type PlantedRoutine, scoreHome, type Suggestion } from "./scoring";

/** One generated home, as the scoring needs it. */
export interface HomeCase {
  /** e.g. "seed 3" or "wall 2". */
  label: string;
  seed: number;
  /** The share of actions done at a wall switch. */
  wallSwitchShare: number;
  logbook: LogbookEntry[];
  planted: PlantedRoutine[];
  confounders: Confounder[];
  timeZone: string;
}

/** A way of turning a home's logbook into suggestions: our miner or a baseline. */
export interface Method {
  name: string;
  suggest(home: HomeCase): Suggestion[];
}

/** One method on one home. */
export interface MethodRun extends HomeScore {
  cpuMs: number;
  suggestionsMade: Suggestion[];
}

/** Every method on one home. */
export interface HomeRun {
  home: HomeCase;
  runs: Record<string, MethodRun>;
}

/** CPU milliseconds (user + system) spent in `work`: unlike wall time, other processes on the machine do not count. */
export function cpuMs<T>(work: () => T): { result: T; cpuMs: number } {
  const before = process.cpuUsage();
  const result = work();
  const used = process.cpuUsage(before);
  return { result, cpuMs: (used.user + used.system) / 1000 };
}

/** Runs every method on every home and scores it. */
export function evaluate(homes: readonly HomeCase[], methods: readonly Method[]): HomeRun[] {
  return homes.map((home) => {
    const runs: Record<string, MethodRun> = {};
    for (const method of methods) {
      const { result, cpuMs: used } = cpuMs(() => method.suggest(home));
      runs[method.name] = {
        ...scoreHome(result, home.planted, home.confounders),
        cpuMs: used,
        suggestionsMade: result,
      };
    }
    return { home, runs };
  });
}

/** Harmonic mean of recall and precision; a method that suggests nothing scores 0. */
export function f1(score: HomeScore): number {
  const precision = Number.isNaN(score.precision) ? 0 : score.precision;
  return score.recall + precision === 0 ? 0 : (2 * score.recall * precision) / (score.recall + precision);
}

/** Ahead of a baseline on a home: a higher F1 (recall and precision together), so neither can be bought with the other. */
export function ahead(ours: HomeScore, baseline: HomeScore): boolean {
  return f1(ours) > f1(baseline);
}

const median = (xs: readonly number[]): number => {
  if (xs.length === 0) return Number.NaN;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

/** A method's figures over a set of homes. */
export interface MethodSummary {
  homes: number;
  recall: { median: number; worst: number };
  /** Over the homes where the method suggested something. */
  precision: { median: number; worst: number };
  homesWithoutSuggestions: number;
  suggestions: number;
  found: number;
  planted: number;
  duplicates: number;
  unmatched: number;
  leaks: Record<string, number>;
  missed: Record<string, number>;
  cpuMs: { median: number; max: number };
}

/** Median and worst of one method over the homes. */
export function summarize(runs: readonly HomeRun[], method: string): MethodSummary {
  const scores = runs.map((r) => r.runs[method]!);
  const precisions = scores.map((s) => s.precision).filter((p) => !Number.isNaN(p));
  const add = (into: Record<string, number>, from: Record<string, number>) => {
    for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
  };
  const leaks: Record<string, number> = {};
  const missed: Record<string, number> = {};
  for (const s of scores) {
    add(leaks, s.leaks);
    add(missed, s.missed);
  }
  const sum = (f: (s: MethodRun) => number) => scores.reduce((a, s) => a + f(s), 0);
  return {
    homes: scores.length,
    recall: { median: median(scores.map((s) => s.recall)), worst: Math.min(...scores.map((s) => s.recall)) },
    precision: {
      median: median(precisions),
      worst: precisions.length === 0 ? Number.NaN : Math.min(...precisions),
    },
    homesWithoutSuggestions: scores.length - precisions.length,
    suggestions: sum((s) => s.suggestions),
    found: sum((s) => s.found),
    planted: sum((s) => s.planted),
    duplicates: sum((s) => s.duplicates),
    unmatched: sum((s) => s.unmatched),
    leaks,
    missed,
    cpuMs: { median: median(scores.map((s) => s.cpuMs)), max: Math.max(...scores.map((s) => s.cpuMs)) },
  };
}

/** Why a planted routine was missed, in words a miner's author can act on. */
export function missedRoutines(run: HomeRun, method: string): string[] {
  const suggestions = run.runs[method]!.suggestionsMade;
  const found = new Set<number>();
  // Recomputed here rather than kept from the score: which routine a suggestion was paired with.
  const score = scoreHome(suggestions, run.home.planted, run.home.confounders);
  if (score.found === run.home.planted.length) return [];
  const described: string[] = [];
  run.home.planted.forEach((p, i) => {
    const alone = scoreHome(suggestions, [p], []);
    if (alone.found === 1) {
      found.add(i);
      return;
    }
    const extra = ["dayClass", "by", "probability", "spreadMinutes", "delaySeconds"]
      .filter((k) => p[k] !== undefined)
      .map((k) => `${k} ${String(p[k])}`)
      .join(", ");
    if (p.kind === "time_of_day") {
      const near = suggestions.flatMap((s) =>
        s.kind === "time_of_day" && s.change.entityId === p.change.entityId && s.change.to === p.change.to
          ? [circularMinutes(s.minute, p.minute)]
          : [],
      );
      const why = near.length > 0 ? `suggested ${Math.round(Math.min(...near))} min away` : "no suggestion for it";
      described.push(
        `${run.home.label}: time of day ${p.change.entityId} → ${p.change.to} at ${clock(p.minute)} (${extra}): ${why}`,
      );
    } else {
      const sameAction = suggestions.some(
        (s) => s.kind === "sequence" && s.action.entityId === p.action.entityId && s.action.to === p.action.to,
      );
      const why = sameAction ? "the action was suggested after another trigger" : "no suggestion for it";
      described.push(
        `${run.home.label}: sequence ${p.trigger.entityId} → ${p.trigger.to} then ${p.action.entityId} → ${p.action.to} (${extra}): ${why}`,
      );
    }
  });
  // A routine found alone but not in the one-to-one pairing shares its suggestion with another.
  if (found.size > score.found)
    described.push(`${run.home.label}: ${found.size - score.found} routine(s) share one suggestion`);
  return described;
}

/** The suggestions of a method that matched nothing, with the confounder kinds they touch. */
export function unmatchedSuggestions(run: HomeRun, method: string): string[] {
  const out: string[] = [];
  for (const s of run.runs[method]!.suggestionsMade) {
    if (scoreHome([s], run.home.planted, []).found === 1) continue;
    const entities =
      s.kind === "time_of_day"
        ? [s.change.entityId]
        : s.kind === "sequence"
          ? [s.trigger.entityId, s.action.entityId]
          : [s.first.entityId, s.second.entityId];
    const kinds = run.home.confounders
      .filter((c) => c.entityIds.some((id) => entities.includes(id)))
      .map((c) => c.kind);
    const what =
      s.kind === "time_of_day"
        ? `time of day ${s.change.entityId} → ${s.change.to} at ${clock(s.minute)}`
        : s.kind === "sequence"
          ? `sequence ${s.trigger.entityId} → ${s.trigger.to} then ${s.action.entityId} → ${s.action.to}`
          : `pair ${s.first.entityId} → ${s.first.to} with ${s.second.entityId} → ${s.second.to}`;
    const notes = [s.detail, kinds.length > 0 ? `on a confounder's entity: ${[...new Set(kinds)].join(", ")}` : ""];
    const said = notes.filter(Boolean).join("; ");
    out.push(`${run.home.label}: ${what}${said ? ` (${said})` : ""}`);
  }
  return out;
}

/** "07:05" for a minute of the day. */
export function clock(minute: number): string {
  const m = Math.round(minute) % 1440;
  return `${String(Math.floor(m / 60)).padStart(2, "0")}:${String(m % 60).padStart(2, "0")}`;
}
