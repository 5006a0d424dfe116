import { describe, expect, it } from "vitest";
import { runDemo, startDemoSimulator } from "../../src/testing/ha-simulator/cli";
import { HomeAssistantSimulator, SUBSCRIBE_ALLOWLIST } from "../../src/testing/ha-simulator/simulator";
import { ADMIN, GUEST, onCleanup, startSimulator } from "./fixtures";
import { authed, rawClient } from "./raw-client";

describe("HomeAssistantSimulator: auth phase", () => {
  it("asks for auth, then accepts a valid token", async () => {
    const sim = await startSimulator();
    const client = await rawClient(sim);
    expect(await client.next()).toEqual({ type: "auth_required", ha_version: "2026.11.0" });
    client.send({ type: "auth", access_token: ADMIN });
    expect(await client.next()).toEqual({ type: "auth_ok", ha_version: "2026.11.0" });
    expect(sim.connectionCount).toBe(1);
  });

  it("answers a wrong token with auth_invalid and closes", async () => {
    const sim = await startSimulator();
    const client = await rawClient(sim);
    await client.next();
    client.send({ type: "auth", access_token: "nope" });
    expect(await client.next()).toEqual({ type: "auth_invalid", message: "Invalid access token or password" });
    await client.closed;
  });

  it("answers a malformed auth message with auth_invalid", async () => {
    const sim = await startSimulator();
    const client = await rawClient(sim, "/core/websocket");
    await client.next();
    client.send({ type: "login" });
    expect(await client.next()).toMatchObject({
      type: "auth_invalid",
      message: expect.stringMatching(/incorrectly formatted/),
    });
  });

  it("closes on a frame that is not JSON", async () => {
    const sim = await startSimulator();
    const client = await rawClient(sim);
    client.send("{oops");
    expect(await client.closed).toBe(1003);
  });

  it("refuses unknown paths and, while restarting, every connection", async () => {
    const sim = await startSimulator();
    await expect(rawClient(sim, "/elsewhere")).rejects.toThrow(/404/);
    const restarted = sim.restart(100);
    await expect(rawClient(sim)).rejects.toThrow(/502/);
    await restarted;
    await expect(rawClient(sim)).resolves.toBeDefined();
  });
});

describe("HomeAssistantSimulator: commands", () => {
  it("requires strictly increasing ids", async () => {
    const sim = await startSimulator();
    const c = await authed(sim);
    c.send({ id: 5, type: "ping" });
    expect(await c.next()).toEqual({ id: 5, type: "pong" });
    c.send({ id: 5, type: "ping" });
    expect(await c.next()).toEqual({
      id: 5,
      type: "result",
      success: false,
      error: { code: "id_reuse", message: "Identifier values have to increase." },
    });
  });

  it("answers malformed and unknown commands with Home Assistant's codes", async () => {
    const sim = await startSimulator();
    const c = await authed(sim);
    c.send({ type: "ping" });
    expect(await c.next()).toMatchObject({ id: null, success: false, error: { code: "invalid_format" } });
    c.send({ id: "7", type: "ping" });
    expect(await c.next()).toMatchObject({ success: false, error: { code: "invalid_format" } });
    c.send([1]);
    expect(await c.next()).toMatchObject({ id: null, error: { code: "invalid_format" } });
    c.send({ id: 2, type: "make_coffee" });
    expect(await c.next()).toEqual({
      id: 2,
      type: "result",
      success: false,
      error: { code: "unknown_command", message: "Unknown command." },
    });
  });

  it("subscribes, delivers events in HA's shape, and unsubscribes", async () => {
    const sim = await startSimulator();
    const c = await authed(sim);
    c.send({ id: 1, type: "subscribe_events", event_type: "pattern_feedback" });
    expect(await c.next()).toEqual({ id: 1, type: "result", success: true, result: null });
    const event = sim.fireEvent("pattern_feedback", { pattern_id: "p" }, { userId: "u1", contextId: "ctx" });
    expect(await c.next()).toEqual({ id: 1, type: "event", event });
    expect(event).toMatchObject({ origin: "LOCAL", context: { id: "ctx", parent_id: null, user_id: "u1" } });
    c.send({ id: 2, type: "unsubscribe_events", subscription: 1 });
    expect(await c.next()).toMatchObject({ id: 2, success: true });
    c.send({ id: 3, type: "unsubscribe_events", subscription: 1 });
    expect(await c.next()).toMatchObject({
      id: 3,
      success: false,
      error: { code: "not_found", message: "Subscription not found." },
    });
    c.send({ id: 4, type: "unsubscribe_events" });
    expect(await c.next()).toMatchObject({ error: { code: "invalid_format" } });
    c.send({ id: 5, type: "subscribe_events", event_type: 3 });
    expect(await c.next()).toMatchObject({ error: { code: "invalid_format" } });
  });

  it("sends all events to a subscription without an event type", async () => {
    const sim = await startSimulator();
    const c = await authed(sim);
    c.send({ id: 1, type: "subscribe_events" });
    await c.next();
    sim.fireEvent("anything", {});
    expect(await c.next()).toMatchObject({ id: 1, type: "event", event: { event_type: "anything" } });
  });

  it("enforces the allowlist for non-admin users", async () => {
    const sim = await startSimulator();
    const c = await authed(sim, GUEST);
    c.send({ id: 1, type: "subscribe_events", event_type: "mobile_app_notification_action" });
    expect(await c.next()).toEqual({
      id: 1,
      type: "result",
      success: false,
      error: { code: "unauthorized", message: "Unauthorized" },
    });
    c.send({ id: 2, type: "subscribe_events" });
    expect(await c.next()).toMatchObject({ error: { code: "unauthorized" } });
    c.send({ id: 3, type: "subscribe_events", event_type: "entity_registry_updated" });
    expect(await c.next()).toMatchObject({ id: 3, success: true });
    c.send({ id: 4, type: "fire_event", event_type: "pattern_feedback" });
    expect(await c.next()).toMatchObject({ error: { code: "unauthorized" } });
    expect(SUBSCRIBE_ALLOWLIST.has("state_changed")).toBe(true);
    expect(SUBSCRIBE_ALLOWLIST.has("mobile_app_notification_action")).toBe(false);
  });

  it("fires events for admins and checks fire_event's fields", async () => {
    const sim = await startSimulator();
    const c = await authed(sim);
    c.send({ id: 1, type: "subscribe_events", event_type: "pattern_feedback" });
    await c.next();
    c.send({ id: 2, type: "fire_event", event_type: "pattern_feedback", event_data: { pattern_id: "p" } });
    const [a, b] = [await c.next(), await c.next()] as { id: number; type: string }[];
    expect([a, b].map((m) => m!.type).sort()).toEqual(["event", "result"]);
    c.send({ id: 3, type: "fire_event" });
    expect(await c.next()).toMatchObject({ error: { code: "invalid_format" } });
  });

  it("records service calls and rejects unknown services and bad data", async () => {
    const sim = await startSimulator();
    const c = await authed(sim);
    c.send({
      id: 1,
      type: "call_service",
      domain: "persistent_notification",
      service: "create",
      service_data: { message: "hi", notification_id: "n" },
    });
    expect(await c.next()).toMatchObject({
      id: 1,
      success: true,
      result: { context: { user_id: "user-admin" }, response: null },
    });
    c.send({ id: 2, type: "call_service", domain: "light", service: "turn_on" });
    expect(await c.next()).toMatchObject({ error: { code: "not_found", message: "Action light.turn_on not found." } });
    c.send({ id: 3, type: "call_service", domain: "notify", service: "family", service_data: { title: "no message" } });
    expect(await c.next()).toMatchObject({ error: { code: "invalid_format" } });
    c.send({ id: 4, type: "call_service", domain: "persistent_notification", service: "create", service_data: {} });
    expect(await c.next()).toMatchObject({ error: { code: "invalid_format" } });
    c.send({ id: 5, type: "call_service", service: "create" });
    expect(await c.next()).toMatchObject({ error: { code: "invalid_format" } });
    c.send({ id: 6, type: "call_service", domain: "notify", service: "family", service_data: "x" });
    expect(await c.next()).toMatchObject({ error: { code: "invalid_format" } });
    c.send({
      id: 7,
      type: "call_service",
      domain: "input_select",
      service: "select_option",
      service_data: { entity_id: "input_select.d", option: "approve" },
    });
    await c.next();
    expect(sim.getState("input_select.d")?.state).toBe("approve");
    expect(sim.serviceCalls.map((s) => `${s.domain}.${s.service}`)).toEqual([
      "persistent_notification.create",
      "input_select.select_option",
    ]);
  });

  it("answers get_states, get_config, get_services and auth/current_user", async () => {
    const sim = await startSimulator();
    sim.setState("sun.sun", "above_horizon", { elevation: 20 });
    sim.setState("sun.sun", "above_horizon", { elevation: 21 });
    const c = await authed(sim, GUEST);
    c.send({ id: 1, type: "get_states" });
    const states = (
      (await c.next()) as {
        result: { entity_id: string; attributes: object; last_changed: string; last_updated: string }[];
      }
    ).result;
    expect(states).toMatchObject([{ entity_id: "sun.sun", attributes: { elevation: 21 } }]);
    c.send({ id: 2, type: "get_config" });
    expect(await c.next()).toMatchObject({ result: { state: "RUNNING", version: "2026.11.0" } });
    c.send({ id: 3, type: "get_services" });
    expect(await c.next()).toMatchObject({
      result: { notify: { family: {}, mobile_app_phone: {} }, persistent_notification: { create: {} } },
    });
    c.send({ id: 4, type: "auth/current_user" });
    expect(await c.next()).toMatchObject({ result: { id: "user-guest", name: "Guest", is_admin: false } });
  });

  it("coalesces messages into arrays once the client asks for it", async () => {
    const sim = await startSimulator();
    const c = await authed(sim);
    const frames: unknown[] = [];
    c.ws.on("message", (raw) => frames.push(JSON.parse(raw.toString())));
    c.send({ id: 1, type: "supported_features", features: { coalesce_messages: 1 } });
    await c.next();
    c.send({ id: 2, type: "subscribe_events", event_type: "x" });
    await c.next();
    sim.fireEvent("x", {});
    sim.fireEvent("x", {});
    await c.next(2);
    expect(frames.at(-1)).toHaveLength(2);
  });

  it("closes a revoked token's connections and refuses it afterwards", async () => {
    const sim = await startSimulator();
    const c = await authed(sim);
    sim.revokeToken(ADMIN);
    await c.closed;
    const again = await rawClient(sim);
    await again.next();
    again.send({ type: "auth", access_token: ADMIN });
    expect(await again.next()).toMatchObject({ type: "auth_invalid" });
  });
});

describe("HomeAssistantSimulator: injected faults", () => {
  it("answers a command with an error reply for the given number of times, without carrying it out", async () => {
    const sim = await startSimulator();
    const c = await authed(sim);
    sim.injectFault("subscribe_events", { kind: "error", code: "unknown_error", message: "Bus broke" }, { times: 2 });
    c.send({ id: 1, type: "subscribe_events", event_type: "pattern_feedback" });
    expect(await c.next()).toEqual({
      id: 1,
      type: "result",
      success: false,
      error: { code: "unknown_error", message: "Bus broke" },
    });
    c.send({ id: 2, type: "subscribe_events", event_type: "pattern_feedback" });
    expect(await c.next()).toMatchObject({ id: 2, success: false });
    expect(sim.subscriptionCount("pattern_feedback")).toBe(0);
    c.send({ id: 3, type: "subscribe_events", event_type: "pattern_feedback" });
    expect(await c.next()).toEqual({ id: 3, type: "result", success: true, result: null });
    expect(sim.subscriptionCount("pattern_feedback")).toBe(1);
    expect(sim.commandCount("subscribe_events")).toBe(3);
  });

  it("sends a result with neither success nor error, or text that is not JSON", async () => {
    const sim = await startSimulator();
    const c = await authed(sim);
    sim.injectFault("get_states", { kind: "malformed" }, { times: 1 });
    sim.injectFault("get_config", { kind: "not-json" }, { times: 1 });
    c.send({ id: 1, type: "get_states" });
    expect(await c.next()).toEqual({ id: 1, type: "result" });
    c.send({ id: 2, type: "get_config" });
    expect(await c.next()).toEqual({ notJson: expect.stringMatching(/502 Bad Gateway/) });
    c.send({ id: 3, type: "get_states" });
    expect(await c.next()).toMatchObject({ id: 3, success: true });
  });

  it("keeps silent until the fault is cleared, and hits only commands with the given fields", async () => {
    const sim = await startSimulator();
    const c = await authed(sim);
    sim.injectFault("subscribe_events", { kind: "silence" }, { where: { event_type: "pattern_feedback" } });
    sim.injectFault("ping", { kind: "error" });
    c.send({ id: 1, type: "subscribe_events", event_type: "pattern_feedback" });
    c.send({ id: 2, type: "subscribe_events", event_type: "state_changed" });
    expect(await c.next()).toMatchObject({ id: 2, success: true });
    c.send({ id: 3, type: "ping" });
    expect(await c.next()).toMatchObject({ id: 3, success: false, error: { code: "unknown_error" } });
    sim.clearFaults("subscribe_events");
    c.send({ id: 4, type: "subscribe_events", event_type: "pattern_feedback" });
    expect(await c.next()).toMatchObject({ id: 4, success: true });
    c.send({ id: 5, type: "ping" });
    expect(await c.next()).toMatchObject({ id: 5, success: false });
    sim.clearFaults();
    c.send({ id: 6, type: "ping" });
    expect(await c.next()).toEqual({ id: 6, type: "pong" });
    expect(c.inbox).toEqual([]);
    expect(sim.subscriptionCount("pattern_feedback")).toBe(1);
  });

  it("refuses a fault that would hit no command", async () => {
    const sim = await startSimulator();
    expect(() => sim.injectFault("ping", { kind: "silence" }, { times: 0 })).toThrow(/times: expected at least 1/);
  });
});

describe("HomeAssistantSimulator: REST and control routes", () => {
  it("serves GET /api/ to a valid bearer token only", async () => {
    const sim = await startSimulator();
    const ok = await fetch(`${sim.url}/api/`, { headers: { authorization: `Bearer ${ADMIN}` } });
    expect(await ok.json()).toEqual({ message: "API running." });
    const denied = await fetch(`${sim.url}/api/`);
    expect(denied.status).toBe(401);
    expect(await denied.text()).toBe("401: Unauthorized");
    expect((await fetch(`${sim.url}/api/nothing`, { headers: { authorization: `Bearer ${ADMIN}` } })).status).toBe(404);
    expect((await fetch(`${sim.url}/favicon.ico`)).status).toBe(404);
    const states = await fetch(`${sim.url}/api/states`, { headers: { authorization: `Bearer ${GUEST}` } });
    expect(await states.json()).toEqual([]);
  });

  it("fires events over REST for admins and checks the body", async () => {
    const sim = await startSimulator();
    const post = (token: string, body: string) =>
      fetch(`${sim.url}/api/events/pattern_feedback`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}` },
        body,
      });
    expect((await post(GUEST, "{}")).status).toBe(401);
    expect((await post(ADMIN, "[1]")).status).toBe(400);
    expect((await post(ADMIN, "{bad")).status).toBe(400);
    expect(await (await post(ADMIN, "")).json()).toEqual({ message: "Event pattern_feedback fired." });
  });

  it("offers control routes for demos", async () => {
    const sim = await startSimulator();
    const post = (path: string, body?: unknown) =>
      fetch(`${sim.url}${path}`, { method: "POST", body: body === undefined ? undefined : JSON.stringify(body) });
    const events: unknown[] = [];
    const c = await authed(sim);
    c.send({ id: 1, type: "subscribe_events", event_type: "pattern_feedback" });
    await c.next();
    const fired = await (
      await post("/sim/events/pattern_feedback", { data: { pattern_id: "p" }, origin: "REMOTE", user_id: "u" })
    ).json();
    expect(fired).toMatchObject({ event_type: "pattern_feedback", origin: "REMOTE", context: { user_id: "u" } });
    events.push(await c.next());
    expect(await (await post("/sim/events/pattern_feedback")).json()).toMatchObject({ origin: "LOCAL", data: {} });
    expect(
      (await post("/sim/states/input_select.d", { state: "approve", attributes: { pattern_id: "p" } })).status,
    ).toBe(200);
    expect(sim.getState("input_select.d")).toMatchObject({ state: "approve", attributes: { pattern_id: "p" } });
    expect((await post("/sim/states/input_select.d", { state: 1 })).status).toBe(400);
    expect((await post("/sim/states/input_select.d", "{")).status).toBe(400);
    expect((await post("/sim/revoke", {})).status).toBe(400);
    expect(await (await fetch(`${sim.url}/sim/service-calls`)).json()).toEqual([]);
    expect((await post("/sim/nothing")).status).toBe(404);
    expect((await post("/sim/drop")).status).toBe(200);
    await c.closed;
    expect((await post("/sim/revoke", { token: GUEST })).status).toBe(200);
    expect((await post("/sim/restart?ms=50")).status).toBe(200);
    expect(events).toHaveLength(1);
  });

  it("acts as someone and moves the clock for demos", async () => {
    const sim = await startSimulator();
    const post = (path: string, body: unknown) =>
      fetch(`${sim.url}${path}`, { method: "POST", body: JSON.stringify(body) });
    sim.setState("light.kitchen", "off");
    expect(
      await (await post("/sim/act/light.kitchen", { state: "on", by: "user", user_id: "u1" })).json(),
    ).toMatchObject({
      state: "on",
      context: { user_id: "u1" },
    });
    expect(sim.logbook().at(-1)).toMatchObject({
      entity_id: "light.kitchen",
      context_user_id: "u1",
      context_service: "turn_on",
    });
    expect((await post("/sim/act/light.kitchen", { state: "off", by: "someone" })).status).toBe(400);
    const before = sim.now().getTime();
    const moved = (await (await post("/sim/clock", { advance_ms: 3_600_000 })).json()) as { now: string };
    expect(Date.parse(moved.now) - before).toBeGreaterThanOrEqual(3_600_000);
    expect(await (await post("/sim/clock", { set: "2027-01-01T00:00:00Z" })).json()).toMatchObject({
      now: expect.stringMatching(/^2027-01-01T00:00/),
    });
    expect((await post("/sim/clock", { set: "soon" })).status).toBe(400);
  });

  it("fails to start on a port already taken", async () => {
    const sim = await startSimulator();
    await expect(HomeAssistantSimulator.start({ port: Number(new URL(sim.url).port) })).rejects.toThrow(/EADDRINUSE/);
  });
});

describe("npm run ha-sim", () => {
  it("starts a demo simulator with a token and a banner that explains the controls", async () => {
    const { simulator, token, banner } = await startDemoSimulator({ HA_SIM_PORT: "0" });
    onCleanup(() => simulator.stop());
    expect(token).toMatch(/^[0-9a-f]{48}$/);
    expect(banner).toContain(simulator.url);
    expect(banner).toContain(token);
    expect(banner).toMatch(/sim\/restart/);
    const ok = await fetch(`${simulator.url}/api/`, { headers: { authorization: `Bearer ${token}` } });
    expect(ok.status).toBe(200);
    const fixed = await startDemoSimulator({ HA_SIM_PORT: "0", HA_SIM_TOKEN: "demo" });
    onCleanup(() => fixed.simulator.stop());
    expect(fixed.token).toBe("demo");
  });

  it("serves a generated home whose logbook ends now, to the Supervisor user's token, or an empty home", async () => {
    const env = { HA_SIM_PORT: "0", HA_SIM_TOKEN: "demo", HA_SIM_SEED: "4", HA_SIM_DAYS: "2" };
    const { simulator, home, banner } = await startDemoSimulator(env);
    onCleanup(() => simulator.stop());
    expect(home).toMatchObject({ seed: 4 });
    expect(banner).toContain(`${home!.logbook.length} logbook entries`);
    expect(banner).toContain(`pattern-quality suggest --ha-url ${simulator.url} --token demo`);
    const c = await authed(simulator, "demo");
    c.send({ id: 1, type: "auth/current_user" });
    expect(await c.next()).toMatchObject({ result: { name: "Supervisor", is_admin: true } });
    expect(Date.now() / 1000 - home!.logbook.at(-1)!.when).toBeLessThan(3 * 3600);
    const empty = await startDemoSimulator({ ...env, HA_SIM_HOME: "empty" });
    onCleanup(() => empty.simulator.stop());
    expect(empty.home).toBeUndefined();
    expect(empty.banner).toMatch(/Home: +empty/);
  });

  it("prints the banner when run, and stops on SIGTERM", async () => {
    let printed = "";
    const stop = await runDemo({ HA_SIM_PORT: "0", HA_SIM_TOKEN: "demo" }, (text) => (printed += text));
    expect(printed).toMatch(/Demo token: demo/);
    expect(process.listeners("SIGTERM")).toContain(stop);
    await stop();
    expect(process.listeners("SIGTERM")).not.toContain(stop);
  });

  it("prints to standard output by default", async () => {
    const written: string[] = [];
    const write = process.stdout.write;
    process.stdout.write = ((text: string) => written.push(text) > 0) as typeof process.stdout.write;
    try {
      const stop = await runDemo({ HA_SIM_PORT: "0", HA_SIM_TOKEN: "stdout-demo" });
      await stop();
    } finally {
      process.stdout.write = write;
    }
    expect(written.join("")).toMatch(/Demo token: stdout-demo/);
  });
});
