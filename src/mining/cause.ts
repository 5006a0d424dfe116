import type { HomeRegistry, LogbookEntry } from "./home-data";

/**
 * Who or what caused a change, read from the logbook entry's context keys (Home Assistant's
 * context model, see FACTS.md):
 * - `person`: a user's service call (app, dashboard, voice; HA Cloud's voice user counts: a
 *   person spoke);
 * - `physical`: no context keys at all — a wall switch, a remote, the device itself;
 * - `automation`, `script`: their context, or a context they started;
 * - `system`: this connection's own user, a system user such as the Supervisor (every app acts
 *   as it), or a person excluded by the settings;
 * - `scene`: a light a person's scene changed (the scene's own activation is the person's);
 * - `integration`: a change started by another entity's change or by a service call nobody made.
 */
export type Cause = "person" | "physical" | "automation" | "script" | "system" | "scene" | "integration";

/** Home Assistant Cloud's system user speaks for a person using Google Assistant or Alexa. */
const VOICE_USER_NAME = "Home Assistant Cloud";

/** Tells a person's action from everything else, for one home. */
export class CauseRules {
  private readonly notPeople = new Set<string>();

  constructor(home: Pick<HomeRegistry, "ownUserId" | "users">, excludePeople: readonly string[] = []) {
    if (home.ownUserId) this.notPeople.add(home.ownUserId);
    const excluded = new Set(excludePeople.map((p) => p.trim().toLowerCase()).filter((p) => p !== ""));
    for (const user of home.users ?? []) {
      const isVoice = user.name === VOICE_USER_NAME;
      if ((user.system_generated === true && !isVoice) || excluded.has(user.name.toLowerCase())) {
        this.notPeople.add(user.id);
      }
    }
    for (const id of excluded) this.notPeople.add(id);
  }

  /** Who caused the change this state row records. */
  cause(entry: LogbookEntry, domain: string): Cause {
    if (entry.context_event_type === "automation_triggered" || entry.context_domain === "automation") {
      return "automation";
    }
    if (entry.context_event_type === "script_started" || entry.context_domain === "script") return "script";
    const userId = entry.context_user_id;
    if (typeof userId === "string" && userId !== "") {
      if (this.notPeople.has(userId) || this.notPeople.has(userId.toLowerCase())) return "system";
      return entry.context_domain === "scene" && domain !== "scene" ? "scene" : "person";
    }
    if (entry.context_domain === "scene") return "scene";
    if (
      entry.context_event_type !== undefined ||
      entry.context_entity_id !== undefined ||
      entry.context_domain !== undefined
    ) {
      return "integration";
    }
    return "physical";
  }
}

/** True for what a person did by hand: the only changes that can become a routine. */
export function isByHand(cause: Cause): boolean {
  return cause === "person" || cause === "physical";
}

/** True for changes that something already automates (an automation, a script, an app). */
export function isAutomated(cause: Cause): boolean {
  return cause === "automation" || cause === "script" || cause === "system";
}
