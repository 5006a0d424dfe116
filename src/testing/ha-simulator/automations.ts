import type { AutomationConfig, LogbookEntry } from "../../mining/home-data";
import { slugify } from "../simulation/home-layout";
import { localDayOf, localToEpochMs, nextLocalDay } from "../simulation/local-time";
import type { ChangeCause } from "./entity-services";
import { isRecord, newContextId, type SimulatedHome } from "./home";

/**
 * The automations a simulated home holds, kept as Home Assistant's config API keeps them
 * (`POST/GET/DELETE /api/config/automation/config/<id>`), and run as Home Assistant runs them,
 * for the demo and tests: a time trigger (`at: "HH:MM[:SS]"` or a list of them, local time) fires when the
 * simulator's clock passes it, a state trigger (`entity_id`, optional `from`/`to`) when its
 * entity changes so; service actions (`light.turn_on` with a target, …) change states in the
 * automation's context and write `automation_triggered` and state rows as HA does. A turned-off
 * automation (state "off") does not run. Conditions, `for:`, delays and templates are not simulated.
 */

const TRIGGER_PLATFORMS = new Set([
  "calendar",
  "conversation",
  "device",
  "event",
  "geo_location",
  "homeassistant",
  "mqtt",
  "numeric_state",
  "persistent_notification",
  "state",
  "sun",
  "tag",
  "template",
  "time",
  "time_pattern",
  "webhook",
  "zone",
]);
const ACTION_KEYS = [
  "action",
  "service",
  "scene",
  "delay",
  "wait_template",
  "wait_for_trigger",
  "event",
  "condition",
  "choose",
  "if",
  "repeat",
  "parallel",
  "sequence",
  "stop",
  "variables",
  "device_id",
];
const MODES = ["single", "restart", "queued", "parallel"];
const STORED_ORDER = ["alias", "description", "triggers", "trigger", "conditions", "condition", "actions", "action"];

/** An automation the home holds: its stored config, its entity, and its parts in today's key names. */
interface HeldAutomation {
  id: string;
  stored: Record<string, unknown>;
  entityId: string;
  alias: string;
  triggers: Record<string, unknown>[];
  actions: Record<string, unknown>[];
}

/** What Home Assistant's validator would say of an automation config ("Message malformed: <this>"), or null if valid. */
export function automationConfigError(body: unknown): string | null {
  if (!isRecord(body)) return "expected a dictionary";
  const triggers = body.triggers ?? body.trigger;
  if (triggers === undefined) return "required key not provided @ data['triggers']";
  const triggerList = Array.isArray(triggers) ? triggers : [triggers];
  for (const [i, trigger] of triggerList.entries()) {
    if (!isRecord(trigger)) return `expected a dictionary @ data['triggers'][${i}]`;
    const platform = trigger.trigger ?? trigger.platform;
    if (typeof platform !== "string") return `required key not provided @ data['triggers'][${i}]['trigger']`;
    if (!TRIGGER_PLATFORMS.has(platform)) return `Invalid trigger '${platform}' specified`;
    if (platform === "time" && trigger.at === undefined)
      return `required key not provided @ data['triggers'][${i}]['at']`;
    if (platform === "state" && trigger.entity_id === undefined)
      return `required key not provided @ data['triggers'][${i}]['entity_id']`;
  }
  const actions = body.actions ?? body.action;
  if (actions === undefined) return "required key not provided @ data['actions']";
  const actionList = Array.isArray(actions) ? actions : [actions];
  for (const [i, action] of actionList.entries()) {
    if (!isRecord(action) || !ACTION_KEYS.some((key) => key in action))
      return `Unable to determine action @ data['actions'][${i}]`;
  }
  if (body.mode !== undefined && !MODES.includes(body.mode as string))
    return `value must be one of ['parallel', 'queued', 'restart', 'single'] for dictionary value @ data['mode']`;
  if (body.alias !== undefined && typeof body.alias !== "string")
    return "expected str for dictionary value @ data['alias']";
  return null;
}

/** The automations of a simulated home, stored and run. */
export class AutomationEngine {
  private readonly held = new Map<string, HeldAutomation>();
  private lastTick: number;
  private depth = 0;

  constructor(private readonly home: SimulatedHome) {
    this.lastTick = home.clock.now();
  }

  /** Takes on a generated home's automations, whose entities and states exist already. */
  load(configs: readonly AutomationConfig[]): void {
    for (const config of configs) {
      const id = config.id ?? newContextId();
      const entry = this.home.entities.find((e) => e.platform === "automation" && e.unique_id === id);
      this.hold(id, { ...config }, entry?.entity_id ?? `automation.${slugify(config.alias)}`);
    }
  }

  /** An automation's config as stored (`GET`), or undefined. */
  get(id: string): Record<string, unknown> | undefined {
    return this.held.get(id)?.stored;
  }

  /** Creates or updates an automation from a valid config (see automationConfigError), as a reload would. */
  save(id: string, body: Record<string, unknown>): void {
    const existing = this.held.get(id);
    // Replaced, not merged, with HA's key order (components/config/automation.py): id, alias, description, triggers…
    const stored: Record<string, unknown> = { id };
    for (const key of STORED_ORDER) if (key in body) stored[key] = body[key];
    Object.assign(stored, body, { id });
    const alias = typeof stored.alias === "string" ? stored.alias : id;
    const entityId =
      existing?.entityId ?? this.home.registerEntity(`automation.${slugify(alias)}`, "automation", id, alias);
    const held = this.hold(id, stored, entityId);
    const state = this.home.states.get(entityId);
    const attributes = {
      ...(state?.attributes ?? { last_triggered: null, current: 0 }),
      id,
      friendly_name: held.alias,
    };
    this.home.changeState(entityId, state?.state ?? "on", { ...attributes, mode: stored.mode ?? "single" }, null);
  }

  /** Deletes an automation and its entity; false if there was none. */
  delete(id: string): boolean {
    const held = this.held.get(id);
    if (held === undefined) return false;
    this.held.delete(id);
    this.home.removeEntity(held.entityId);
    return true;
  }

  /** Runs the state-triggered automations this change triggers. */
  stateChanged(entityId: string, from: string | undefined, to: string, cause: ChangeCause, when: number): void {
    for (const held of this.held.values()) {
      const trigger = held.triggers.find(
        (t) =>
          (t.trigger ?? t.platform) === "state" &&
          matches(t.entity_id, entityId) &&
          (t.to === undefined || t.to === null || matches(t.to, to)) &&
          (t.from === undefined || t.from === null || (from !== undefined && matches(t.from, from))),
      );
      if (trigger !== undefined) this.run(held, `state of ${entityId}`, when, { entityId, state: to, cause });
    }
  }

  /** Runs the time-triggered automations whose time the clock passed since the last tick. */
  tick(): void {
    const now = this.home.clock.now();
    const since = this.lastTick;
    this.lastTick = now;
    if (now <= since) return;
    const due: [number, HeldAutomation][] = [];
    const last = localDayOf(now, this.home.timeZone);
    for (const held of this.held.values()) {
      for (const trigger of held.triggers) {
        if ((trigger.trigger ?? trigger.platform) !== "time") continue;
        const times = Array.isArray(trigger.at) ? trigger.at : [trigger.at];
        for (const minute of times.map(minuteOf)) {
          if (minute === undefined) continue;
          for (let day = localDayOf(since, this.home.timeZone); ; day = nextLocalDay(day)) {
            const at = localToEpochMs(day, minute, this.home.timeZone);
            if (at > since && at <= now) due.push([at, held]);
            if (day.year === last.year && day.month === last.month && day.day === last.day) break;
          }
        }
      }
    }
    due.sort((a, b) => a[0] - b[0]);
    for (const [at, held] of due) this.run(held, "time", at / 1000);
  }

  /** Runs an automation's actions as `source` triggered it (`automation.trigger`, a test's `actAs`: "action"). */
  runNow(entityId: string, source = "action"): boolean {
    const held = [...this.held.values()].find((h) => h.entityId === entityId);
    if (held === undefined) return false;
    this.run(held, source, this.home.clock.nowSeconds(), undefined, true);
    return true;
  }

  private hold(id: string, stored: Record<string, unknown>, entityId: string): HeldAutomation {
    const list = (value: unknown): Record<string, unknown>[] =>
      (Array.isArray(value) ? value : value === undefined ? [] : [value]).filter(isRecord);
    const held = {
      id,
      stored,
      entityId,
      alias: typeof stored.alias === "string" ? stored.alias : id,
      triggers: list(stored.triggers ?? stored.trigger),
      actions: list(stored.actions ?? stored.action),
    };
    this.held.set(id, held);
    return held;
  }

  /** One run: the `automation_triggered` row, then each service action in the automation's context. */
  private run(
    held: HeldAutomation,
    source: string,
    when: number,
    parent?: { entityId: string; state: string; cause: ChangeCause },
    force = false,
  ): void {
    const state = this.home.states.get(held.entityId);
    // A turned-off automation does not run; ten nested runs mean automations triggering each other.
    if ((!force && state?.state !== "on") || this.depth >= 10) return;
    const contextId = newContextId();
    const message = `triggered by ${source}`;
    const row: LogbookEntry = {
      when,
      name: held.alias,
      message,
      source,
      entity_id: held.entityId,
      domain: "automation",
      context_id: contextId,
    };
    // The row starts the automation's context, so its keys describe the parent context's first row:
    // the triggering change itself (entity and state only), or whatever started that change's context.
    if (parent !== undefined) {
      const { context_user_id: _, ...started } = parent.cause.keys;
      Object.assign(
        row,
        started.context_event_type === undefined
          ? { context_entity_id: parent.entityId, context_state: parent.state }
          : started,
      );
    }
    this.home.logbook.append(row, contextId);
    this.home.fireEvent(
      "automation_triggered",
      { name: held.alias, entity_id: held.entityId, source },
      { contextId, parentId: parent?.cause.contextId ?? null },
    );
    if (state !== undefined) {
      const attributes = { ...state.attributes, last_triggered: new Date(when * 1000).toISOString() };
      this.home.changeState(held.entityId, state.state, attributes, null);
    }
    const cause: ChangeCause = {
      contextId,
      parentId: parent?.cause.contextId ?? null,
      userId: null,
      keys: {
        context_event_type: "automation_triggered",
        context_domain: "automation",
        context_entity_id: held.entityId,
        context_name: held.alias,
        context_message: message,
        context_source: source,
      },
    };
    this.depth++;
    try {
      for (const action of held.actions) {
        const name = action.action ?? action.service;
        if (typeof name !== "string" || !name.includes(".")) continue;
        const [domain, service] = name.split(".") as [string, string];
        const data = isRecord(action.data) ? action.data : {};
        const target = isRecord(action.target) ? action.target : { entity_id: action.entity_id };
        this.home.applyService(domain, service, data, target, cause, when);
      }
    } finally {
      this.depth--;
    }
  }
}

/** Whether a trigger's value (a text or a list of texts) names this value. */
function matches(wanted: unknown, value: string): boolean {
  return Array.isArray(wanted) ? wanted.includes(value) : wanted === value;
}

/** Local minute of day of "HH:MM" or "HH:MM:SS" (undefined for anything else, e.g. an input_datetime). */
function minuteOf(at: unknown): number | undefined {
  const m = typeof at === "string" ? /^(\d{1,2}):(\d\d)(?::(\d\d))?$/.exec(at) : null;
  if (m === null) return undefined;
  return Number(m[1]) * 60 + Number(m[2]) + Number(m[3] ?? 0) / 60;
}
