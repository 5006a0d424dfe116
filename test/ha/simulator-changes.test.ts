import { describe, expect, it } from "vitest";
import type { LogbookEntry } from "../../src/mining/home-data";
import { authed } from "./raw-client";
import { CLARA, CLOUD, home, OWNER, startHome } from "./simulator-home";

type Result = {
  id: number;
  type: string;
  success?: boolean;
  result?: unknown;
  error?: { code: string; message: string };
};
const iso = (ms: number): string => new Date(ms).toISOString();

describe("HomeAssistantSimulator with a home: odd input", () => {
  it("answers every odd logbook or registry command with Home Assistant's error or a result, and keeps serving", async () => {
    const sim = await startHome();
    const c = await authed(sim, "clara");
    const odd: Record<string, unknown>[] = [
      { type: "logbook/get_events", start_time: 5 },
      { type: "logbook/get_events", start_time: "2026-12-07", end_time: null },
      { type: "logbook/get_events", start_time: "2026-12-07T00:00:00+05:30", context_id: 7 },
      { type: "logbook/get_events", start_time: "", device_ids: [1] },
      { type: "logbook/event_stream", start_time: "2026-02-30T99:00:00Z" },
      { type: "logbook/event_stream", start_time: iso(0), end_time: "9999-12-31T00:00:00Z", entity_ids: [] },
      { type: "logbook/event_stream", start_time: iso(0), device_ids: "all" },
      { type: "config/area_registry/list", extra: { nested: [1, 2] } },
      {
        type: "call_service",
        domain: "light",
        service: "turn_on",
        service_data: { entity_id: [3, null, "light.office"] },
      },
      { type: "call_service", domain: "scene", service: "turn_on", target: { entity_id: 42 } },
    ];
    const answers: Result[] = [];
    for (const [i, m] of odd.entries()) {
      c.send({ id: i + 1, ...m });
      let answer = (await c.next()) as Result;
      while (answer.type !== "result") answer = (await c.next()) as Result;
      answers.push(answer);
    }
    expect(answers.map((a) => a.success)).toEqual([false, false, false, false, false, true, false, true, true, true]);
    expect(answers.map((a) => a.error?.code ?? "ok")).toEqual([
      "invalid_format",
      "invalid_format",
      "invalid_format",
      "invalid_format",
      "invalid_start_time",
      "ok",
      "invalid_format",
      "ok",
      "ok",
      "ok",
    ]);
    c.send({ id: 50, type: "ping" });
    let pong = (await c.next()) as Result;
    while (pong.type !== "pong") pong = (await c.next()) as Result;
    expect(pong.id).toBe(50);
  });
});

describe("HomeAssistantSimulator with a home: live changes in the logbook", () => {
  it("writes a user's service call with the call_service keys, and get_events returns it later", async () => {
    const sim = await startHome();
    const c = await authed(sim, "owner");
    sim.actAs({ by: "wall" }, "light.office", "off");
    c.send({ id: 1, type: "call_service", domain: "light", service: "turn_on", target: { entity_id: "light.office" } });
    expect(await c.next()).toMatchObject({ id: 1, success: true });
    expect(sim.getState("light.office")).toMatchObject({ state: "on", context: { user_id: OWNER.id } });
    c.send({
      id: 2,
      type: "logbook/get_events",
      start_time: iso(sim.now().getTime() - 5000),
      entity_ids: ["light.office"],
    });
    expect((((await c.next()) as Result).result as LogbookEntry[]).at(-1)).toEqual({
      when: expect.any(Number),
      state: "on",
      entity_id: "light.office",
      context_user_id: OWNER.id,
      context_event_type: "call_service",
      context_domain: "light",
      context_service: "turn_on",
    });
  });

  it("leaves each entity in the state Home Assistant's service would, and unknown entities alone", async () => {
    const sim = await startHome();
    const c = await authed(sim, "owner");
    const calls: [string, string, string, Record<string, unknown>?][] = [
      ["cover.bedroom_blinds", "open_cover", "open"],
      ["cover.bedroom_blinds", "close_cover", "closed"],
      ["cover.bedroom_blinds", "toggle", "open"],
      ["lock.front_door", "unlock", "unlocked"],
      ["lock.front_door", "lock", "locked"],
      ["climate.bathroom", "set_hvac_mode", "cool", { hvac_mode: "cool" }],
      ["climate.bathroom", "turn_off", "off"],
      ["climate.bathroom", "turn_on", "heat"],
      ["fan.bedroom", "turn_on", "on"],
      ["fan.bedroom", "toggle", "off"],
    ];
    for (const [i, [entityId, service, state, data]] of calls.entries()) {
      const domain = entityId.split(".")[0];
      c.send({ id: i + 1, type: "call_service", domain, service, service_data: { entity_id: entityId, ...data } });
      expect(await c.next()).toMatchObject({ id: i + 1, success: true });
      expect(sim.getState(entityId)?.state).toBe(state);
    }
    c.send({
      id: 20,
      type: "call_service",
      domain: "light",
      service: "turn_on",
      service_data: { entity_id: "light.nowhere" },
    });
    expect(await c.next()).toMatchObject({ id: 20, success: true });
    expect(sim.getState("light.nowhere")).toBeUndefined();
  });

  it("keeps the logbook in time order when a test moves the clock back", async () => {
    const sim = await startHome();
    const later = sim.now().getTime() / 1000;
    sim.actAs({ by: "wall" }, "light.office", sim.getState("light.office")?.state === "on" ? "off" : "on");
    sim.advanceClock(-60_000);
    sim.actAs({ by: "wall" }, "light.garage", sim.getState("light.garage")?.state === "on" ? "off" : "on");
    const rows = sim.logbook(later - 120);
    const whens = rows.map((e) => e.when);
    expect(whens).toEqual([...whens].sort((a, b) => a - b));
    expect(rows.at(-1)?.entity_id).toBe("light.office");
    expect(rows.findLast((e) => e.entity_id === "light.garage")!.when).toBeLessThan(later);
  });

  it("turns a scene on: its state is the time, its lights carry the scene's keys", async () => {
    const sim = await startHome();
    const c = await authed(sim, "clara");
    sim.actAs({ by: "wall" }, "light.living_room", "off");
    c.send({
      id: 1,
      type: "call_service",
      domain: "scene",
      service: "turn_on",
      service_data: { entity_id: "scene.good_morning" },
    });
    await c.next();
    const rows = sim.logbook(sim.now().getTime() / 1000 - 5);
    expect(rows.find((e) => e.entity_id === "scene.good_morning")).toMatchObject({
      state: expect.stringMatching(/^2026-12-07T05:/),
      context_user_id: CLARA.id,
    });
    expect(rows.find((e) => e.entity_id === "light.living_room" && e.state === "on")).toMatchObject({
      context_domain: "scene",
      context_service: "turn_on",
      context_user_id: CLARA.id,
    });
  });

  it("acts as voice through HA Cloud, as an automation, and as a script", async () => {
    const sim = await startHome();
    const since = sim.now().getTime() / 1000 - 1;
    sim.actAs({ by: "voice" }, "light.office", sim.getState("light.office")?.state === "on" ? "off" : "on");
    sim.actAs(
      { by: "automation", entityId: "automation.evening", alias: "Evening", source: "time" },
      "light.garage",
      sim.getState("light.garage")?.state === "on" ? "off" : "on",
    );
    sim.actAs(
      { by: "script", entityId: "script.morning_heating" },
      "climate.bedroom",
      sim.getState("climate.bedroom")?.state === "heat" ? "off" : "heat",
    );
    const rows = sim.logbook(since);
    expect(rows[0]).toMatchObject({
      entity_id: "light.office",
      context_user_id: CLOUD.id,
      context_event_type: "call_service",
    });
    expect(rows[1]).toEqual({
      when: expect.any(Number),
      name: "Evening",
      message: "triggered by time",
      source: "time",
      entity_id: "automation.evening",
      domain: "automation",
      context_id: expect.any(String),
    });
    expect(rows[2]).toMatchObject({
      entity_id: "light.garage",
      context_event_type: "automation_triggered",
      context_domain: "automation",
      context_entity_id: "automation.evening",
      context_name: "Evening",
      context_source: "time",
    });
    expect(rows[3]).toMatchObject({ name: "Morning heating", message: "started", domain: "script" });
    expect(rows[4]).toMatchObject({
      entity_id: "climate.bedroom",
      context_event_type: "script_started",
      context_domain: "script",
    });
  });

  it("writes no row for an attribute-only change or a continuous sensor", async () => {
    const sim = await startHome();
    const size = sim.logbook().length;
    const office = sim.getState("light.office")!;
    sim.setState("light.office", office.state, { ...office.attributes, brightness: 80 });
    const continuous = home.states.find((s) => "unit_of_measurement" in s.attributes)!;
    sim.setState(continuous.entity_id, "23.5", continuous.attributes);
    expect(sim.logbook()).toHaveLength(size);
  });
});
