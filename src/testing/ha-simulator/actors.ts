import type { LogbookEntry } from "../../mining/home-data";
import { serviceFor } from "../simulation/home-catalog";
import { callServiceKeys } from "./entity-services";
import { newContextId, type SimulatedHome } from "./home";
import type { SimulatedState } from "./types";

/**
 * Who makes a change a test or the demo asks for, and so which context keys its logbook row
 * carries (FACTS.md, "Who caused a change"):
 * - `wall`: a wall switch or the device itself: no context keys;
 * - `user`: a service call by that user (a person in the app, or an app as the Supervisor user);
 * - `voice`: a voice assistant through HA Cloud: the "Home Assistant Cloud" user's service call;
 * - `automation` / `script`: its `automation_triggered` / `script_started` row first, then the
 *   change in its context (the automation need not exist: the row is what the logbook shows).
 */
export type SimulatedActor =
  | { by: "wall" }
  | { by: "user"; userId: string }
  | { by: "voice" }
  | { by: "automation"; entityId: string; alias?: string; source?: string }
  | { by: "script"; entityId: string; alias?: string };

/** Changes an entity's state as the actor would, writing the logbook rows Home Assistant would write. */
export function actAs(home: SimulatedHome, actor: SimulatedActor, entityId: string, state: string): SimulatedState {
  const domain = entityId.split(".")[0]!;
  const attributes = home.states.get(entityId)?.attributes ?? {};
  switch (actor.by) {
    case "wall":
      return home.changeState(entityId, state, attributes, home.cause(null));
    case "user":
      return home.changeState(entityId, state, attributes, home.cause(actor.userId, service(domain, state)));
    case "voice": {
      const cloud = home.users.find((u) => u.system_generated && u.name === "Home Assistant Cloud");
      if (cloud === undefined) throw new Error("This home has no Home Assistant Cloud user: generate one with a home");
      return home.changeState(entityId, state, attributes, home.cause(cloud.id, service(domain, state)));
    }
    default: {
      const automation = actor.by === "automation";
      const alias = actor.alias ?? home.states.get(actor.entityId)?.attributes.friendly_name ?? actor.entityId;
      const source = automation ? (actor.source ?? "action") : undefined;
      const message = automation ? `triggered by ${source}` : "started";
      const contextId = newContextId();
      const row: LogbookEntry = {
        when: home.clock.nowSeconds(),
        name: String(alias),
        message,
        ...(source === undefined ? {} : { source }),
        entity_id: actor.entityId,
        domain: actor.by,
        context_id: contextId,
      };
      home.logbook.append(row, contextId);
      const keys: Partial<LogbookEntry> = {
        context_event_type: automation ? "automation_triggered" : "script_started",
        context_domain: actor.by,
        context_entity_id: actor.entityId,
        context_name: String(alias),
        context_message: message,
        ...(source === undefined ? {} : { context_source: source }),
      };
      return home.changeState(entityId, state, attributes, { contextId, parentId: null, userId: null, keys });
    }
  }
}

/** The call_service keys of the service that makes this change (the user's id is the cause's). */
function service(domain: string, state: string): Partial<LogbookEntry> {
  return callServiceKeys(null, domain, serviceFor(domain, state));
}
