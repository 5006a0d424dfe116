import type { GeneratedHome } from "../simulation/home-history";

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
  /**
   * A generated home with a past to serve: its states, registries, users, logbook and
   * automations (which the simulator runs). A token whose `userId` is one of its users takes
   * that user's name and admin flag (e.g. the Supervisor user's, as an app's connection has).
   */
  home?: GeneratedHome;
  /**
   * The integrations loaded (`get_config`'s components). Default: all the simulator offers;
   * without "logbook" the logbook commands answer `unknown_command`, as a Home Assistant
   * without the recorder does.
   */
  components?: string[];
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
  parentId?: string | null;
}
