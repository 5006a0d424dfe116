import type { LogbookEntry } from "../../mining/home-data";
import { DOMAIN_STATES } from "../simulation/home-catalog";

/**
 * The entity services a simulated home offers (`light.turn_on`, `cover.open_cover`, …) and the
 * state each one leaves an entity in; who called one decides the logbook keys of its changes.
 */

/** The services of the entity domains, as Home Assistant names them. */
export const ENTITY_SERVICES: Record<string, string[]> = {
  light: ["turn_on", "turn_off", "toggle"],
  switch: ["turn_on", "turn_off", "toggle"],
  fan: ["turn_on", "turn_off", "toggle"],
  input_boolean: ["turn_on", "turn_off", "toggle"],
  media_player: ["turn_on", "turn_off", "toggle"],
  cover: ["open_cover", "close_cover", "toggle"],
  climate: ["turn_on", "turn_off", "set_hvac_mode"],
  lock: ["lock", "unlock"],
  scene: ["turn_on"],
  script: ["turn_on", "turn_off"],
};

/** What caused a change: its context (and user), and the keys its logbook rows carry. */
export interface ChangeCause {
  contextId: string;
  parentId: string | null;
  userId: string | null;
  keys: Partial<LogbookEntry>;
}

/** The keys of changes a user's service call made (a person in the app, HA Cloud for voice, the Supervisor for an app). */
export function callServiceKeys(userId: string | null, domain: string, service: string): Partial<LogbookEntry> {
  return {
    ...(userId === null ? {} : { context_user_id: userId }),
    context_event_type: "call_service",
    context_domain: domain,
    context_service: service,
  };
}

/** The entity ids a call targets, from `target.entity_id` or `service_data.entity_id` (a text or a list). */
export function targetEntityIds(data: Record<string, unknown>, target?: Record<string, unknown>): string[] {
  const ids = target?.entity_id ?? data.entity_id;
  if (typeof ids === "string") return ids.split(",").map((id) => id.trim());
  return Array.isArray(ids) ? ids.filter((id): id is string => typeof id === "string") : [];
}

/** The state a service leaves an entity in (undefined: the service changes nothing the simulator models). */
export function stateAfter(
  domain: string,
  service: string,
  current: string | undefined,
  data: Record<string, unknown>,
): string | undefined {
  const [active, resting] = DOMAIN_STATES[domain] ?? ["on", "off"];
  switch (service) {
    case "turn_on":
      return domain === "climate" ? "heat" : domain === "scene" ? new Date().toISOString() : "on";
    case "turn_off":
      return "off";
    case "toggle":
      return current === active ? resting : active;
    case "open_cover":
      return "open";
    case "close_cover":
      return "closed";
    case "lock":
      return "locked";
    case "unlock":
      return "unlocked";
    case "set_hvac_mode":
      return typeof data.hvac_mode === "string" ? data.hvac_mode : undefined;
    default:
      return undefined;
  }
}
