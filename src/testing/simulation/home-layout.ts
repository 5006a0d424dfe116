import type { AreaEntry, DeviceEntry, EntityEntry, HomeUser } from "../../mining/home-data";
import type { SimulatedPerson } from "../ha-simulator/home";
import { ACTIONABLE, AREAS, DOMAIN_STATES, FILLERS, NAMES, SENSORS } from "./home-catalog";
import type { SeededRandom } from "./random";

/**
 * The home itself, before it has a past: areas with real-looking names, devices in them,
 * entities (actionable ones, sensors that change by themselves, continuous sensors the logbook
 * never shows, phones, `sun.sun`), the users (owner, people with logins, HA's system users) and
 * the person entities. Every id comes from the seeded generator, so a seed gives the same home.
 */

/** What an entity does in the simulated home's past. */
export type EntityRole =
  /** Changed by people (and by routines, automations, apps): lights, switches, covers, … */
  | "actionable"
  /** A door or motion sensor that only changes when the history says so (routine triggers). */
  | "trigger"
  /** Changes by itself every few minutes, no context: most of the logbook's volume. */
  | "chatter"
  /** Has a unit or state class: Home Assistant keeps it out of the logbook. */
  | "continuous"
  /** Everything else: scenes, automations, scripts, persons, the sun. */
  | "other";

/** An entity as the generator knows it: registry facts plus how it behaves. */
export interface EntitySpec {
  entityId: string;
  name: string;
  role: EntityRole;
  /** The state it starts the window in. */
  initial: string;
  /** States it moves between (chatter picks among them). */
  states: string[];
  /** Share of the chatter volume (0 for non-chatter). */
  chatterWeight: number;
  attributes: Record<string, unknown>;
}

/** The generated home without its past. */
export interface HomeLayout {
  areas: AreaEntry[];
  devices: DeviceEntry[];
  entities: EntityEntry[];
  specs: Map<string, EntitySpec>;
  users: HomeUser[];
  people: SimulatedPerson[];
  /** User ids by role: the people's (with logins), and HA's system users. */
  personUserIds: string[];
  supervisorUserId: string;
  cloudUserId: string;
}

/** Home Assistant's slug of a name ("Porch light on" → "porch_light_on"): an automation's object id. */
export function slugify(text: string): string {
  const slug = text
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "");
  return slug === "" ? "unknown" : slug;
}

/** A 32-character hex id (Home Assistant's user, device and registry ids look like this). */
export function hexId(rng: SeededRandom): string {
  let id = "";
  for (let i = 0; i < 4; i++) id += rng.nextUint32().toString(16).padStart(8, "0");
  return id;
}

/** Builds the home: about `entityCount` entities for `people` people. */
export function buildLayout(rng: SeededRandom, entityCount: number, peopleCount: number): HomeLayout {
  const created = "2026-01-10T09:00:00.000000+00:00";
  const areas: AreaEntry[] = AREAS.map(([area_id, name]) => ({
    area_id,
    name,
    aliases: [],
    floor_id: null,
    icon: null,
    labels: [],
    picture: null,
    created_at: created,
    modified_at: created,
  }));
  const devices: DeviceEntry[] = [];
  const entities: EntityEntry[] = [];
  const specs = new Map<string, EntitySpec>();

  const addDevice = (name: string, areaId: string | null, manufacturer: string): string => {
    const id = hexId(rng);
    devices.push({
      id,
      area_id: areaId,
      name,
      name_by_user: null,
      manufacturer,
      model: `${manufacturer} ${name.split(" ").at(-1)}`,
      config_entries: [hexId(rng)],
      identifiers: [[manufacturer.toLowerCase(), id.slice(0, 12)]],
      connections: [],
      disabled_by: null,
      entry_type: null,
      via_device_id: null,
      sw_version: "1.0.0",
      created_at: created,
      modified_at: created,
    });
    return id;
  };
  const add = (
    spec: Omit<EntitySpec, "attributes"> & { attributes?: Record<string, unknown> },
    deviceId: string | null,
    ownAreaId: string | null,
    platform: string,
  ): void => {
    specs.set(spec.entityId, { ...spec, attributes: { friendly_name: spec.name, ...(spec.attributes ?? {}) } });
    entities.push({
      entity_id: spec.entityId,
      device_id: deviceId,
      area_id: ownAreaId,
      platform,
      unique_id: hexId(rng),
      id: hexId(rng),
      name: null,
      original_name: spec.name,
      icon: null,
      disabled_by: null,
      hidden_by: null,
      entity_category: null,
      has_entity_name: false,
      labels: [],
      categories: {},
      options: {},
      config_entry_id: null,
      created_at: created,
      modified_at: created,
    });
  };

  for (const [entityId, area, name] of ACTIONABLE) {
    const domain = entityId.split(".")[0]!;
    const [active, resting] = DOMAIN_STATES[domain]!;
    const initial = domain === "lock" ? active : resting;
    const spec = { entityId, name, role: "actionable" as const, initial, states: [active, resting], chatterWeight: 0 };
    if (domain === "input_boolean") add(spec, null, area, "input_boolean");
    else if (rng.chance(0.1)) {
      // A lamp whose device sits in one area but which the household moved: its own area wins.
      add(spec, addDevice(name, rng.pick(AREAS)[0], "Shelly"), area, domain === "light" ? "hue" : "shelly");
    } else add(spec, addDevice(name, area, domain === "light" ? "Signify" : "Shelly"), null, "zha");
  }
  for (const [entityId, area, name, states, weight] of SENSORS) {
    const role = weight > 0 ? "chatter" : "trigger";
    const deviceClass = entityId.includes("motion") ? "motion" : entityId.includes("door") ? "door" : undefined;
    const attributes = deviceClass === undefined ? {} : { device_class: deviceClass };
    add(
      { entityId, name, role, initial: states[0]!, states, chatterWeight: weight, attributes },
      addDevice(name, area, "Aqara"),
      null,
      "zha",
    );
  }
  for (const [entityId, name, states] of [
    ["scene.good_morning", "Good morning", ["light.living_room", "cover.living_room_blinds"]],
    ["scene.movie_night", "Movie night", ["light.living_room_floor_lamp", "media_player.living_room_tv"]],
  ] as [string, string, string[]][]) {
    add(
      {
        entityId,
        name,
        role: "other",
        initial: "unknown",
        states: [],
        chatterWeight: 0,
        attributes: { entity_id: states },
      },
      null,
      "living_room",
      "homeassistant",
    );
  }
  add(
    { entityId: "sun.sun", name: "Sun", role: "other", initial: "below_horizon", states: [], chatterWeight: 0 },
    null,
    null,
    "sun",
  );

  const users: HomeUser[] = [];
  const people: SimulatedPerson[] = [];
  const personUserIds: string[] = [];
  for (let i = 0; i < peopleCount; i++) {
    const name = NAMES[i % NAMES.length]! + (i >= NAMES.length ? ` ${Math.floor(i / NAMES.length) + 1}` : "");
    const id = name.toLowerCase().replace(/\W+/g, "_");
    // From the fourth person on, children without a login of their own.
    const userId = i < 3 ? hexId(rng) : null;
    if (userId !== null) {
      personUserIds.push(userId);
      users.push(user(userId, name, id, { is_owner: i === 0, is_admin: i < 2 }));
    }
    people.push({ name, userId, id, state: "home" });
    add(
      { entityId: `person.${id}`, name, role: "other", initial: "home", states: [], chatterWeight: 0 },
      null,
      null,
      "person",
    );
    const phone = addDevice(`${name}'s phone`, null, "Google");
    add(
      {
        entityId: `device_tracker.${id}_phone`,
        name: `${name}'s phone`,
        role: "chatter",
        initial: "home",
        states: ["home", "not_home"],
        chatterWeight: 0.3,
        attributes: { source_type: "gps" },
      },
      phone,
      null,
      "mobile_app",
    );
    add(
      {
        entityId: `sensor.${id}_phone_activity`,
        name: `${name}'s phone activity`,
        role: "chatter",
        initial: "Stationary",
        states: ["Stationary", "Walking", "Automotive", "Running"],
        chatterWeight: 1.5,
      },
      phone,
      null,
      "mobile_app",
    );
  }
  const supervisorUserId = hexId(rng);
  const cloudUserId = hexId(rng);
  users.push(
    user(supervisorUserId, "Supervisor", null, { is_admin: true, system_generated: true }),
    user(cloudUserId, "Home Assistant Cloud", null, { system_generated: true }),
    user(hexId(rng), "Home Assistant Content", null, { system_generated: true }),
  );

  // Filler sensors and plugs, area by area, until the home has about `entityCount` entities
  // (the history adds its automations and script: about 6).
  for (let i = 0; specs.size + 6 < entityCount; i++) {
    const [areaId, areaName] = AREAS[i % AREAS.length]!;
    const [kind, label, continuous] = FILLERS[Math.floor(i / AREAS.length) % FILLERS.length]!;
    const round = Math.floor(i / (AREAS.length * FILLERS.length));
    const suffix = round === 0 ? "" : `_${round + 1}`;
    const name = `${areaName} ${label.toLowerCase()}${round === 0 ? "" : ` ${round + 1}`}`;
    add(filler(kind, `${areaId}_${kind}${suffix}`, name, continuous), addDevice(name, areaId, "Aqara"), null, "zha");
  }
  return { areas, devices, entities, specs, users, people, personUserIds, supervisorUserId, cloudUserId };
}

/** A filler entity: a continuous sensor (never in the logbook), a window sensor (chatter) or a quiet plug. */
function filler(kind: string, objectId: string, name: string, continuous: boolean): EntitySpec {
  if (continuous) {
    const [unit, initial] = kind === "temperature" ? ["°C", "20.5"] : kind === "humidity" ? ["%", "48"] : ["lx", "120"];
    const attributes = { unit_of_measurement: unit, state_class: "measurement", device_class: kind };
    return {
      entityId: `sensor.${objectId}`,
      name,
      role: "continuous",
      initial,
      states: [],
      chatterWeight: 0,
      attributes,
    };
  }
  if (kind === "window") {
    const attributes = { device_class: "window" };
    const states = ["off", "on"];
    return {
      entityId: `binary_sensor.${objectId}`,
      name,
      role: "chatter",
      initial: "off",
      states,
      chatterWeight: 0.5,
      attributes,
    };
  }
  return {
    entityId: `switch.${objectId}`,
    name,
    role: "actionable",
    initial: "off",
    states: ["on", "off"],
    chatterWeight: 0,
    attributes: {},
  };
}

/** A user in the shape of `config/auth/list`. */
function user(id: string, name: string, username: string | null, flags: Partial<HomeUser>): HomeUser {
  return {
    id,
    username,
    name,
    is_owner: false,
    is_admin: false,
    is_active: true,
    local_only: false,
    system_generated: false,
    group_ids: [flags.is_admin ? "system-admin" : "system-users"],
    credentials: username === null ? [] : [{ type: "homeassistant" }],
    ...flags,
  };
}
