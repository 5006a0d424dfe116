import { circularDistance } from "./local-time";
import { routineId } from "./proposal";
import { changeKey } from "./records";
import type { MinedPattern, Routine, SequenceRoutine, TimeOfDayRoutine } from "./routine";
import type { FoundSequence } from "./sequence";
import type { FoundTimeOfDay } from "./time-of-day";

/** Of a time-of-day routine's days, the share a sequence must explain to be the better account of it. */
const EXPLAINED_SHARE = 0.6;

/**
 * Keeps what should be suggested, once each:
 * - routines already automated or stopped are counted, not suggested;
 * - of a sequence and its reverse, the more confident; of a trigger entity's two states into
 *   one action, the more confident; of two sequences into one action from
 *   triggers that follow each other (A → X, A → C, X → C), the more confident of the two into C;
 * - a time-of-day routine whose days a sequence explains (its action follows the trigger on
 *   most of them) gives way to the sequence, unless the trigger is itself a time-of-day routine
 *   and the delay is scattered (two routines that happen close in time, not one after the other).
 */
export function settle(
  times: FoundTimeOfDay[],
  sequences: FoundSequence[],
  stats: { alreadyAutomated: number; faded: number },
): Routine[] {
  const count = (verdict: string) => {
    if (verdict === "already-automated") stats.alreadyAutomated++;
    else if (verdict === "faded") stats.faded++;
    return verdict === "routine";
  };
  let timeRoutines = times.filter((t) => count(t.verdict));
  let seqs = sequences.filter((s) => count(s.verdict));
  const key = (s: SequenceRoutine) => changeKey(s.trigger.entityId, s.trigger.to);
  const actionKey = (s: SequenceRoutine) => changeKey(s.action.entityId, s.action.to);
  const stronger = (a: FoundSequence, b: FoundSequence) =>
    a.routine.confidence > b.routine.confidence ||
    (a.routine.confidence === b.routine.confidence && a.routine.support >= b.routine.support);
  seqs = seqs.filter(
    (s) =>
      !seqs.some(
        (o) =>
          o !== s &&
          key(o.routine) === actionKey(s.routine) &&
          actionKey(o.routine) === key(s.routine) &&
          stronger(o, s) &&
          !stronger(s, o),
      ),
  );
  // One trigger entity into one action: its "on" or its "off", whichever the action follows more.
  seqs = seqs.filter(
    (s) =>
      !seqs.some(
        (o) =>
          o !== s &&
          actionKey(o.routine) === actionKey(s.routine) &&
          o.routine.trigger.entityId === s.routine.trigger.entityId &&
          stronger(o, s),
      ),
  );
  seqs = seqs.filter((s) => {
    const into = seqs.filter((o) => o !== s && actionKey(o.routine) === actionKey(s.routine));
    // Another trigger A leads both to this trigger X and to the action C: keep the stronger edge into C.
    return !into.some(
      (o) =>
        seqs.some((ax) => key(ax.routine) === key(o.routine) && actionKey(ax.routine) === key(s.routine)) &&
        stronger(o, s),
    );
  });
  const timedChanges = new Set(timeRoutines.map((t) => changeKey(t.routine.change.entityId, t.routine.change.to)));
  seqs = seqs.filter((s) => {
    const triggerIsTimed = timedChanges.has(key(s.routine));
    const actionIsTimed = timedChanges.has(actionKey(s.routine));
    const scattered = s.routine.delaySpreadSeconds > s.routine.delaySeconds;
    return !(triggerIsTimed && actionIsTimed && scattered);
  });
  timeRoutines = timeRoutines.filter((t) => {
    const explaining = seqs.find(
      (s) =>
        actionKey(s.routine) === changeKey(t.routine.change.entityId, t.routine.change.to) &&
        explainedShare(t, s) >= EXPLAINED_SHARE,
    );
    return explaining === undefined;
  });
  return [...timeRoutines.map((t) => t.routine), ...seqs.map((s) => s.routine)];
}

/** The share of a time-of-day routine's days on which the sequence also happened. */
function explainedShare(t: FoundTimeOfDay, s: FoundSequence): number {
  let shared = 0;
  for (const day of t.hitDays) if (s.instanceDays.has(day)) shared++;
  return t.hitDays.size === 0 ? 0 : shared / t.hitDays.size;
}

/** Ids for the routines: a known pattern's id for the same routine, else a fresh stable id (made unique). */
export function withIds(
  routines: readonly Routine[],
  known: readonly MinedPattern[],
  half: number,
): [Routine, string][] {
  const used = new Set<string>();
  return routines.map((routine) => {
    const match = known.find((k) => sameRoutine(k.routine, routine, half) && !used.has(k.id));
    let id = match?.id ?? routineId(routine);
    for (let n = 2; used.has(id); n++) id = `${routineId(routine)}-${n}`;
    used.add(id);
    return [routine, id];
  });
}

function sameRoutine(a: Routine | undefined, b: Routine, half: number): boolean {
  if (a === undefined || a.kind !== b.kind) return false;
  if (a.kind === "sequence" && b.kind === "sequence") {
    return routineId(a) === routineId(b);
  }
  const x = a as TimeOfDayRoutine;
  const y = b as TimeOfDayRoutine;
  return (
    x.change.entityId === y.change.entityId &&
    x.change.to === y.change.to &&
    circularDistance(x.minute, y.minute) <= half
  );
}
