/**
 * A generated home's registries as the miner reads them from Home Assistant (HomeRegistry), for
 * the runs that mine the logbook directly rather than through the simulator.
 */
import type { HomeRegistry } from "../../src/mining/home-data";
import type { GeneratedHome } from "../../src/testing/simulation/home-history";

/** The registries, names, device classes, users and time zone of a generated home. */
export function registryOf(home: GeneratedHome): HomeRegistry {
  const names: Record<string, string> = {};
  const deviceClasses: Record<string, string> = {};
  for (const state of home.states) {
    const attributes = (state.attributes ?? {}) as Record<string, unknown>;
    if (typeof attributes.friendly_name === "string") names[state.entity_id] = attributes.friendly_name;
    if (typeof attributes.device_class === "string") deviceClasses[state.entity_id] = attributes.device_class;
  }
  return {
    areas: home.areas,
    devices: home.devices,
    entities: home.entities,
    names,
    deviceClasses,
    // Mined directly, not over a connection: no user of ours acted in this home.
    ownUserId: null,
    users: home.users,
    timeZone: home.timeZone,
  };
}
