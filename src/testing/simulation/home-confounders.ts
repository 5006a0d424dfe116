import type { AutomationConfig } from "../../mining/home-data";
import type { Confounder, ConfounderKind } from "./home-history";
import { type EntitySpec, type HomeLayout, hexId, slugify } from "./home-layout";
import { micro } from "./home-logbook";
import { type Past, personChange, plantTimeRoutine } from "./home-routines";
import { localToEpochMs } from "./local-time";

/**
 * What a routine miner must never suggest, planted in the past beside the household's routines:
 * automations (at a fixed time, and on motion), a script, an app acting as the Supervisor user,
 * one-off person actions, a routine that stopped, and chatter, the sensors that change by
 * themselves (most of the logbook's volume).
 */

/** Rows per entity per day the whole logbook aims at (28 days × 150 entities ≈ 100,000 rows). */
const ROWS_PER_ENTITY_DAY = 26.5;

/** Plants the confounders that are `on`, adding the automations and the script to the home. */
export function plantConfounders(
  past: Past,
  layout: HomeLayout,
  on: (kind: ConfounderKind) => boolean,
  plantedEntities: string[],
): { confounders: Confounder[]; automations: AutomationConfig[] } {
  const { rng, writer, timeZone, start, end } = past;
  const { specs } = layout;
  const days = past.days.length;
  const localDays = past.days;
  const confounders: Confounder[] = [];
  const automations: AutomationConfig[] = [];
  const addEntity = (spec: Omit<EntitySpec, "attributes">, platform: string, attributes: Record<string, unknown>) => {
    specs.set(spec.entityId, { ...spec, attributes: { ...attributes, friendly_name: spec.name } });
    layout.entities.push({
      entity_id: spec.entityId,
      device_id: null,
      area_id: null,
      platform,
      unique_id: String(attributes.id ?? hexId(rng)),
      id: hexId(rng),
      name: null,
      original_name: spec.name,
      disabled_by: null,
      hidden_by: null,
    });
  };
  const automation = (alias: string, trigger: Record<string, unknown>, action: string, entityId: string) => {
    const config: AutomationConfig = {
      id: String(1_700_000_000_000 + automations.length * 7_919),
      alias,
      description: "",
      triggers: [trigger],
      conditions: [],
      actions: [{ action, target: { entity_id: entityId } }],
      mode: "single",
    };
    automations.push(config);
    const spec = { entityId: `automation.${slugify(alias)}`, name: alias, role: "other" as const, initial: "on" };
    addEntity({ ...spec, states: [], chatterWeight: 0 }, "automation", { id: config.id, mode: "single", current: 0 });
    return { entityId: spec.entityId, alias };
  };

  if (on("automation")) {
    const porchOn = automation(
      "Porch light on in the evening",
      { trigger: "time", at: "19:00:00" },
      "light.turn_on",
      "light.porch",
    );
    const porchOff = automation(
      "Porch light off at night",
      { trigger: "time", at: "23:30:00" },
      "light.turn_off",
      "light.porch",
    );
    const motion = { trigger: "state", entity_id: "binary_sensor.stairs_motion" };
    const stairsOn = automation("Stairs light on motion", { ...motion, to: "on" }, "light.turn_on", "light.stairs");
    const stairsOff = automation("Stairs light off", { ...motion, to: "off" }, "light.turn_off", "light.stairs");
    for (const day of localDays) {
      writer.automation(localToEpochMs(day, 19 * 60, timeZone) / 1000 + 0.004, porchOn, null, [["light.porch", "on"]]);
      writer.automation(localToEpochMs(day, 23.5 * 60, timeZone) / 1000 + 0.004, porchOff, null, [
        ["light.porch", "off"],
      ]);
      for (let i = 0, n = 4 + rng.int(8); i < n; i++) {
        const when = localToEpochMs(day, rng.uniform(6 * 60, 23 * 60), timeZone) / 1000;
        const gone = when + rng.uniform(60, 180);
        writer.state(when, "binary_sensor.stairs_motion", "on", writer.newContext(when));
        writer.automation(when + 0.01, stairsOn, { entityId: "binary_sensor.stairs_motion", state: "on" }, [
          ["light.stairs", "on"],
        ]);
        writer.state(gone, "binary_sensor.stairs_motion", "off", writer.newContext(gone));
        writer.automation(gone + 0.01, stairsOff, { entityId: "binary_sensor.stairs_motion", state: "off" }, [
          ["light.stairs", "off"],
        ]);
      }
    }
    confounders.push(
      {
        kind: "automation",
        entityIds: ["light.porch"],
        description: "An automation turns the porch light on at 19:00 and off at 23:30",
      },
      {
        kind: "automation",
        entityIds: ["binary_sensor.stairs_motion", "light.stairs"],
        description: "An automation turns the stairs light on at motion and off when it ends",
      },
    );
  }
  if (on("script")) {
    addEntity(
      {
        entityId: "script.morning_heating",
        name: "Morning heating",
        role: "other",
        initial: "off",
        states: [],
        chatterWeight: 0,
      },
      "script",
      {
        mode: "single",
      },
    );
    for (const day of localDays) {
      const when = localToEpochMs(day, 6 * 60, timeZone) / 1000 + rng.uniform(0, 2);
      writer.script(when, { entityId: "script.morning_heating", alias: "Morning heating" }, [
        ["climate.living_room", "heat"],
        ["climate.bedroom", "heat"],
      ]);
      personChange(past, when + rng.uniform(2, 4) * 3600, "climate.living_room", "off");
      personChange(past, when + rng.uniform(1, 3) * 3600, "climate.bedroom", "off");
    }
    confounders.push({
      kind: "script",
      entityIds: ["climate.living_room", "climate.bedroom"],
      description: "A script turns the heating on every morning at 06:00",
    });
  }
  if (on("supervisor")) {
    for (const day of localDays) {
      const when = localToEpochMs(day, 5.5 * 60, timeZone) / 1000 + rng.uniform(0, 5);
      writer.byUser(when, "switch.garden_irrigation", "on", layout.supervisorUserId, "turn_on");
      writer.byUser(when + 1200, "switch.garden_irrigation", "off", layout.supervisorUserId, "turn_off");
    }
    confounders.push({
      kind: "supervisor",
      entityIds: ["switch.garden_irrigation"],
      description: "An app (acting as the Supervisor user) waters the garden every day at 05:30",
    });
  }
  if (on("stopped")) {
    const until = end - 21 * 86_400;
    const change = { entityId: "switch.coffee_machine", to: "on" };
    plantTimeRoutine(past, { change, minute: 7 * 60 + 10, spread: 5, dayClass: "daily" }, 0.9, until);
    confounders.push({
      kind: "stopped",
      entityIds: ["switch.coffee_machine"],
      description: "The coffee machine went on at about 07:10 every day until 3 weeks ago, then never again",
    });
  }
  if (on("one_off")) {
    const used = new Set([...plantedEntities, ...confounders.flatMap((c) => c.entityIds)]);
    const candidates = [...specs.values()].filter((s) => s.role === "actionable" && !used.has(s.entityId));
    const picked = rng.shuffle(candidates).slice(0, Math.max(4, Math.round(days * 0.6)));
    for (const spec of picked) {
      for (let i = 0, n = rng.chance(0.3) ? 2 : 1; i < n; i++) {
        const when = start + rng.uniform(0, end - start);
        personChange(past, when, spec.entityId, spec.states[0] === spec.initial ? spec.states[1]! : spec.states[0]!);
      }
    }
    confounders.push({
      kind: "one_off",
      entityIds: picked.map((s) => s.entityId),
      description: "People changed these once or twice, at random times",
    });
  }
  if (on("chatter")) {
    const chatty = [...specs.values()].filter((s) => s.role === "chatter");
    plantChatter(
      past,
      chatty,
      Math.max(0, ROWS_PER_ENTITY_DAY * specs.size * ((end - start) / 86_400) - past.writer.size),
    );
    confounders.push({
      kind: "chatter",
      entityIds: [...chatty.map((s) => s.entityId), "sun.sun"],
      description: "Sensors, phones and the sun change by themselves every few minutes",
    });
  }

  return { confounders, automations };
}

/**
 * Entities changing by themselves (no context keys), as Poisson processes whose rates share out
 * `rows` by each entity's weight; binary sensors come back after a minute or three, so each of
 * their events is two rows. The sun rises and sets once a day.
 */
function plantChatter(past: Past, chatty: EntitySpec[], rows: number): void {
  const { rng, writer } = past;
  for (const day of past.days) {
    const rise = localToEpochMs(day, rng.uniform(6.5 * 60, 8 * 60), past.timeZone) / 1000;
    const set = localToEpochMs(day, rng.uniform(16 * 60, 18 * 60), past.timeZone) / 1000;
    writer.state(rise, "sun.sun", "above_horizon", writer.newContext(rise));
    writer.state(set, "sun.sun", "below_horizon", writer.newContext(set));
  }
  const total = chatty.reduce((sum, s) => sum + s.chatterWeight, 0);
  const span = past.end - past.start;
  for (const spec of chatty) {
    const binary = spec.entityId.startsWith("binary_sensor.") || spec.entityId.startsWith("device_tracker.");
    const events = (rows * spec.chatterWeight) / total / (binary ? 2 : 1);
    if (events <= 0) continue;
    const meanGap = span / events;
    let state = spec.initial;
    for (
      let when = past.start + rng.uniform(0, meanGap);
      when < past.end;
      when += -Math.log(1 - rng.next()) * meanGap
    ) {
      if (binary) {
        const away = spec.entityId.startsWith("device_tracker.");
        const back = when + (away ? rng.uniform(0.5, 3) * 3600 : rng.uniform(30, 180));
        writer.state(when, spec.entityId, spec.states[1]!, writer.newContext(when));
        writer.state(back, spec.entityId, spec.states[0]!, writer.newContext(back));
        when = back;
      } else {
        const others = spec.states.filter((s) => s !== state);
        state = rng.pick(others);
        writer.state(micro(when), spec.entityId, state, writer.newContext(when));
      }
    }
  }
}
