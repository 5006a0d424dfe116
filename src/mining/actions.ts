/**
 * What a change means as an action a person takes, and as Home Assistant's service call that
 * repeats it: "Turn on" and `light.turn_on`, "Close" and `cover.close_cover`, … A change with no
 * action here (a sensor, an idle media player) can trigger a routine but is never proposed.
 */

/** A service call that makes the change: `light.turn_on`, with data when the state needs it. */
export interface ServiceAction {
  /** The imperative shown to people, with `{name}` for the entity's name: "Turn on {name}". */
  say: string;
  service: string;
  data?: Record<string, unknown>;
}

/** States that pass on the way (a cover opening) or say nothing a person chose. */
const NOT_A_CHOICE = new Set(["unknown", "unavailable", "opening", "closing", "locking", "unlocking", "jammed"]);

const ON_OFF_DOMAINS = new Set(["light", "switch", "fan", "input_boolean", "humidifier", "siren"]);
const CLIMATE_MODES = new Set(["heat", "cool", "heat_cool", "auto", "dry", "fan_only"]);

/** True when a logbook state is a passing or unknown state: neither a trigger nor an action. */
export function isPassingState(to: string): boolean {
  return NOT_A_CHOICE.has(to);
}

/** The action that makes `domain` entities go `to`, or undefined when a person cannot choose it. */
export function actionFor(domain: string, to: string): ServiceAction | undefined {
  if (ON_OFF_DOMAINS.has(domain)) {
    if (to === "on") return { say: "Turn on {name}", service: `${domain}.turn_on` };
    if (to === "off") return { say: "Turn off {name}", service: `${domain}.turn_off` };
    return undefined;
  }
  switch (domain) {
    case "cover":
      if (to === "open") return { say: "Open {name}", service: "cover.open_cover" };
      if (to === "closed") return { say: "Close {name}", service: "cover.close_cover" };
      return undefined;
    case "lock":
      if (to === "locked") return { say: "Lock {name}", service: "lock.lock" };
      if (to === "unlocked") return { say: "Unlock {name}", service: "lock.unlock" };
      return undefined;
    case "media_player":
      if (to === "playing") return { say: "Play {name}", service: "media_player.media_play" };
      if (to === "paused") return { say: "Pause {name}", service: "media_player.media_pause" };
      if (to === "on") return { say: "Turn on {name}", service: "media_player.turn_on" };
      if (to === "off") return { say: "Turn off {name}", service: "media_player.turn_off" };
      return undefined;
    case "climate":
      if (to === "off") return { say: "Turn off {name}", service: "climate.turn_off" };
      if (CLIMATE_MODES.has(to)) {
        return {
          say: `Set {name} to ${to.replace(/_/g, " ")}`,
          service: "climate.set_hvac_mode",
          data: { hvac_mode: to },
        };
      }
      return undefined;
    case "vacuum":
      if (to === "cleaning") return { say: "Start {name}", service: "vacuum.start" };
      if (to === "docked") return { say: "Dock {name}", service: "vacuum.return_to_base" };
      return undefined;
    case "input_select":
    case "select":
      return { say: `Set {name} to ${to}`, service: `${domain}.select_option`, data: { option: to } };
    case "scene":
      return { say: "Activate {name}", service: "scene.turn_on" };
    case "button":
    case "input_button":
      return { say: "Press {name}", service: `${domain}.press` };
    default:
      return undefined;
  }
}

/** The action's words for an entity: "Turn on Kitchen light". */
export function actionPhrase(action: ServiceAction, name: string): string {
  return action.say.replace("{name}", name);
}

/** The words after "when …" for a trigger: "Front door opens", "the sun sets". */
export function triggerPhrase(domain: string, to: string, name: string, deviceClass: string | undefined): string {
  if (domain === "binary_sensor") {
    const on = to === "on";
    switch (deviceClass) {
      case "door":
      case "garage_door":
      case "window":
      case "opening":
        return `${name} ${on ? "opens" : "closes"}`;
      case "motion":
      case "occupancy":
      case "presence":
        return on ? `${name} detects someone` : `${name} clears`;
      default:
        return `${name} turns ${on ? "on" : "off"}`;
    }
  }
  if (domain === "sun") return to === "below_horizon" ? "the sun sets" : "the sun rises";
  if (domain === "person" || domain === "device_tracker") {
    return to === "home" ? `${name} comes home` : to === "not_home" ? `${name} leaves home` : `${name} is at ${to}`;
  }
  if (domain === "scene") return `${name} is activated`;
  if (to === "on" || to === "off") return `${name} turns ${to}`;
  if (domain === "cover") return `${name} ${to === "open" ? "opens" : to === "closed" ? "closes" : `is ${to}`}`;
  if (domain === "lock") return `${name} is ${to}`;
  if (domain === "media_player" && to === "playing") return `${name} starts playing`;
  return `${name} changes to ${to.replace(/_/g, " ")}`;
}
