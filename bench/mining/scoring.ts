/**
 * How a suggestion is matched to a planted routine, the same for our miner and both baselines:
 * - a time-of-day suggestion matches a planted time-of-day routine with the same entity and target
 *   state whose time is within 30 minutes, on the 24-hour circle (23:50 and 00:10 are 20 apart);
 * - a sequence suggestion matches a planted sequence whose trigger and action (entity + state)
 *   are equal to its own; an unordered pair (HomeIQ's co-occurrence) matches when its two
 *   entity + states are the planted trigger and action, in either order.
 * Suggestions and planted routines are paired one to one (a maximum matching), so recall counts
 * planted routines found, and a second suggestion for a routine already found is a duplicate: not
 * precise, counted apart. A suggestion that matches nothing and touches a confounder's entity
 * (as the changed entity, the trigger or the action) is a leak of that confounder's kind.
 */
import { circularMinutes } from "./local-time";

/** An entity going to a state. */
export interface Change {
  entityId: string;
  to: string;
}

/** A routine the home generator planted: the ground truth. */
export type PlantedRoutine =
  | { kind: "time_of_day"; change: Change; minute: number; [other: string]: unknown }
  | { kind: "sequence"; trigger: Change; action: Change; [other: string]: unknown };

/** Something the generator put in the home that must not become a suggestion. */
export interface Confounder {
  kind: string;
  entityIds: string[];
  description?: string;
}

/** One suggestion, from any of the three methods, in the shape the scoring reads. */
export type Suggestion = (
  | { kind: "time_of_day"; change: Change; minute: number }
  | { kind: "sequence"; trigger: Change; action: Change }
  | { kind: "pair"; first: Change; second: Change }
) & {
  /** The method's own evidence in words (spread, days, confidence), for the report's lists. */
  detail?: string;
};

/** Within this many minutes of the planted time, a time-of-day suggestion is the same routine. */
export const MATCH_MINUTES = 30;

/** A method's figures on one home. */
export interface HomeScore {
  planted: number;
  suggestions: number;
  /** Planted routines matched by a suggestion. */
  found: number;
  /** Suggestions that match a planted routine already matched by another suggestion. */
  duplicates: number;
  /** Suggestions that match no planted routine. */
  unmatched: number;
  recall: number;
  /** NaN when the method suggested nothing. */
  precision: number;
  /** Unmatched suggestions on a confounder's entities, by the confounder's kind. */
  leaks: Record<string, number>;
  /** Planted routines not found, by kind (time_of_day, sequence). */
  missed: Record<string, number>;
}

const same = (a: Change, b: Change): boolean => a.entityId === b.entityId && a.to === b.to;

/** Whether one suggestion is the planted routine, as defined at the top of this file. */
export function matches(suggestion: Suggestion, planted: PlantedRoutine): boolean {
  if (planted.kind === "time_of_day") {
    return (
      suggestion.kind === "time_of_day" &&
      same(suggestion.change, planted.change) &&
      circularMinutes(suggestion.minute, planted.minute) <= MATCH_MINUTES
    );
  }
  if (suggestion.kind === "sequence")
    return same(suggestion.trigger, planted.trigger) && same(suggestion.action, planted.action);
  if (suggestion.kind === "pair") {
    return (
      (same(suggestion.first, planted.trigger) && same(suggestion.second, planted.action)) ||
      (same(suggestion.first, planted.action) && same(suggestion.second, planted.trigger))
    );
  }
  return false;
}

/** The entities a suggestion would act on or be triggered by. */
export function suggestionEntities(suggestion: Suggestion): string[] {
  if (suggestion.kind === "time_of_day") return [suggestion.change.entityId];
  if (suggestion.kind === "sequence") return [suggestion.trigger.entityId, suggestion.action.entityId];
  return [suggestion.first.entityId, suggestion.second.entityId];
}

/**
 * Pairs suggestions with planted routines one to one, as many as possible (augmenting paths),
 * so the figures do not depend on the order a method lists its suggestions in.
 * Returns, for each suggestion, the index of its planted routine or -1.
 */
export function maximumMatching(candidates: number[][], plantedCount: number): number[] {
  const plantedTo = new Array<number>(plantedCount).fill(-1);
  const suggestionTo = new Array<number>(candidates.length).fill(-1);
  const tryAssign = (s: number, seen: boolean[]): boolean => {
    for (const p of candidates[s]!) {
      if (seen[p]) continue;
      seen[p] = true;
      if (plantedTo[p] === -1 || tryAssign(plantedTo[p]!, seen)) {
        plantedTo[p] = s;
        suggestionTo[s] = p;
        return true;
      }
    }
    return false;
  };
  for (let s = 0; s < candidates.length; s++) {
    if (candidates[s]!.length > 0) tryAssign(s, new Array<boolean>(plantedCount).fill(false));
  }
  return suggestionTo;
}

/** Scores one method's suggestions on one home against its planted routines and confounders. */
export function scoreHome(
  suggestions: readonly Suggestion[],
  planted: readonly PlantedRoutine[],
  confounders: readonly Confounder[],
): HomeScore {
  const candidates = suggestions.map((s) => planted.flatMap((p, i) => (matches(s, p) ? [i] : [])));
  const assigned = maximumMatching(candidates, planted.length);
  const foundPlanted = new Set(assigned.filter((p) => p >= 0));
  let duplicates = 0;
  let unmatched = 0;
  const leaks: Record<string, number> = {};
  const kindsByEntity = new Map<string, Set<string>>();
  for (const c of confounders) {
    for (const id of c.entityIds) {
      const kinds = kindsByEntity.get(id) ?? new Set<string>();
      kinds.add(c.kind);
      kindsByEntity.set(id, kinds);
    }
  }
  suggestions.forEach((s, i) => {
    if (assigned[i]! >= 0) return;
    if (candidates[i]!.length > 0) {
      duplicates++;
      return;
    }
    unmatched++;
    const kinds = new Set(suggestionEntities(s).flatMap((id) => [...(kindsByEntity.get(id) ?? [])]));
    for (const kind of kinds) leaks[kind] = (leaks[kind] ?? 0) + 1;
  });
  const missed: Record<string, number> = {};
  planted.forEach((p, i) => {
    if (!foundPlanted.has(i)) missed[p.kind] = (missed[p.kind] ?? 0) + 1;
  });
  return {
    planted: planted.length,
    suggestions: suggestions.length,
    found: foundPlanted.size,
    duplicates,
    unmatched,
    // A home with nothing planted has nothing to miss; with no suggestion, precision is undefined (NaN), not perfect.
    recall: planted.length === 0 ? 1 : foundPlanted.size / planted.length,
    precision: suggestions.length === 0 ? Number.NaN : foundPlanted.size / suggestions.length,
    leaks,
    missed,
  };
}
