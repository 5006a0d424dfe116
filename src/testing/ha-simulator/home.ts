import { randomBytes } from "node:crypto";

/** A user's access token: admins may subscribe to any event, others only to the allowlist. */
export interface SimulatedToken {
  token: string;
  admin?: boolean;
  userId?: string;
  name?: string;
}

/** A token with its user filled in, as the simulator keeps it. */
export type SimulatedUser = SimulatedToken & { userId: string; name: string; admin: boolean };

/** How to start the simulator: where it listens, whom it accepts, what it offers. */
export interface SimulatorOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  /** Valid tokens; plain strings are admin tokens. */
  tokens?: (string | SimulatedToken)[];
  haVersion?: string;
  /** Notify services besides `notify.notify` (e.g. "mobile_app_phone"). */
  notifyServices?: string[];
  /** Person entities to start with (see SimulatedHome.addPerson). */
  people?: SimulatedPerson[];
}

/** A service call as received, for tests to check alerts and questions. */
export interface RecordedServiceCall {
  domain: string;
  service: string;
  serviceData: Record<string, unknown>;
  target?: Record<string, unknown>;
  userId: string;
  time: string;
}

/** An entity's state in Home Assistant's shape (`get_states`, `state_changed`). */
export interface SimulatedState {
  entity_id: string;
  state: string;
  attributes: Record<string, unknown>;
  last_changed: string;
  last_updated: string;
  context: SimulatedContext;
}

/** Home Assistant's context: which change caused what, and which user made it. */
export interface SimulatedContext {
  id: string;
  parent_id: string | null;
  user_id: string | null;
}

/** An event on the bus in Home Assistant's shape. */
export interface SimulatedEvent {
  event_type: string;
  data: Record<string, unknown>;
  origin: "LOCAL" | "REMOTE";
  time_fired: string;
  context: SimulatedContext;
}

/** A person of the household, as Home Assistant's person integration keeps one (`person.<id>`). */
export interface SimulatedPerson {
  /** The friendly name, e.g. "Anna". */
  name: string;
  /** The user account the person logs in with; none for someone without a login (e.g. a child). */
  userId?: string | null;
  /** The entity's object id (default: the name in lower case, spaces as underscores). */
  id?: string;
  /** Where the person is: "home" (default), "not_home", or a zone's name. */
  state?: string;
}

/** Who fired an event and from where. */
export interface FireOptions {
  origin?: "LOCAL" | "REMOTE";
  userId?: string | null;
  contextId?: string;
}

/**
 * The simulated home behind the protocol: users and their tokens, entity states, the services
 * on offer, the calls received, and the event bus, which hands every event to `deliver`.
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

  constructor(
    options: SimulatorOptions,
    private readonly deliver: (event: SimulatedEvent) => void,
  ) {
    for (const token of options.tokens ?? []) this.addToken(token);
    // Present from the start, as after Home Assistant's start-up: no event announces them.
    for (const person of options.people ?? []) this.putState(...personState(person));
    this.services = new Map([
      ["persistent_notification", new Set(["create", "dismiss", "dismiss_all"])],
      ["notify", new Set(["notify", "persistent_notification", ...(options.notifyServices ?? [])])],
      ["input_select", new Set(["select_option"])],
      ["automation", new Set(["turn_on", "turn_off", "trigger"])],
      ["homeassistant", new Set(["restart"])],
    ]);
  }

  /** Accepts another token; a string is an admin token. */
  addToken(token: string | SimulatedToken): SimulatedUser {
    const entry = typeof token === "string" ? { token } : token;
    const n = this.tokens.size + 1;
    const full = {
      ...entry,
      admin: entry.admin ?? true,
      userId: entry.userId ?? randomBytes(16).toString("hex"),
      name: entry.name ?? `User ${n}`,
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
      time_fired: new Date().toISOString(),
      context: { id: options.contextId ?? newContextId(), parent_id: null, user_id: options.userId ?? null },
    };
    this.deliver(event);
    return event;
  }

  /** Sets an entity's state and fires `state_changed`, as an integration would. */
  setState(
    entityId: string,
    state: string,
    attributes: Record<string, unknown> = {},
    userId: string | null = null,
  ): SimulatedState {
    const old = this.states.get(entityId);
    const next = this.putState(entityId, state, attributes, userId);
    this.fireEvent(
      "state_changed",
      { entity_id: entityId, old_state: old ?? null, new_state: next },
      { contextId: next.context.id, userId },
    );
    return next;
  }

  /** Sets an entity's state without announcing it. */
  private putState(
    entityId: string,
    state: string,
    attributes: Record<string, unknown>,
    userId: string | null = null,
  ): SimulatedState {
    const now = new Date().toISOString();
    const old = this.states.get(entityId);
    const next: SimulatedState = {
      entity_id: entityId,
      state,
      attributes,
      last_changed: old !== undefined && old.state === state ? old.last_changed : now,
      last_updated: now,
      context: { id: newContextId(), parent_id: null, user_id: userId },
    };
    this.states.set(entityId, next);
    return next;
  }

  /** Deletes an entity: `entity_registry_updated` (action remove) and a `state_changed` to null. */
  removeEntity(entityId: string): void {
    const old = this.states.get(entityId) ?? null;
    this.states.delete(entityId);
    this.fireEvent("entity_registry_updated", { action: "remove", entity_id: entityId });
    this.fireEvent("state_changed", { entity_id: entityId, old_state: old, new_state: null });
  }

  /** Records a service call and applies the few effects that tests and the demo look at. */
  callService(call: RecordedServiceCall): void {
    this.serviceCalls.push(call);
    const entityId = call.serviceData.entity_id ?? call.target?.entity_id;
    if (typeof entityId !== "string") return;
    const old = this.states.get(entityId);
    if (
      call.domain === "input_select" &&
      call.service === "select_option" &&
      typeof call.serviceData.option === "string"
    ) {
      this.setState(entityId, call.serviceData.option, old?.attributes ?? {}, call.userId);
    } else if (call.domain === "automation" && (call.service === "turn_on" || call.service === "turn_off")) {
      this.setState(entityId, call.service === "turn_on" ? "on" : "off", old?.attributes ?? {}, call.userId);
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
