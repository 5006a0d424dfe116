/**
 * What the routine miner reads from Home Assistant, in Home Assistant's own shapes: logbook
 * entries as the websocket API sends them (`logbook/get_events`, `logbook/event_stream`, built
 * with `timestamp=True, include_entity_name=False`), the area, device and entity registries, and
 * the users (`auth/current_user`, `config/auth/list`). The reader in `src/ha/` fetches them; the
 * simulator in `src/testing/` serves them.
 */

/**
 * One logbook entry. A state row is `{when, state, entity_id}` (plus `icon`); a described event
 * (`automation_triggered`, `script_started`, …) carries `name`, `message`, `source`, `domain`.
 * The `context_*` keys say who caused it: `context_user_id` is the row's own context's user; the
 * others come from the first row of its context (for that first row, from its parent context's
 * first row). A change with no parent context (a wall switch, the device itself) has none.
 */
export interface LogbookEntry {
  /** Epoch seconds (fractional). */
  when: number;
  entity_id?: string;
  state?: string;
  icon?: string;
  name?: string;
  message?: string;
  source?: string;
  domain?: string;
  context_id?: string;
  context_user_id?: string;
  context_event_type?: string;
  context_domain?: string;
  context_service?: string;
  context_entity_id?: string;
  context_entity_id_name?: string;
  context_state?: string;
  context_name?: string;
  context_message?: string;
  context_source?: string;
}

/** `config/area_registry/list`: one area. */
export interface AreaEntry {
  area_id: string;
  name: string;
  [other: string]: unknown;
}

/** `config/device_registry/list`: one device. */
export interface DeviceEntry {
  id: string;
  area_id: string | null;
  name: string | null;
  name_by_user: string | null;
  [other: string]: unknown;
}

/** `config/entity_registry/list`: one entity. */
export interface EntityEntry {
  entity_id: string;
  device_id: string | null;
  area_id: string | null;
  platform: string;
  unique_id?: string;
  name?: string | null;
  original_name?: string | null;
  disabled_by?: string | null;
  [other: string]: unknown;
}

/** A user as `auth/current_user` and `config/auth/list` give one. */
export interface HomeUser {
  id: string;
  name: string;
  is_owner?: boolean;
  is_admin?: boolean;
  system_generated?: boolean;
  [other: string]: unknown;
}

/** An existing automation's configuration, as `GET /api/config/automation/config/<id>` answers. */
export interface AutomationConfig {
  id?: string;
  alias: string;
  description?: string;
  triggers: Record<string, unknown>[];
  conditions: Record<string, unknown>[];
  actions: Record<string, unknown>[];
  mode: "single" | "restart" | "queued" | "parallel";
}

/** The home around the logbook: registries, names and users; any part may be missing. */
export interface HomeRegistry {
  areas: AreaEntry[];
  devices: DeviceEntry[];
  entities: EntityEntry[];
  /** Friendly names from `get_states` (attributes.friendly_name), by entity id. */
  names: Record<string, string>;
  /** Device classes from `get_states` (attributes.device_class: door, motion, …), by entity id. */
  deviceClasses?: Record<string, string>;
  /** This connection's own user (`auth/current_user`): its actions are never a person's. */
  ownUserId: string | null;
  /** Every user, when `config/auth/list` could be read (admin); null when refused. */
  users: HomeUser[] | null;
  /** Home Assistant's time zone (`get_config`), e.g. "Europe/Berlin": routines are in local time. */
  timeZone: string;
}
