import { describeValue, InvalidInputError } from "../errors";
import { parseLabel, type Feedback, type Features, type Label } from "../feedback/feedback";
import { checkSetting, defaultsOf, HA_FEEDBACK_SPEC } from "../settings/spec";
import { checkId, checkNumber, checkRecord, checkText } from "../validate";

/** Who caused an event in Home Assistant; `id` is unique per event and serves as the feedback id. */
export interface HaContext {
  id: string;
  parent_id?: string | null;
  user_id?: string | null;
}

/** An event as Home Assistant sends it over the websocket API. */
export interface HaEvent {
  event_type: string;
  data: Record<string, unknown>;
  origin?: string;
  time_fired?: string;
  context?: HaContext;
}

/**
 * The message node-red-contrib-home-assistant-websocket's "events: all" node emits: the event's
 * data sits under `payload.event`, not `payload.data`.
 */
export interface HaEventsNodeMessage {
  topic?: string;
  payload: {
    event_type: string;
    event: Record<string, unknown>;
    origin?: string;
    time_fired?: string;
    context?: HaContext;
  };
}

/** Which Home Assistant events carry household decisions, and how to read them. */
export interface HaFeedbackRules {
  /** Answers to actionable notifications (`mobile_app_notification_action`). Needs an admin token. */
  notificationAction: { enabled: boolean; approvePrefix: string; rejectPrefix: string };
  /** A custom event fired from scripts: data `{ pattern_id, decision, features? }`. Needs an admin token. */
  customEvent: { enabled: boolean; eventType: string };
  /**
   * `state_changed` of helper entities (e.g. an input_select with options approve/reject) whose
   * attribute `patternAttribute` names the pattern. Works with a non-admin token.
   * The decision is the attribute `decisionAttribute` when present, else the entity's state.
   */
  helperEntities: { enabled: boolean; entityIds: string[]; patternAttribute: string; decisionAttribute: string };
  /**
   * Implicit feedback from automations created from patterns (entity id per `entityTemplate`,
   * `{id}` standing for the pattern id): removed or switched off within `days` → reject,
   * kept on for `days` → approve. Off by default: it guesses rather than asks.
   */
  implicit: { enabled: boolean; entityTemplate: string; days: number };
}

/** The event of an answer to an actionable notification. */
export const NOTIFICATION_ACTION_EVENT = "mobile_app_notification_action";
/** The event of an entity changing state (helper entities, automations switched off). */
export const STATE_CHANGED_EVENT = "state_changed";
/** The event of an entity added to or removed from the registry (automations deleted). */
export const ENTITY_REGISTRY_UPDATED_EVENT = "entity_registry_updated";
/** Fired when an automation runs; its context is the context of the changes the run makes. */
export const AUTOMATION_TRIGGERED_EVENT = "automation_triggered";

/** The rules used when a flow configures nothing (defaults from HA_FEEDBACK_SPEC). */
export const defaultHaFeedbackRules: HaFeedbackRules = Object.freeze(
  (() => {
    const defaults = defaultsOf(HA_FEEDBACK_SPEC);
    return { ...defaults, helperEntities: { ...defaults.helperEntities, entityIds: [] as string[] } };
  })(),
);

/** Completes partial rules with the defaults and checks them; bad rules → InvalidInputError naming the field. */
export function haFeedbackRules(partial: DeepPartial<HaFeedbackRules> = {}): HaFeedbackRules {
  checkRecord(partial, "rules");
  const d = defaultHaFeedbackRules;
  const rules: HaFeedbackRules = {
    notificationAction: { ...d.notificationAction, ...partial.notificationAction },
    customEvent: { ...d.customEvent, ...partial.customEvent },
    helperEntities: {
      ...d.helperEntities,
      ...partial.helperEntities,
      entityIds: [...((partial.helperEntities?.entityIds as string[] | undefined) ?? d.helperEntities.entityIds)],
    },
    implicit: { ...d.implicit, ...partial.implicit },
  };
  checkText(rules.notificationAction.approvePrefix, "rules.notificationAction.approvePrefix");
  checkText(rules.notificationAction.rejectPrefix, "rules.notificationAction.rejectPrefix");
  if (rules.notificationAction.approvePrefix === rules.notificationAction.rejectPrefix) {
    throw new InvalidInputError("rules.notificationAction.rejectPrefix", "must differ from the approve prefix");
  }
  checkText(rules.customEvent.eventType, "rules.customEvent.eventType");
  checkText(rules.helperEntities.patternAttribute, "rules.helperEntities.patternAttribute");
  checkText(rules.helperEntities.decisionAttribute, "rules.helperEntities.decisionAttribute");
  rules.helperEntities.entityIds.forEach((id, i) => {
    checkText(id, `rules.helperEntities.entityIds[${i}]`);
  });
  checkText(rules.implicit.entityTemplate, "rules.implicit.entityTemplate");
  if (!rules.implicit.entityTemplate.includes("{id}")) {
    throw new InvalidInputError("rules.implicit.entityTemplate", "must contain {id} where the pattern id goes");
  }
  checkSetting(HA_FEEDBACK_SPEC.implicit.days, rules.implicit.days, "rules.implicit.days");
  return rules;
}

/** The event types a source must subscribe to for these rules. */
export function haEventTypes(rules: HaFeedbackRules): string[] {
  const types = new Set<string>();
  if (rules.notificationAction.enabled) types.add(NOTIFICATION_ACTION_EVENT);
  if (rules.customEvent.enabled) types.add(rules.customEvent.eventType);
  if (rules.helperEntities.enabled && rules.helperEntities.entityIds.length > 0) types.add(STATE_CHANGED_EVENT);
  if (rules.implicit.enabled) {
    types.add(STATE_CHANGED_EVENT);
    types.add(ENTITY_REGISTRY_UPDATED_EVENT);
    // Its runs' contexts: a person's change of what a run just changed is the run undone by hand.
    types.add(AUTOMATION_TRIGGERED_EVENT);
  }
  return [...types];
}

/**
 * Reads a household decision from a Home Assistant event: a raw event `{event_type, data, …}`,
 * or the message of an "events: all" node (`{payload: {event_type, event, …}}`).
 * Returns null for events that carry no decision under these rules; throws InvalidInputError
 * for an event that should carry one but is malformed. Implicit feedback needs a clock and
 * memory, so it lives in the feedback source, not here.
 */
export function feedbackFromHaEvent(
  input: HaEvent | HaEventsNodeMessage | unknown,
  rules: HaFeedbackRules = defaultHaFeedbackRules,
): Feedback | null {
  const event = normalizeHaEvent(input);
  if (event === null) return null;
  const type = event.event_type;
  if (type === NOTIFICATION_ACTION_EVENT && rules.notificationAction.enabled) {
    return fromNotificationAction(event, rules);
  }
  if (type === rules.customEvent.eventType && rules.customEvent.enabled) {
    return fromCustomEvent(event);
  }
  if (type === STATE_CHANGED_EVENT && rules.helperEntities.enabled) {
    return fromHelperEntity(event, rules);
  }
  return null;
}

/**
 * Brings both accepted shapes to a raw HA event. Null when the input is not an event at all
 * (no event_type), so unrelated messages pass through quietly.
 */
export function normalizeHaEvent(input: unknown): HaEvent | null {
  if (!isRecord(input)) return null;
  const nodeShape = isRecord(input.payload) && typeof input.payload.event_type === "string";
  const raw = nodeShape ? (input.payload as Record<string, unknown>) : input;
  if (typeof raw.event_type !== "string") return null;
  const data = nodeShape ? raw.event : raw.data;
  const prefix = nodeShape ? "payload" : "event";
  if (data !== undefined) checkRecord(data, `${prefix}.${nodeShape ? "event" : "data"}`);
  const event: HaEvent = { event_type: raw.event_type, data: (data as Record<string, unknown>) ?? {} };
  if (typeof raw.origin === "string") event.origin = raw.origin;
  if (typeof raw.time_fired === "string") event.time_fired = raw.time_fired;
  if (isRecord(raw.context)) event.context = raw.context as unknown as HaContext;
  return event;
}

function fromNotificationAction(event: HaEvent, rules: HaFeedbackRules): Feedback | null {
  const action = event.data.action;
  if (typeof action !== "string") {
    throw new InvalidInputError(
      "data.action",
      `expected the notification button's action id, got ${describeValue(action)}`,
    );
  }
  const { approvePrefix, rejectPrefix } = rules.notificationAction;
  // The longer prefix first, so that one prefix being the start of the other still works.
  const ordered: [string, Label][] =
    approvePrefix.length >= rejectPrefix.length
      ? [
          [approvePrefix, 1],
          [rejectPrefix, 0],
        ]
      : [
          [rejectPrefix, 0],
          [approvePrefix, 1],
        ];
  const match = ordered.find(([prefix]) => action.startsWith(prefix));
  // Other actionable notifications of the household share this event; they are not ours.
  if (match === undefined) return null;
  const patternId = action.slice(match[0].length);
  if (patternId === "")
    throw new InvalidInputError("data.action", `no pattern id after the prefix in ${describeValue(action)}`);
  return feedback(event, checkId(patternId, "data.action"), match[1]);
}

function fromCustomEvent(event: HaEvent): Feedback {
  const patternId = checkId(event.data.pattern_id, "data.pattern_id");
  const label = parseLabel(event.data.decision, "data.decision");
  const result = feedback(event, patternId, label);
  if (event.data.features !== undefined) result.features = readFeatures(event.data.features, "data.features");
  return result;
}

function fromHelperEntity(event: HaEvent, rules: HaFeedbackRules): Feedback | null {
  const { entityIds, patternAttribute, decisionAttribute } = rules.helperEntities;
  const entityId = event.data.entity_id;
  if (typeof entityId !== "string" || !entityIds.includes(entityId)) return null;
  const state = event.data.new_state;
  // The helper was removed: nothing was decided.
  if (state === null || state === undefined) return null;
  if (!isRecord(state))
    throw new InvalidInputError("data.new_state", `expected a state object, got ${describeValue(state)}`);
  const attributes = isRecord(state.attributes) ? state.attributes : {};
  const decision = attributes[decisionAttribute] ?? state.state;
  let label: Label;
  try {
    label = parseLabel(decision);
  } catch {
    // Helpers are reset (e.g. back to "pending") or become unavailable: not a decision.
    return null;
  }
  const patternId = attributes[patternAttribute];
  const field = `data.new_state.attributes.${patternAttribute}`;
  if (patternId === undefined || patternId === null) {
    throw new InvalidInputError(field, `${entityId} changed to a decision but names no pattern`);
  }
  return feedback(event, checkId(patternId, field), label);
}

function feedback(event: HaEvent, patternId: string, label: Label): Feedback {
  const result: Feedback = {
    id: feedbackId(event, patternId),
    patternId,
    label,
    source: `ha:${event.event_type}`,
    receivedAt: receivedAt(event),
  };
  const user = event.context?.user_id;
  if (typeof user === "string" && user !== "") result.user = user;
  return result;
}

/** The event's context id, so that the same event delivered twice is stored once. */
function feedbackId(event: HaEvent, patternId: string): string {
  const id = event.context?.id;
  if (typeof id === "string" && id !== "") return id;
  // Events typed in by hand (e.g. from a flow) may lack a context; the firing time still identifies them.
  if (event.time_fired !== undefined) return `${event.event_type}:${patternId}:${event.time_fired}`;
  throw new InvalidInputError("context.id", "the event has neither a context id nor a time_fired to identify it");
}

function receivedAt(event: HaEvent): string {
  const fired = event.time_fired === undefined ? Number.NaN : Date.parse(event.time_fired);
  return Number.isFinite(fired) ? new Date(fired).toISOString() : new Date().toISOString();
}

function readFeatures(value: unknown, field: string): Features {
  const features: Features = Object.create(null);
  for (const [name, x] of Object.entries(checkRecord(value, field)))
    features[name] = checkNumber(x, `${field}.${name}`);
  return features;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Every property optional, recursively (arrays kept whole). */
export type DeepPartial<T> = {
  [K in keyof T]?: T[K] extends readonly unknown[] ? T[K] : T[K] extends object ? DeepPartial<T[K]> : T[K];
};
