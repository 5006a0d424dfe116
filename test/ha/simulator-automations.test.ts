import { describe, expect, it } from "vitest";
import type { HomeAssistantSimulator } from "../../src/testing/ha-simulator/simulator";
import { authed } from "./raw-client";
import { startHome } from "./simulator-home";

const WAKE_UP = {
  alias: "Kitchen light at wake-up",
  description: "Suggested by pattern quality",
  triggers: [{ trigger: "time", at: "06:45:00" }],
  conditions: [],
  actions: [{ action: "light.turn_on", target: { entity_id: "light.kitchen" } }],
  mode: "single",
};

/** The automation config API of a simulator, with a token. */
function configApi(sim: HomeAssistantSimulator, token = "owner") {
  const call = (method: string, id: string, body?: unknown) =>
    fetch(`${sim.url}/api/config/automation/config/${id}`, {
      method,
      headers: { authorization: `Bearer ${token}` },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
  return {
    post: (id: string, body: unknown) => call("POST", id, body),
    get: (id: string) => call("GET", id),
    delete: (id: string) => call("DELETE", id),
  };
}

/** Sets the clock to a local time in Berlin on 7 December 2026 (UTC+1). */
const berlin = (sim: HomeAssistantSimulator, hhmmss: string) => sim.setClock(new Date(`2026-12-07T${hhmmss}+01:00`));

describe("HomeAssistantSimulator: the automation config API", () => {
  it("creates an automation: ok, its config with its id, an entity from its alias, a registry entry with its unique id", async () => {
    const sim = await startHome();
    const events = await authed(sim, "owner");
    events.send({ id: 1, type: "subscribe_events", event_type: "entity_registry_updated" });
    await events.next();
    const api = configApi(sim);
    const created = await api.post("1765000000001", WAKE_UP);
    expect(created.status).toBe(200);
    expect(await created.json()).toEqual({ result: "ok" });
    expect(await (await api.get("1765000000001")).json()).toEqual({ id: "1765000000001", ...WAKE_UP });
    expect(sim.getState("automation.kitchen_light_at_wake_up")).toMatchObject({
      state: "on",
      attributes: { id: "1765000000001", friendly_name: "Kitchen light at wake-up" },
    });
    expect(await events.next()).toMatchObject({
      event: {
        event_type: "entity_registry_updated",
        data: { action: "create", entity_id: "automation.kitchen_light_at_wake_up" },
      },
    });
    events.send({ id: 2, type: "config/entity_registry/list" });
    const entities = ((await events.next()) as { result: { entity_id: string }[] }).result;
    expect(entities.find((e) => e.entity_id === "automation.kitchen_light_at_wake_up")).toMatchObject({
      platform: "automation",
      unique_id: "1765000000001",
    });
  });

  it("updates an automation in place, keeping its entity, and accepts the older trigger/condition/action keys", async () => {
    const sim = await startHome();
    const api = configApi(sim);
    await api.post("a1", WAKE_UP);
    const older = {
      alias: "Kitchen light early",
      trigger: [{ platform: "time", at: "06:30:00" }],
      condition: [],
      action: [{ service: "light.turn_on", target: { entity_id: "light.kitchen" } }],
    };
    expect((await api.post("a1", older)).status).toBe(200);
    expect(await (await api.get("a1")).json()).toEqual({ id: "a1", ...older });
    expect(sim.getState("automation.kitchen_light_at_wake_up")?.attributes.friendly_name).toBe("Kitchen light early");
    expect(sim.getState("automation.kitchen_light_early")).toBeUndefined();
    berlin(sim, "06:25:00");
    sim.actAs({ by: "wall" }, "light.kitchen", "off");
    sim.advanceClock(6 * 60_000);
    expect(sim.getState("light.kitchen")?.state).toBe("on");
  });

  it("answers 400 'Message malformed' for an invalid config, and 'Invalid JSON specified' for no JSON", async () => {
    const api = configApi(await startHome());
    const malformed = async (body: unknown) => {
      const res = await api.post("bad", body);
      expect(res.status).toBe(400);
      return ((await res.json()) as { message: string }).message;
    };
    expect(await malformed({ ...WAKE_UP, triggers: undefined })).toBe(
      "Message malformed: required key not provided @ data['triggers']",
    );
    expect(await malformed({ ...WAKE_UP, actions: undefined })).toBe(
      "Message malformed: required key not provided @ data['actions']",
    );
    expect(await malformed({ ...WAKE_UP, triggers: [{ trigger: "moon" }] })).toBe(
      "Message malformed: Invalid trigger 'moon' specified",
    );
    expect(await malformed({ ...WAKE_UP, actions: [{ turn: "on" }] })).toBe(
      "Message malformed: Unable to determine action @ data['actions'][0]",
    );
    expect(await malformed({ ...WAKE_UP, mode: "sometimes" })).toMatch(/^Message malformed: value must be one of/);
    expect(await malformed([1])).toBe("Message malformed: expected a dictionary");
    expect(await malformed("{oops")).toBe("Invalid JSON specified");
    expect((await api.get("bad")).status).toBe(404);
  });

  it("answers 400 to odd configs, and runs an odd but valid one without stumbling", async () => {
    const sim = await startHome();
    const api = configApi(sim);
    for (const body of [
      { ...WAKE_UP, triggers: "x" },
      { ...WAKE_UP, triggers: [null] },
      { ...WAKE_UP, triggers: { trigger: "time" } },
      { ...WAKE_UP, triggers: [{ trigger: "state" }] },
      { ...WAKE_UP, actions: {} },
      { ...WAKE_UP, alias: 5 },
    ])
      expect((await api.post("odd", body)).status).toBe(400);
    sim.actAs({ by: "wall" }, "light.office", "off");
    const odd = {
      alias: "Odd but valid",
      trigger: { platform: "state", entity_id: ["binary_sensor.front_door", "binary_sensor.garage_door"], from: "off" },
      action: [
        { action: 5 },
        { action: "light" },
        { delay: 1 },
        { action: "light.turn_on", data: { entity_id: ["light.office"] } },
      ],
    };
    expect((await api.post("odd", odd)).status).toBe(200);
    sim.actAs({ by: "wall" }, "binary_sensor.garage_door", "off");
    sim.actAs({ by: "wall" }, "binary_sensor.garage_door", "on");
    expect(sim.getState("light.office")?.state).toBe("on");
  });

  it("refuses a user who is not an admin with a plain 401, as require_admin does", async () => {
    const sim = await startHome();
    await configApi(sim).post("a1", WAKE_UP);
    const clara = configApi(sim, "clara");
    for (const res of [await clara.post("a2", WAKE_UP), await clara.get("a1"), await clara.delete("a1")]) {
      expect(res.status).toBe(401);
      expect(await res.text()).toBe("401: Unauthorized");
    }
    expect(sim.automation("a1")).toBeDefined();
    expect(sim.automation("a2")).toBeUndefined();
  });

  it("answers 404 to GET and 400 to DELETE of an unknown id, and deletes an automation with its entity", async () => {
    const sim = await startHome();
    const api = configApi(sim);
    expect(await (await api.get("nope")).json()).toEqual({ message: "Resource not found" });
    const missing = await api.delete("nope");
    expect(missing.status).toBe(400);
    expect(await missing.json()).toEqual({ message: "Resource not found" });
    await api.post("a1", WAKE_UP);
    expect(await (await api.delete("a1")).json()).toEqual({ result: "ok" });
    expect((await api.get("a1")).status).toBe(404);
    expect(sim.getState("automation.kitchen_light_at_wake_up")).toBeUndefined();
  });
});

describe("HomeAssistantSimulator: running automations", () => {
  it("runs a time trigger when the clock passes its local time, writing HA's rows", async () => {
    const sim = await startHome();
    berlin(sim, "06:40:00");
    sim.actAs({ by: "wall" }, "light.kitchen", "off");
    await configApi(sim).post("wake", WAKE_UP);
    sim.advanceClock(4 * 60_000);
    expect(sim.getState("light.kitchen")?.state).toBe("off");
    sim.advanceClock(2 * 60_000);
    expect(sim.getState("light.kitchen")?.state).toBe("on");
    const rows = sim.logbook(sim.now().getTime() / 1000 - 3 * 60);
    expect(rows[0]).toMatchObject({
      name: "Kitchen light at wake-up",
      message: "triggered by time",
      source: "time",
      domain: "automation",
      entity_id: "automation.kitchen_light_at_wake_up",
    });
    expect(rows[0]!.when).toBe(new Date("2026-12-07T06:45:00+01:00").getTime() / 1000);
    expect(rows[1]).toMatchObject({
      entity_id: "light.kitchen",
      state: "on",
      context_event_type: "automation_triggered",
      context_domain: "automation",
      context_entity_id: "automation.kitchen_light_at_wake_up",
      context_name: "Kitchen light at wake-up",
      context_source: "time",
    });
    expect(sim.getState("automation.kitchen_light_at_wake_up")?.attributes.last_triggered).toBe(
      "2026-12-07T05:45:00.000Z",
    );
  });

  it("runs a state trigger when its entity changes to its state", async () => {
    const sim = await startHome();
    sim.actAs({ by: "wall" }, "binary_sensor.front_door", "off");
    sim.actAs({ by: "wall" }, "light.hallway", "off");
    await configApi(sim).post("door", {
      alias: "Hallway light when the door opens",
      triggers: [{ trigger: "state", entity_id: "binary_sensor.front_door", to: "on" }],
      actions: [{ action: "light.turn_on", target: { entity_id: "light.hallway" } }],
    });
    sim.actAs({ by: "wall" }, "binary_sensor.front_door", "on");
    expect(sim.getState("light.hallway")?.state).toBe("on");
    const triggered = sim.logbook(sim.now().getTime() / 1000 - 1).find((e) => e.domain === "automation")!;
    expect(triggered).toMatchObject({
      source: "state of binary_sensor.front_door",
      context_entity_id: "binary_sensor.front_door",
      context_state: "on",
    });
    expect(triggered.context_event_type).toBeUndefined();
  });

  it("describes on its automation_triggered row what started the triggering change's context", async () => {
    const sim = await startHome();
    const c = await authed(sim, "owner");
    sim.actAs({ by: "wall" }, "input_boolean.guest_mode", "off");
    await configApi(sim).post("guests", {
      alias: "Porch light for guests",
      triggers: [{ trigger: "state", entity_id: "input_boolean.guest_mode", to: "on" }],
      actions: [{ action: "light.turn_on", target: { entity_id: "light.porch" } }],
    });
    c.send({
      id: 1,
      type: "call_service",
      domain: "input_boolean",
      service: "turn_on",
      target: { entity_id: "input_boolean.guest_mode" },
    });
    await c.next();
    const triggered = sim.logbook(sim.now().getTime() / 1000 - 1).find((e) => e.domain === "automation")!;
    expect(triggered).toMatchObject({
      context_event_type: "call_service",
      context_domain: "input_boolean",
      context_service: "turn_on",
    });
    expect(triggered.context_user_id).toBeUndefined();
  });

  it("does not run an automation that was turned off", async () => {
    const sim = await startHome();
    const c = await authed(sim, "owner");
    berlin(sim, "06:40:00");
    sim.actAs({ by: "wall" }, "light.kitchen", "off");
    await configApi(sim).post("wake", WAKE_UP);
    c.send({
      id: 1,
      type: "call_service",
      domain: "automation",
      service: "turn_off",
      service_data: { entity_id: "automation.kitchen_light_at_wake_up" },
    });
    await c.next();
    expect(sim.getState("automation.kitchen_light_at_wake_up")?.state).toBe("off");
    sim.advanceClock(10 * 60_000);
    expect(sim.getState("light.kitchen")?.state).toBe("off");
  });

  it("gives a second automation with the same alias an entity id of its own", async () => {
    const sim = await startHome();
    await configApi(sim).post("a1", WAKE_UP);
    await configApi(sim).post("a2", WAKE_UP);
    expect(sim.getState("automation.kitchen_light_at_wake_up_2")?.attributes.id).toBe("a2");
  });

  it("runs an automation's actions on automation.trigger, even one turned off", async () => {
    const sim = await startHome();
    const c = await authed(sim, "owner");
    sim.actAs({ by: "wall" }, "light.kitchen", "off");
    await configApi(sim).post("wake", WAKE_UP);
    const target = { entity_id: "automation.kitchen_light_at_wake_up" };
    c.send({ id: 1, type: "call_service", domain: "automation", service: "turn_off", target });
    c.send({ id: 2, type: "call_service", domain: "automation", service: "trigger", target });
    await c.next(2);
    expect(sim.getState("light.kitchen")).toMatchObject({ state: "on" });
    expect(sim.logbook(sim.now().getTime() / 1000 - 1).find((e) => e.domain === "automation")?.message).toBe(
      "triggered by action",
    );
  });

  it("runs the home's own automations: motion on the stairs turns the stairs light on", async () => {
    const sim = await startHome();
    sim.actAs({ by: "wall" }, "binary_sensor.stairs_motion", "off");
    expect(sim.getState("light.stairs")?.state).toBe("off");
    sim.actAs({ by: "wall" }, "binary_sensor.stairs_motion", "on");
    expect(sim.getState("light.stairs")).toMatchObject({ state: "on", context: { parent_id: expect.any(String) } });
  });
});
