import { createHash } from "node:crypto";
import type { TrendDirection } from "../features/pattern-features";
import { actionFor, actionPhrase, triggerPhrase } from "./actions";
import type { AutomationConfig } from "./home-data";
import type { HomeIndex } from "./home-index";
import { clockText } from "./local-time";
import type { Change, DayClass, MinedPattern, Routine } from "./routine";

const DAY_MS = 86_400_000;
/** A trend smaller than this either way reads as stable. */
const STABLE_TREND = 0.15;

const DAY_WORDS: Record<DayClass, { when: string; days: string }> = {
  weekdays: { when: "on weekdays", days: "weekdays" },
  weekends: { when: "at weekends", days: "weekend days" },
  daily: { when: "every day", days: "days" },
};

const WEEKDAYS: Record<DayClass, string[] | undefined> = {
  weekdays: ["mon", "tue", "wed", "thu", "fri"],
  weekends: ["sat", "sun"],
  daily: undefined,
};

/**
 * A routine's stable id: the same routine mined tomorrow gets the same id, so the household's
 * answers and the model's memory of it carry over. A sequence is its trigger and action; a
 * time-of-day routine its change and the hour its centre is in (a centre drifting across the
 * hour keeps its id when the earlier routine is passed as known: see RoutineMiner.mine).
 */
export function routineId(routine: Routine): string {
  const key =
    routine.kind === "sequence"
      ? `sequence|${routine.trigger.entityId}|${routine.trigger.to}|${routine.action.entityId}|${routine.action.to}`
      : `time_of_day|${routine.change.entityId}|${routine.change.to}|${Math.floor(routine.minute / 60)}`;
  return `routine-${createHash("sha256").update(key).digest("hex").slice(0, 12)}`;
}

/** The routine as a pattern object: features' fields, words, and the automation that would do it. */
export function proposePattern(routine: Routine, id: string, home: HomeIndex, now: number): MinedPattern {
  const action = routine.kind === "sequence" ? routine.action : routine.change;
  const entities = routine.kind === "sequence" ? [routine.trigger.entityId, action.entityId] : [action.entityId];
  const title = titleOf(routine, home);
  const evidence = evidenceOf(routine, now);
  const automation = automationOf(routine, id, title, evidence);
  const trendDirection: TrendDirection =
    routine.trend > STABLE_TREND ? "increasing" : routine.trend < -STABLE_TREND ? "decreasing" : "stable";
  const metadata: Record<string, unknown> = { entity_ids: entities, actions: automation.actions };
  if (automation.conditions.length > 0) metadata.conditions = automation.conditions;
  return {
    id,
    pattern_type: routine.kind === "sequence" ? "co_occurrence" : "time_of_day",
    confidence: round(routine.confidence),
    raw_confidence: round(
      routine.kind === "sequence" ? routine.sequenceConfidence : routine.days / routine.eligibleDays,
    ),
    device_id: home.deviceId(action.entityId) ?? action.entityId,
    // A helper has no device: the entity stands for itself, so the features still count it.
    devices: entities.map((e) => home.deviceId(e) ?? e),
    areas: [...new Set(entities.map((e) => home.areaId(e)).filter((a): a is string => a !== undefined))],
    occurrences: routine.occurrences,
    first_seen: new Date(routine.firstSeen).toISOString(),
    last_seen: new Date(routine.lastSeen).toISOString(),
    trend_direction: trendDirection,
    trend_strength: round(Math.abs(routine.trend)),
    metadata,
    title,
    description: `${title}: ${evidence}`,
    automation,
    routine,
  };
}

/** The question to ask: "Turn on Kitchen light at about 06:45 on weekdays". */
function titleOf(routine: Routine, home: HomeIndex): string {
  const change = routine.kind === "sequence" ? routine.action : routine.change;
  const doIt = actionPhrase(actionOf(change), home.name(change.entityId));
  if (routine.kind === "time_of_day") {
    return `${doIt} at about ${clockText(routine.minute)} ${DAY_WORDS[routine.dayClass].when}`;
  }
  const trigger = routine.trigger;
  const domain = domainOf(trigger.entityId);
  const name = home.name(trigger.entityId);
  return `${doIt} when ${triggerPhrase(domain, trigger.to, name, home.deviceClass(trigger.entityId))}`;
}

/** The evidence in plain words: "done by hand on 17 of 20 weekdays, last 2 days ago". */
function evidenceOf(routine: Routine, now: number): string {
  const ago = Math.floor((now - routine.lastSeen) / DAY_MS);
  const last = ago <= 0 ? "last today" : ago === 1 ? "last yesterday" : `last ${ago} days ago`;
  if (routine.kind === "time_of_day") {
    return `done by hand on ${routine.days} of ${routine.eligibleDays} ${DAY_WORDS[routine.dayClass].days}, ${last}`;
  }
  const followed = `followed ${routine.support} of ${Math.round(routine.support / routine.sequenceConfidence)} times`;
  return `${followed}, on ${routine.days} days, about ${Math.round(routine.delaySeconds)} s later, ${last}`;
}

/** The proposed automation in Home Assistant's config format (current key names). */
function automationOf(routine: Routine, id: string, title: string, evidence: string): AutomationConfig {
  const change = routine.kind === "sequence" ? routine.action : routine.change;
  const service = actionOf(change);
  const action: Record<string, unknown> = { action: service.service, target: { entity_id: change.entityId } };
  if (service.data !== undefined) action.data = service.data;
  let triggers: Record<string, unknown>[];
  let conditions: Record<string, unknown>[] = [];
  if (routine.kind === "time_of_day") {
    triggers = [{ trigger: "time", at: `${clockText(routine.minute)}:00` }];
    const weekday = WEEKDAYS[routine.dayClass];
    if (weekday !== undefined) conditions = [{ condition: "time", weekday }];
  } else {
    triggers = [stateTrigger(routine.trigger)];
  }
  return {
    alias: title,
    description: `Suggested by pattern-quality from routine ${id}: ${evidence}.`,
    triggers,
    conditions,
    actions: [action],
    mode: "single",
  };
}

function stateTrigger(change: Change): Record<string, unknown> {
  // A scene's or a button's state is the time it was last used: any change is the trigger.
  if (change.to === "activated") return { trigger: "state", entity_id: change.entityId };
  return { trigger: "state", entity_id: change.entityId, to: change.to };
}

function actionOf(change: Change) {
  const action = actionFor(domainOf(change.entityId), change.to);
  // The miner proposes only changes with an action; reaching here without one is a bug.
  if (action === undefined) throw new Error(`no action makes ${change.entityId} go ${change.to}`);
  return action;
}

function domainOf(entityId: string): string {
  return entityId.slice(0, entityId.indexOf("."));
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
