// What a routine is, for deciding whether a rejected suggestion may be asked again. A household
// that said no to "turn on the kitchen light at about 06:45 on weekdays" has said no to that,
// not to every routine the miner later gives the same id: a different action, trigger or day
// class, or a time moved so far that the new times no longer overlap the old ones, is a new
// question. Anything smaller (a centre drifting by a few minutes, new evidence) is the same one.
import { createHash } from "node:crypto";

/** How far a time-of-day routine's centre may move and still be the routine that was rejected (minutes). */
export const MATERIAL_SHIFT_MINUTES = 60;

/** The parts of a routine a household decides on. */
export interface RoutineSignature {
  /** "time_of_day", "sequence", or "automation" for a pattern brought by a flow (no routine). */
  kind: string;
  /** What is done: entity and state, or a hash of the proposed automation's actions. */
  action: string;
  /** What starts it: the trigger's entity and state, or the day class of a time-of-day routine. */
  trigger: string;
  /** Local minute of day of a time-of-day routine's centre; null for the others. */
  minute: number | null;
}

/** The signature of a pattern: from its mined routine when it has one, else from its proposed automation. */
export function signatureOf(pattern: unknown): RoutineSignature {
  const record = isRecord(pattern) ? pattern : {};
  const routine = isRecord(record.routine) ? record.routine : null;
  if (routine !== null && routine.kind === "time_of_day" && isRecord(routine.change)) {
    return {
      kind: "time_of_day",
      action: changeText(routine.change),
      trigger: String(routine.dayClass ?? ""),
      minute: typeof routine.minute === "number" ? routine.minute : null,
    };
  }
  if (routine !== null && routine.kind === "sequence" && isRecord(routine.action) && isRecord(routine.trigger)) {
    return { kind: "sequence", action: changeText(routine.action), trigger: changeText(routine.trigger), minute: null };
  }
  const automation = isRecord(record.automation) ? record.automation : {};
  return {
    kind: "automation",
    action: digest(automation.actions ?? automation.action ?? null),
    trigger: digest([automation.triggers ?? automation.trigger ?? null, automation.conditions ?? null]),
    minute: null,
  };
}

/**
 * True when `now` is a different routine from `then` for the household: another kind, action or
 * trigger (day class included), or a centre moved by more than `shiftMinutes` on the clock's circle.
 */
export function changedMaterially(
  then: RoutineSignature,
  now: RoutineSignature,
  shiftMinutes = MATERIAL_SHIFT_MINUTES,
): boolean {
  if (then.kind !== now.kind || then.action !== now.action || then.trigger !== now.trigger) return true;
  if (then.minute === null || now.minute === null) return false;
  const apart = Math.abs(then.minute - now.minute) % 1440;
  return Math.min(apart, 1440 - apart) > shiftMinutes;
}

function changeText(change: Record<string, unknown>): string {
  return `${String(change.entityId ?? "")}→${String(change.to ?? "")}`;
}

function digest(value: unknown): string {
  return createHash("sha256").update(JSON.stringify(value)).digest("hex").slice(0, 16);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
