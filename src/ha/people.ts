// The household's names. Feedback from Home Assistant records who decided as a user id (the
// event's `context.user_id`), which means nothing to a person reading a dashboard; Home
// Assistant's person entities (`person.*`) carry the user id they log in with in
// `attributes.user_id`, beside the person's friendly name.
import { HomeAssistantError } from "./errors";

/** What householdNames needs of a connection: its entity states (HomeAssistantConnection has it). */
export interface StatesReader {
  getStates(): Promise<unknown>;
}

/**
 * User id → name, read from the person entities in `get_states`. A person without a login (no
 * user id) is left out; a person without a friendly name is named by the entity's object id.
 * Rejects as the connection does (not connected, refused, timeout), and with `ha-command-failed`
 * when Home Assistant answers something other than a list of states.
 */
export async function householdNames(connection: StatesReader): Promise<Map<string, string>> {
  return namesOfPeople(await connection.getStates());
}

/** User id → name from a `get_states` answer (see householdNames). */
export function namesOfPeople(states: unknown): Map<string, string> {
  if (!Array.isArray(states)) {
    throw new HomeAssistantError(
      "ha-command-failed",
      "Home Assistant answered get_states with something other than a list of states.",
    );
  }
  const names = new Map<string, string>();
  for (const state of states) {
    if (typeof state !== "object" || state === null) continue;
    const { entity_id: entityId, attributes } = state as { entity_id?: unknown; attributes?: unknown };
    if (typeof entityId !== "string" || !entityId.startsWith("person.")) continue;
    if (typeof attributes !== "object" || attributes === null) continue;
    const { user_id: userId, friendly_name: friendlyName } = attributes as Record<string, unknown>;
    if (typeof userId !== "string" || userId === "") continue;
    const name = typeof friendlyName === "string" && friendlyName.trim() !== "" ? friendlyName.trim() : undefined;
    names.set(userId, name ?? entityId.slice("person.".length));
  }
  return names;
}
