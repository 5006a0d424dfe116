import { describe, expect, it } from "vitest";
import type { LogbookEntry } from "../../src/mining/home-data";
import { pause } from "./fixtures";
import { authed } from "./raw-client";
import { CLARA, home, NOW, OWNER, SUPERVISOR, seconds, startHome } from "./simulator-home";

type Result = {
  id: number;
  type: string;
  success?: boolean;
  result?: unknown;
  error?: { code: string; message: string };
};
type StreamMessage = {
  id: number;
  type: "event";
  event: { events: LogbookEntry[]; start_time?: number; end_time?: number; partial?: boolean };
};

const HOUR = 3_600_000;
const iso = (ms: number): string => new Date(ms).toISOString();
const past = (entityId?: string) =>
  home.logbook.filter(
    (e) => e.when > seconds(iso(NOW.getTime() - 6 * HOUR)) && (entityId === undefined || e.entity_id === entityId),
  );

describe("HomeAssistantSimulator with a home: registries, users and states", () => {
  it("lists the home's areas, devices and entities, to any user", async () => {
    const c = await authed(await startHome(), "clara");
    c.send({ id: 1, type: "config/area_registry/list" });
    expect(await c.next()).toEqual({ id: 1, type: "result", success: true, result: home.areas });
    c.send({ id: 2, type: "config/device_registry/list" });
    expect(((await c.next()) as Result).result).toEqual(home.devices);
    c.send({ id: 3, type: "config/entity_registry/list" });
    expect(((await c.next()) as Result).result).toEqual(home.entities);
  });

  it("lists the users, system users included, to an admin only", async () => {
    const sim = await startHome();
    const admin = await authed(sim, "owner");
    admin.send({ id: 1, type: "config/auth/list" });
    const users = ((await admin.next()) as Result).result as { name: string; system_generated: boolean }[];
    expect(users.filter((u) => u.system_generated).map((u) => u.name)).toEqual([
      "Supervisor",
      "Home Assistant Cloud",
      "Home Assistant Content",
    ]);
    const clara = await authed(sim, "clara");
    clara.send({ id: 1, type: "config/auth/list" });
    expect(await clara.next()).toMatchObject({
      success: false,
      error: { code: "unauthorized", message: "Unauthorized" },
    });
  });

  it("gives a token the home user it belongs to: an app's connection is the Supervisor user", async () => {
    const sim = await startHome();
    const app = await authed(sim, "app");
    app.send({ id: 1, type: "auth/current_user" });
    expect(((await app.next()) as Result).result).toMatchObject({
      id: SUPERVISOR.id,
      name: "Supervisor",
      is_admin: true,
      is_owner: false,
    });
    const owner = await authed(sim, "owner");
    owner.send({ id: 1, type: "auth/current_user" });
    expect(((await owner.next()) as Result).result).toMatchObject({ id: OWNER.id, is_owner: true });
  });

  it("serves the home's states and its time zone", async () => {
    const c = await authed(await startHome(), "clara");
    c.send({ id: 1, type: "get_states" });
    const states = ((await c.next()) as Result).result as {
      entity_id: string;
      attributes: { friendly_name: string };
    }[];
    expect(states.find((s) => s.entity_id === "light.kitchen")?.attributes.friendly_name).toBe("Kitchen light");
    expect(states).toHaveLength(home.states.length);
    c.send({ id: 2, type: "get_config" });
    expect(((await c.next()) as Result).result).toMatchObject({
      time_zone: "Europe/Berlin",
      components: expect.arrayContaining(["logbook"]),
    });
  });
});

describe("HomeAssistantSimulator with a home: logbook/get_events", () => {
  it("answers the entries of a period, and of some entities, devices or one context", async () => {
    const c = await authed(await startHome(), "app");
    const start = iso(NOW.getTime() - 6 * HOUR);
    c.send({ id: 1, type: "logbook/get_events", start_time: start });
    expect(((await c.next()) as Result).result).toEqual(past());
    c.send({
      id: 2,
      type: "logbook/get_events",
      start_time: start,
      end_time: iso(NOW.getTime()),
      entity_ids: ["light.porch", "sun.sun"],
    });
    expect(((await c.next()) as Result).result).toEqual(
      past().filter((e) => e.entity_id === "light.porch" || e.entity_id === "sun.sun"),
    );
    const device = home.entities.find((e) => e.entity_id === "binary_sensor.kitchen_motion")!.device_id!;
    c.send({ id: 3, type: "logbook/get_events", start_time: start, device_ids: [device] });
    expect(((await c.next()) as Result).result).toEqual(past("binary_sensor.kitchen_motion"));
    const index = home.logbook.findIndex((e) => e.domain === "automation");
    const contextId = home.logbookContextIds[index]!;
    c.send({ id: 4, type: "logbook/get_events", start_time: iso(0), context_id: contextId });
    const context = ((await c.next()) as Result).result as LogbookEntry[];
    expect(context[0]).toEqual(home.logbook[index]);
    expect(context.length).toBeGreaterThan(1);
  });

  it("reads a time without an offset in the home's time zone, as Home Assistant does", async () => {
    const c = await authed(await startHome(), "app");
    // 05:00 UTC is 06:00 in Berlin in December.
    c.send({ id: 1, type: "logbook/get_events", start_time: "2026-12-07T02:00:00", end_time: "2026-12-07T06:00:00" });
    const berlin = ((await c.next()) as Result).result as LogbookEntry[];
    expect(berlin).toEqual(home.logbook.filter((e) => e.when > seconds("2026-12-07T01:00:00Z")));
  });

  it("refuses an invalid start or end time with Home Assistant's codes, and answers [] for a future start", async () => {
    const c = await authed(await startHome(), "app");
    c.send({ id: 1, type: "logbook/get_events", start_time: "yesterday" });
    expect(await c.next()).toMatchObject({
      success: false,
      error: { code: "invalid_start_time", message: "Invalid start_time" },
    });
    c.send({ id: 2, type: "logbook/get_events", start_time: iso(0), end_time: "2026-13-01T00:00:00Z" });
    expect(await c.next()).toMatchObject({ error: { code: "invalid_end_time", message: "Invalid end_time" } });
    c.send({ id: 3, type: "logbook/get_events" });
    expect(await c.next()).toMatchObject({
      error: { code: "invalid_format", message: "required key not provided @ data['start_time']" },
    });
    c.send({ id: 4, type: "logbook/get_events", start_time: iso(0), entity_ids: "light.kitchen" });
    expect(await c.next()).toMatchObject({ error: { code: "invalid_format" } });
    c.send({ id: 5, type: "logbook/get_events", start_time: iso(NOW.getTime() + HOUR) });
    expect(await c.next()).toMatchObject({ success: true, result: [] });
    const continuous = home.states.find((s) => "unit_of_measurement" in s.attributes)!.entity_id;
    c.send({ id: 6, type: "logbook/get_events", start_time: iso(0), entity_ids: [continuous] });
    expect(await c.next()).toMatchObject({ success: true, result: [] });
  });

  it("is an unknown command in a Home Assistant without the logbook", async () => {
    const c = await authed(await startHome({ components: ["config", "automation"] }), "app");
    for (const [id, type] of [
      [1, "logbook/get_events"],
      [2, "logbook/event_stream"],
    ] as const) {
      c.send({ id, type, start_time: iso(0) });
      expect(await c.next()).toEqual({
        id,
        type: "result",
        success: false,
        error: { code: "unknown_command", message: "Unknown command." },
      });
    }
  });
});

describe("HomeAssistantSimulator with a home: logbook/event_stream", () => {
  it("answers a period in the past with the result, then its history, the last 24 hours first", async () => {
    const c = await authed(await startHome(), "app");
    const start = NOW.getTime() - 48 * HOUR;
    c.send({ id: 1, type: "logbook/event_stream", start_time: iso(start), end_time: iso(NOW.getTime() - HOUR) });
    expect(await c.next()).toEqual({ id: 1, type: "result", success: true, result: null });
    const recent = (await c.next()) as StreamMessage;
    const older = (await c.next()) as StreamMessage;
    expect(recent.event).toMatchObject({ start_time: (NOW.getTime() - 25 * HOUR) / 1000, partial: true });
    expect(older.event).toMatchObject({ start_time: start / 1000, end_time: (NOW.getTime() - 25 * HOUR) / 1000 });
    expect(older.event.partial).toBeUndefined();
    const all = home.logbook.filter((e) => e.when > start / 1000 && e.when < (NOW.getTime() - HOUR) / 1000);
    expect([...older.event.events, ...recent.event.events]).toEqual(all);
    await pause(400);
    expect(c.inbox).toEqual([]);
  });

  it("streams the history, then new entries live until unsubscribed", async () => {
    const sim = await startHome();
    const c = await authed(sim, "app");
    c.send({
      id: 1,
      type: "logbook/event_stream",
      start_time: iso(NOW.getTime() - HOUR),
      entity_ids: ["light.kitchen", "light.hallway"],
    });
    expect(await c.next()).toMatchObject({ id: 1, success: true });
    const history: StreamMessage[] = [];
    for (let m = (await c.next()) as StreamMessage; ; m = (await c.next()) as StreamMessage) {
      history.push(m);
      if (m.event.partial === undefined) break;
    }
    expect(history.flatMap((m) => m.event.events)).toEqual(
      past().filter(
        (e) => e.when > seconds(iso(NOW.getTime() - HOUR)) && ["light.kitchen", "light.hallway"].includes(e.entity_id!),
      ),
    );
    sim.actAs({ by: "wall" }, "light.kitchen", sim.getState("light.kitchen")?.state === "on" ? "off" : "on");
    sim.actAs({ by: "wall" }, "light.office", "on");
    sim.actAs(
      { by: "user", userId: CLARA.id },
      "light.hallway",
      sim.getState("light.hallway")?.state === "on" ? "off" : "on",
    );
    const live = (await c.next()) as StreamMessage;
    expect(live).toMatchObject({ id: 1, type: "event" });
    expect(live.event.events.map((e) => e.entity_id)).toEqual(["light.kitchen", "light.hallway"]);
    expect(live.event.events[0]).toEqual({
      when: expect.any(Number),
      state: expect.any(String),
      entity_id: "light.kitchen",
    });
    expect(live.event.events[1]).toMatchObject({
      context_user_id: CLARA.id,
      context_event_type: "call_service",
      context_domain: "light",
    });
    c.send({ id: 2, type: "unsubscribe_events", subscription: 1 });
    expect(await c.next()).toMatchObject({ id: 2, success: true });
    sim.actAs({ by: "wall" }, "light.kitchen", sim.getState("light.kitchen")?.state === "on" ? "off" : "on");
    await pause(450);
    expect(c.inbox).toEqual([]);
  });

  it("stops a live stream at its end time", async () => {
    const sim = await startHome();
    const c = await authed(sim, "app");
    c.send({
      id: 1,
      type: "logbook/event_stream",
      start_time: iso(sim.now().getTime() - 1000),
      end_time: iso(sim.now().getTime() + 300),
    });
    await c.next(2);
    await pause(400);
    sim.actAs({ by: "wall" }, "light.office", "on");
    await pause(450);
    expect(c.inbox).toEqual([]);
  });

  it("refuses a start in the future or an end before the start, and answers once for entities kept out of the logbook", async () => {
    const c = await authed(await startHome(), "app");
    c.send({ id: 1, type: "logbook/event_stream", start_time: iso(NOW.getTime() + HOUR) });
    expect(await c.next()).toMatchObject({ error: { code: "invalid_start_time", message: "Invalid start_time" } });
    c.send({
      id: 2,
      type: "logbook/event_stream",
      start_time: iso(NOW.getTime() - HOUR),
      end_time: iso(NOW.getTime() - 2 * HOUR),
    });
    expect(await c.next()).toMatchObject({ error: { code: "invalid_end_time", message: "Invalid end_time" } });
    const continuous = home.states.find((s) => "unit_of_measurement" in s.attributes)!.entity_id;
    c.send({ id: 3, type: "logbook/event_stream", start_time: iso(NOW.getTime() - HOUR), entity_ids: [continuous] });
    expect(await c.next()).toMatchObject({ id: 3, success: true });
    expect(await c.next()).toEqual({
      id: 3,
      type: "event",
      event: { events: [], start_time: (NOW.getTime() - HOUR) / 1000, end_time: expect.any(Number) },
    });
    c.send({ id: 4, type: "unsubscribe_events", subscription: 3 });
    expect(await c.next()).toMatchObject({ error: { code: "not_found" } });
  });
});
