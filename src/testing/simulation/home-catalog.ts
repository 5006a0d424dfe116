/**
 * What a generated home is made of: its areas, the entities every home has (by area, with
 * friendly names), the sensors with a past of their own, and the states and services of the
 * actionable domains, as Home Assistant names them.
 */

/** The states an actionable domain moves between: [active, resting]. */
export const DOMAIN_STATES: Record<string, [string, string]> = {
  light: ["on", "off"],
  switch: ["on", "off"],
  cover: ["open", "closed"],
  climate: ["heat", "off"],
  fan: ["on", "off"],
  media_player: ["on", "off"],
  lock: ["locked", "unlocked"],
  input_boolean: ["on", "off"],
};

/** The service that takes an entity of this domain to this state, as Home Assistant names it. */
export function serviceFor(domain: string, state: string): string {
  if (domain === "cover") return state === "open" ? "open_cover" : "close_cover";
  if (domain === "lock") return state === "locked" ? "lock" : "unlock";
  if (domain === "climate") return "set_hvac_mode";
  return state === "off" ? "turn_off" : "turn_on";
}

/** [area id, name] of the areas every generated home has. */
export const AREAS: [string, string][] = [
  ["kitchen", "Kitchen"],
  ["living_room", "Living room"],
  ["bedroom", "Bedroom"],
  ["kids_room", "Kids' room"],
  ["bathroom", "Bathroom"],
  ["hallway", "Hallway"],
  ["office", "Office"],
  ["utility_room", "Utility room"],
  ["garage", "Garage"],
  ["garden", "Garden"],
];

/** [object id, area, friendly name] of the actionable entities every generated home has. */
export const ACTIONABLE: [string, string, string][] = [
  ["light.kitchen", "kitchen", "Kitchen light"],
  ["light.kitchen_counter", "kitchen", "Kitchen counter light"],
  ["light.living_room", "living_room", "Living room light"],
  ["light.living_room_floor_lamp", "living_room", "Living room floor lamp"],
  ["light.bedroom", "bedroom", "Bedroom light"],
  ["light.bedside", "bedroom", "Bedside lamp"],
  ["light.hallway", "hallway", "Hallway light"],
  ["light.stairs", "hallway", "Stairs light"],
  ["light.bathroom", "bathroom", "Bathroom light"],
  ["light.office", "office", "Office light"],
  ["light.kids_room", "kids_room", "Kids' room light"],
  ["light.garage", "garage", "Garage light"],
  ["light.garden", "garden", "Garden light"],
  ["light.porch", "garden", "Porch light"],
  ["switch.coffee_machine", "kitchen", "Coffee machine"],
  ["switch.kettle", "kitchen", "Kettle"],
  ["switch.garden_irrigation", "garden", "Garden irrigation"],
  ["switch.office_monitor", "office", "Office monitor"],
  ["cover.bedroom_blinds", "bedroom", "Bedroom blinds"],
  ["cover.living_room_blinds", "living_room", "Living room blinds"],
  ["cover.office_blinds", "office", "Office blinds"],
  ["cover.garage_door", "garage", "Garage door"],
  ["climate.bathroom", "bathroom", "Bathroom heating"],
  ["climate.living_room", "living_room", "Living room heating"],
  ["climate.bedroom", "bedroom", "Bedroom heating"],
  ["fan.bathroom", "bathroom", "Bathroom fan"],
  ["fan.bedroom", "bedroom", "Bedroom fan"],
  ["media_player.living_room_tv", "living_room", "Living room TV"],
  ["media_player.kitchen_speaker", "kitchen", "Kitchen speaker"],
  ["lock.front_door", "hallway", "Front door lock"],
  ["lock.back_door", "utility_room", "Back door lock"],
  ["input_boolean.guest_mode", "living_room", "Guest mode"],
  ["input_boolean.movie_mode", "living_room", "Movie mode"],
];

/** [entity id, area, name, states, chatter weight]: sensors with a past of their own. */
export const SENSORS: [string, string, string, string[], number][] = [
  ["binary_sensor.front_door", "hallway", "Front door", ["off", "on"], 0],
  ["binary_sensor.garage_door", "garage", "Garage door sensor", ["off", "on"], 0],
  ["binary_sensor.bathroom_motion", "bathroom", "Bathroom motion", ["off", "on"], 0],
  ["binary_sensor.stairs_motion", "hallway", "Stairs motion", ["off", "on"], 0],
  ["binary_sensor.kitchen_motion", "kitchen", "Kitchen motion", ["off", "on"], 3],
  ["binary_sensor.living_room_motion", "living_room", "Living room motion", ["off", "on"], 3],
  ["binary_sensor.office_motion", "office", "Office motion", ["off", "on"], 2],
  ["binary_sensor.kids_room_motion", "kids_room", "Kids' room motion", ["off", "on"], 2],
  ["sensor.washer_status", "utility_room", "Washer status", ["idle", "washing", "rinsing", "spinning", "done"], 1],
  ["sensor.dishwasher_status", "kitchen", "Dishwasher status", ["off", "washing", "drying", "done"], 1],
  ["sensor.printer_status", "office", "Printer status", ["idle", "printing", "sleep"], 0.5],
];

/** [kind, label, continuous] of the entities that fill a home up to its size. */
export const FILLERS: [string, string, boolean][] = [
  ["temperature", "Temperature", true],
  ["window", "Window", false],
  ["humidity", "Humidity", true],
  ["plug", "Plug", false],
  ["illuminance", "Illuminance", true],
];

/** The household's first names, in order. */
export const NAMES = ["Anna", "Ben", "Clara", "David", "Emma", "Felix", "Greta", "Hugo"];
