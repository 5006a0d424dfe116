import { randomBytes } from "node:crypto";
import type { AreaEntry, DeviceEntry, EntityEntry, HomeUser, LogbookEntry } from "../../mining/home-data";
import { DOMAIN_STATES } from "../simulation/home-catalog";
import { AutomationEngine } from "./automations";
import { SimulatedClock } from "./clock";
import { type ChangeCause, callServiceKeys, ENTITY_SERVICES, stateAfter, targetEntityIds } from "./entity-services";
import { HomeLogbook } from "./logbook";
import type {
  FireOptions,
  RecordedServiceCall,
  SimulatedEvent,
  SimulatedPerson,
  SimulatedState,
  SimulatedToken,
  SimulatedUser,
  SimulatorOptions,
} from "./types";

export type {
  FireOptions,
  RecordedServiceCall,
  SimulatedContext,
  SimulatedEvent,
  SimulatedPerson,
  SimulatedState,
  SimulatedToken,
  SimulatedUser,
  SimulatorOptions,
} from "./types";

/**
 * The simulated home behind the protocol: users and their tokens, entity states, the registries,
 * the logbook, the automations, the services on offer, the calls received, and the event bus,
 * which hands every event to `deliver`. Every state change writes its logbook row with the
 * context keys of whoever caused it (FACTS.md, "Who caused a change").
 */
export class SimulatedHome {
  /** Every service call received, in order. */
  readonly serviceCalls: RecordedServiceCall[] = [];
  /** Valid tokens and their users. */
  readonly tokens = new Map<string, SimulatedUser>();
  /** Entity states by entity id. */
  readonly states = new Map<string, SimulatedState>();
  /** The services on offer, by domain. */
  readonly services: Map<string, Set<string>>;
  readonly clock = new SimulatedClock();
  readonly logbook = new HomeLogbook();
  readonly automations: AutomationEngine;
  readonly areas: AreaEntry[];
  readonly devices: DeviceEntry[];
  readonly entities: EntityEntry[];
  /** The home's users (`config/auth/list`); token users not among them are added as they come. */
  readonly users: HomeUser[];
  readonly timeZone: string;
  /** The integrations loaded: see SimulatorOptions.components. */
  readonly components: Set<string>;

  constructor(
    options: SimulatorOptions,
    private readonly deliver: (event: SimulatedEvent) => void,
  ) {
    const home = options.home;
    this.areas = structuredClone(home?.areas ?? []);
    this.devices = structuredClone(home?.devices ?? []);
    this.entities = structuredClone(home?.entities ?? []);
    this.users = structuredClone(home?.users ?? []);
    this.timeZone = home?.timeZone ?? "UTC";
    for (const token of options.tokens ?? []) this.addToken(token);
    // Present from the start, as after Home Assistant's start-up: no event announces them.
    for (const state of home?.states ?? []) this.states.set(state.entity_id, structuredClone(state));
    for (const person of options.people ?? []) this.putState(...personState(person), this.cause(null));
    if (home !== undefined) this.logbook.load(home.logbook, home.logbookContextIds);
    this.services = new Map([
      ["persistent_notification", new Set(["create", "dismiss", "dismiss_all"])],
      ["notify", new Set(["notify", "persistent_notification", ...(options.notifyServices ?? [])])],
      ["input_select", new Set(["select_option"])],
      ["automation", new Set(["turn_on", "turn_off", "toggle", "trigger"])],
      ["homeassistant", new Set(["restart"])],
    ]);
    if (home !== undefined)
      for (const [domain, services] of Object.entries(ENTITY_SERVICES)) this.services.set(domain, new Set(services));
    this.components = new Set(
      options.components ?? [...this.services.keys(), "config", "logbook", "recorder", "mobile_app", "websocket_api"],
    );
    this.automations = new AutomationEngine(this);
    this.automations.load(home?.automations ?? []);
  }

  /** Accepts another token; a string is an admin token. A home user's id gives the token that user's name and role. */
  addToken(token: string | SimulatedToken): SimulatedUser {
    const entry = typeof token === "string" ? { token } : token;
    const known = this.users.find((u) => u.id === entry.userId);
    const n = this.tokens.size + 1;
    const full = {
      ...entry,
      admin: entry.admin ?? known?.is_admin ?? true,
      userId: entry.userId ?? randomBytes(16).toString("hex"),
      name: entry.name ?? known?.name ?? `User ${n}`,
    };
    this.tokens.set(full.token, full);
    return full;
  }

  /**
   * Adds a person entity in Home Assistant's shape: `person.<id>` with `user_id` (null without a
   * login), `friendly_name`, `id`, `device_trackers` and `editable` attributes. Fires `state_changed`.
   */
  addPerson(person: SimulatedPerson): SimulatedState {
    return this.setState(...personState(person));
  }

  /** Fires an event on the bus: subscribers get it; returns it as sent. */
  fireEvent(eventType: string, data: Record<string, unknown> = {}, options: FireOptions = {}): SimulatedEvent {
    const event: SimulatedEvent = {
      event_type: eventType,
      data,
      origin: options.origin ?? "LOCAL",
      time_fired: this.clock.iso(),
      context: {
        id: options.contextId ?? newContextId(),
        parent_id: options.parentId ?? null,
        user_id: options.userId ?? null,
      },
    };
    this.deliver(event);
    return event;
  }

  /** Sets an entity's state and fires `state_changed`, as an integration would (with a user: as that user did). */
  setState(
    entityId: string,
    state: string,
    attributes: Record<string, unknown> = {},
    userId: string | null = null,
  ): SimulatedState {
    return this.changeState(entityId, state, attributes, this.cause(userId));
  }

  /** A fresh context with no parent: a wall switch or the device itself, or a user's direct change. */
  cause(userId: string | null, keys: Partial<LogbookEntry> = {}): ChangeCause {
    return {
      contextId: newContextId(),
      parentId: null,
      userId,
      keys: userId === null ? keys : { context_user_id: userId, ...keys },
    };
  }

  /**
   * Changes a state as `cause` did: fires `state_changed`, writes the logbook row (not for a new
   * entity, an attribute-only change, or a continuous sensor, as HA's logbook does), then runs the
   * automations the change triggers. `null` cause: an attribute update with a fresh context.
   */
  changeState(
    entityId: string,
    state: string,
    attributes: Record<string, unknown>,
    cause: ChangeCause | null,
    when = this.clock.nowSeconds(),
  ): SimulatedState {
    const old = this.states.get(entityId);
    const by = cause ?? this.cause(null);
    const next = this.putState(entityId, state, attributes, by);
    this.fireEvent(
      "state_changed",
      { entity_id: entityId, old_state: old ?? null, new_state: next },
      { contextId: by.contextId, parentId: by.parentId, userId: by.userId },
    );
    const continuous = isContinuous(entityId, attributes);
    if (old !== undefined && old.state !== state && !continuous) {
      this.logbook.append({ when, state, entity_id: entityId, ...by.keys }, by.contextId);
      this.automations.stateChanged(entityId, old.state, state, by, when);
    }
    return next;
  }

  /** Sets an entity's state without announcing it. */
  private putState(
    entityId: string,
    state: string,
    attributes: Record<string, unknown>,
    cause: ChangeCause,
  ): SimulatedState {
    const now = this.clock.iso();
    const old = this.states.get(entityId);
    const next: SimulatedState = {
      entity_id: entityId,
      state,
      attributes,
      last_changed: old !== undefined && old.state === state ? old.last_changed : now,
      last_updated: now,
      context: { id: cause.contextId, parent_id: cause.parentId, user_id: cause.userId },
    };
    this.states.set(entityId, next);
    return next;
  }

  /** Adds an entity to the registry (`entity_registry_updated`, action create) and returns its entity id, made unique. */
  registerEntity(wanted: string, platform: string, uniqueId: string, name: string): string {
    let entityId = wanted;
    for (let n = 2; this.states.has(entityId) || this.entities.some((e) => e.entity_id === entityId); n++)
      entityId = `${wanted}_${n}`;
    const now = this.clock.iso();
    this.entities.push({
      entity_id: entityId,
      device_id: null,
      area_id: null,
      platform,
      unique_id: uniqueId,
      id: randomBytes(16).toString("hex"),
      name: null,
      original_name: name,
      disabled_by: null,
      hidden_by: null,
      created_at: now,
      modified_at: now,
    });
    this.fireEvent("entity_registry_updated", { action: "create", entity_id: entityId });
    return entityId;
  }

  /** Deletes an entity: `entity_registry_updated` (action remove) and a `state_changed` to null. */
  removeEntity(entityId: string): void {
    const old = this.states.get(entityId) ?? null;
    this.states.delete(entityId);
    const index = this.entities.findIndex((e) => e.entity_id === entityId);
    if (index >= 0) this.entities.splice(index, 1);
    this.fireEvent("entity_registry_updated", { action: "remove", entity_id: entityId });
    this.fireEvent("state_changed", { entity_id: entityId, old_state: old, new_state: null });
  }

  /** Records a service call and applies its effects, with the caller's context keys on the changes. */
  callService(call: RecordedServiceCall): void {
    this.serviceCalls.push(call);
    const cause = this.cause(call.userId, callServiceKeys(null, call.domain, call.service));
    if (call.domain === "input_select" && call.service === "select_option") {
      const entityId = targetEntityIds(call.serviceData, call.target)[0];
      const old = entityId === undefined ? undefined : this.states.get(entityId);
      if (entityId !== undefined && typeof call.serviceData.option === "string")
        this.changeState(entityId, call.serviceData.option, old?.attributes ?? {}, cause);
    } else if (call.domain === "automation" && call.service === "trigger") {
      for (const entityId of targetEntityIds(call.serviceData, call.target)) this.automations.runNow(entityId);
    } else this.applyService(call.domain, call.service, call.serviceData, call.target, cause);
  }

  /**
   * What an entity service does to its targets, in `cause`'s context: `turn_on`/`turn_off`/
   * `toggle` and the domain's own (`open_cover`, `lock`, …); `scene.turn_on` sets the scene's
   * state to the time and its entities on. Unknown entities are left alone, as HA does.
   */
  applyService(
    domain: string,
    service: string,
    data: Record<string, unknown>,
    target: Record<string, unknown> | undefined,
    cause: ChangeCause,
    when = this.clock.nowSeconds(),
  ): void {
    for (const entityId of targetEntityIds(data, target)) {
      const old = this.states.get(entityId);
      if (old === undefined || entityId.split(".")[0] !== domain) continue;
      const state =
        domain === "scene" ? new Date(when * 1000).toISOString() : stateAfter(domain, service, old.state, data);
      if (state === undefined) continue;
      this.changeState(entityId, state, old.attributes, cause, when);
      const members = domain === "scene" && Array.isArray(old.attributes.entity_id) ? old.attributes.entity_id : [];
      for (const member of members.filter((m): m is string => typeof m === "string")) {
        const current = this.states.get(member);
        const active = DOMAIN_STATES[member.split(".")[0]!]?.[0] ?? "on";
        if (current !== undefined) this.changeState(member, active, current.attributes, cause, when);
      }
    }
  }
}

/** A person's entity id, state and attributes, as Home Assistant's person integration sets them. */
export function personState(person: SimulatedPerson): [string, string, Record<string, unknown>] {
  const id = person.id ?? person.name.trim().toLowerCase().replace(/\s+/g, "_");
  const attributes = {
    editable: true,
    id,
    device_trackers: [],
    user_id: person.userId ?? null,
    friendly_name: person.name,
  };
  return [`person.${id}`, person.state ?? "home", attributes];
}

/** A sensor with a unit or a state class: Home Assistant keeps it out of the logbook. */
export function isContinuous(entityId: string, attributes: Record<string, unknown>): boolean {
  return entityId.startsWith("sensor.") && ("unit_of_measurement" in attributes || "state_class" in attributes);
}

/** A context id in the shape Home Assistant uses (a 26-character ULID). */
export function newContextId(): string {
  const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  const time = Date.now().toString(32).toUpperCase().padStart(10, "0");
  const bytes = randomBytes(16);
  let random = "";
  for (let i = 0; i < 16; i++) random += alphabet[bytes[i]! % 32];
  return `${time}${random}`;
}

/** A plain JSON object (not null, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
