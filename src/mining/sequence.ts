import type { SequenceRoutine } from "./routine";
import { type ChangeRecord, changeKey, interquartileRange, median, type ObservedWindow, pushTo } from "./records";

/** What a sequence search needs to know. */
export interface SequenceSettings {
  minDays: number;
  sequenceWindowSeconds: number;
  minSequenceConfidence: number;
}

/** Why a sequence was not suggested, when it nearly was. */
export type SequenceVerdict = "routine" | "already-automated" | "faded";

/** A found sequence with the days it happened on (to weigh it against time-of-day routines). */
export interface FoundSequence {
  routine: SequenceRoutine;
  verdict: SequenceVerdict;
  instanceDays: ReadonlySet<number>;
}

/**
 * Changes within a second of each other are one action on several entities (a group, a scene
 * run inside a hub), not one thing after another.
 */
const MIN_DELAY_MS = 1000;
/** The action must be this many times likelier after the trigger than at any moment. */
const MIN_LIFT = 2;
/** Triggers since the last time, without the action, that mark a sequence as stopped. */
const FADED_AFTER_MISSED = 5;
const DAY_MS = 86_400_000;

interface PairCount {
  trigger: ChangeRecord;
  action: ChangeRecord;
  count: number;
  delays: number[];
  days: Set<number>;
  automatedDays: Set<number>;
  firstMs: number;
  lastMs: number;
  lastTriggerIndex: number;
}

/**
 * "B follows A" routines: an action a person takes by hand (B) within the window after a trigger
 * (A: a door or motion sensor, or another change made by hand). One sweep in time order keeps the
 * triggers of the last window; each action pairs with the latest occurrence of each trigger in it.
 *
 * - support: the times B followed A; confidence: the share of A's occurrences that B followed;
 * - lift: confidence ÷ the chance of B in any window of that length (B's rate × window);
 * - the delay's median and interquartile spread.
 * Kept when it happened on `minDays` distinct days, confidence ≥ the minimum and lift ≥ 2.
 */
export function findSequenceRoutines(
  records: readonly ChangeRecord[],
  isTrigger: (r: ChangeRecord) => boolean,
  isAction: (r: ChangeRecord) => boolean,
  isAutomatedAction: (r: ChangeRecord) => boolean,
  window: ObservedWindow,
  settings: SequenceSettings,
): FoundSequence[] {
  const windowMs = settings.sequenceWindowSeconds * 1000;
  const recent: { record: ChangeRecord; index: number; key: string }[] = [];
  const triggerCounts = new Map<string, number>();
  const triggerTimes = new Map<string, number[]>();
  const actionCounts = new Map<string, number>();
  const pairs = new Map<string, PairCount>();
  records.forEach((record, index) => {
    while (recent.length > 0 && record.ms - recent[0]!.record.ms > windowMs) recent.shift();
    const action = isAction(record);
    const automatedAction = !action && isAutomatedAction(record);
    if (action || automatedAction) {
      const actionKey = record.key;
      if (action) actionCounts.set(actionKey, (actionCounts.get(actionKey) ?? 0) + 1);
      const seen = new Set<string>();
      for (let i = recent.length - 1; i >= 0; i--) {
        const trigger = recent[i]!;
        const simultaneous = record.ms - trigger.record.ms < MIN_DELAY_MS;
        if (trigger.record.entityId === record.entityId || simultaneous || seen.has(trigger.key)) continue;
        seen.add(trigger.key);
        const pairKey = `${trigger.key}\u0001${actionKey}`;
        let pair = pairs.get(pairKey);
        if (pair === undefined) {
          pair = newPair(trigger.record, record);
          pairs.set(pairKey, pair);
        }
        if (automatedAction) pair.automatedDays.add(record.day);
        else if (pair.lastTriggerIndex !== trigger.index) {
          pair.lastTriggerIndex = trigger.index;
          pair.count++;
          pair.delays.push((record.ms - trigger.record.ms) / 1000);
          pair.days.add(record.day);
          pair.firstMs = Math.min(pair.firstMs, record.ms);
          pair.lastMs = Math.max(pair.lastMs, record.ms);
        }
      }
    }
    if (isTrigger(record)) {
      const key = record.key;
      recent.push({ record, index, key });
      triggerCounts.set(key, (triggerCounts.get(key) ?? 0) + 1);
      pushTo(triggerTimes, key, record.ms);
    }
  });
  const spanMs = Math.max(window.nowMs - window.startMs, windowMs);
  const found: FoundSequence[] = [];
  for (const pair of pairs.values()) {
    if (pair.days.size < settings.minDays) continue;
    const triggerKey = changeKey(pair.trigger.entityId, pair.trigger.to);
    const triggers = triggerCounts.get(triggerKey) ?? 0;
    const confidence = pair.count / Math.max(triggers, 1);
    if (confidence < settings.minSequenceConfidence) continue;
    const actions = actionCounts.get(changeKey(pair.action.entityId, pair.action.to)) ?? 0;
    const chance = Math.min(1, (actions * windowMs) / spanMs);
    const lift = chance === 0 ? 0 : confidence / chance;
    if (lift < MIN_LIFT) continue;
    const routine = describe(pair, confidence, lift, window, settings.sequenceWindowSeconds);
    const missed = (triggerTimes.get(triggerKey) ?? []).filter((t) => t > pair.lastMs).length;
    const verdict: SequenceVerdict =
      pair.automatedDays.size >= Math.max(2, 0.3 * pair.days.size)
        ? "already-automated"
        : missed >= FADED_AFTER_MISSED && window.nowMs - pair.lastMs > 7 * DAY_MS
          ? "faded"
          : "routine";
    found.push({ routine, verdict, instanceDays: pair.days });
  }
  return found;
}

function newPair(trigger: ChangeRecord, action: ChangeRecord): PairCount {
  return {
    trigger,
    action,
    count: 0,
    delays: [],
    days: new Set(),
    automatedDays: new Set(),
    firstMs: Number.POSITIVE_INFINITY,
    lastMs: Number.NEGATIVE_INFINITY,
    lastTriggerIndex: -1,
  };
}

/**
 * Trend: the sequence's daily rate in the second half of its span against the first (−1 … 1).
 * Confidence of the routine as a whole: the sequence confidence × (1 − min(½, delay IQR ÷ window)),
 * lowered when the delay is scattered over the window (a tight delay is what "one thing after
 * another" looks like).
 */
function describe(
  pair: PairCount,
  confidence: number,
  lift: number,
  window: ObservedWindow,
  windowSeconds: number,
): SequenceRoutine {
  const days = [...pair.days].sort((a, b) => a - b);
  const firstDay = Math.max(days[0]!, window.firstDay);
  const span = Math.max(window.nowDay - firstDay, 1);
  const middle = firstDay + span / 2;
  const firstHalf = days.filter((d) => d < middle).length / Math.max(middle - firstDay, 1);
  const secondHalf = days.filter((d) => d >= middle).length / Math.max(window.nowDay - middle, 1);
  const delay = median(pair.delays);
  const delaySpread = interquartileRange(pair.delays);
  return {
    kind: "sequence",
    trigger: { entityId: pair.trigger.entityId, to: pair.trigger.to },
    action: { entityId: pair.action.entityId, to: pair.action.to },
    support: pair.count,
    sequenceConfidence: confidence,
    lift,
    delaySeconds: delay,
    delaySpreadSeconds: delaySpread,
    occurrences: pair.count,
    days: pair.days.size,
    eligibleDays: span,
    firstSeen: pair.firstMs,
    lastSeen: pair.lastMs,
    trend: Math.max(-1, Math.min(1, secondHalf - firstHalf)),
    confidence: Math.min(1, confidence * (1 - Math.min(0.5, delaySpread / windowSeconds))),
  };
}
