import { createServer as createTcpServer, type AddressInfo, type Socket } from "node:net";
import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { WebSocketServer } from "ws";
import { InvalidInputError } from "../../src/errors";
import type { HaEvent } from "../../src/ha/feedback-events";
import { HomeAssistantConnection, SUPERVISOR_WEBSOCKET_URL, websocketUrl } from "../../src/ha/connection";
import { HomeAssistantError } from "../../src/ha/errors";
import { ADMIN, GUEST, connectionTo, fast, onCleanup, pause, startSimulator, until } from "./fixtures";

describe("connecting", () => {
  it("connects with a valid token and reports Home Assistant's version", async () => {
    const sim = await startSimulator();
    const { connection, statuses } = connectionTo(sim);
    await connection.connect();
    expect(connection.connected).toBe(true);
    expect(statuses.map((s) => s.state)).toEqual(["connecting", "connected"]);
    expect(connection.haVersion).toBe(sim.haVersion);
    expect(connection.toJSON()).toEqual({
      url: sim.websocketUrl,
      mode: "standalone",
      state: "connected",
      haVersion: sim.haVersion,
    });
  });

  it("returns the same pending promise when connect is called twice", async () => {
    const sim = await startSimulator();
    const { connection } = connectionTo(sim);
    const first = connection.connect();
    expect(connection.connect()).toBe(first);
    await first;
    expect(connection.attempts).toBe(1);
  });

  it("rejects a wrong token with auth-failed, saying how to fix it, and retries only slowly", async () => {
    const sim = await startSimulator();
    const { connection, statuses } = connectionTo(sim, { token: "wrong-token-5555" });
    const error = await connection.connect().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HomeAssistantError);
    expect((error as HomeAssistantError).code).toBe("ha-auth-failed");
    expect((error as Error).message).toMatch(/rejected the access token/);
    const status = statuses.at(-1)!;
    expect(status.state).toBe("auth-failed");
    expect(status.message).toMatch(/long-lived access token/);
    expect(status.retryInMs).toBe(60_000);
    await pause(300);
    expect(sim.authAttempts).toBe(1);
    expect(connection.attempts).toBe(1);
  });

  it("reports an unreachable Home Assistant and backs off with growing, capped delays", async () => {
    const sim = await startSimulator();
    const url = sim.url;
    await sim.stop();
    const connection = new HomeAssistantConnection({ url, token: ADMIN, ...fast });
    onCleanup(() => connection.close());
    const delays: number[] = [];
    connection.on("status", (s) => s.retryInMs !== undefined && delays.push(s.retryInMs));
    const error = await connection.connect().catch((e: unknown) => e);
    expect((error as HomeAssistantError).code).toBe("ha-cannot-connect");
    expect((error as Error).message).toMatch(
      /Cannot reach Home Assistant at ws:\/\/127\.0\.0\.1:\d+\/api\/websocket \(ECONNREFUSED\)/,
    );
    expect(connection.status.state).toBe("disconnected");
    await until(() => delays.length >= 5, "five failed attempts");
    expect(delays.slice(0, 5)).toEqual([20, 40, 80, 100, 100]);
    expect(connection.attempts).toBeLessThanOrEqual(delays.length + 1);
  });

  it("gives up on a server that never completes the websocket handshake", async () => {
    const sockets: Socket[] = [];
    const server = createTcpServer((s) => sockets.push(s)).listen(0, "127.0.0.1");
    await new Promise((r) => server.once("listening", r));
    onCleanup(async () => {
      sockets.forEach((s) => {
        s.destroy();
      });
      await new Promise((r) => server.close(r));
    });
    const port = (server.address() as AddressInfo).port;
    const connection = new HomeAssistantConnection({
      url: `http://127.0.0.1:${port}`,
      token: ADMIN,
      ...fast,
      handshakeTimeoutMs: 100,
      reconnectDelayMs: 60_000,
    });
    onCleanup(() => connection.close());
    const error = (await connection.connect().catch((e: unknown) => e)) as HomeAssistantError;
    expect(error.code).toBe("ha-timeout");
    expect(error.message).toMatch(/did not accept the websocket within 0\.1 s/);
  });

  it("gives up on a server that never completes authentication", async () => {
    const wss = new WebSocketServer({ port: 0, host: "127.0.0.1" });
    await new Promise((r) => wss.once("listening", r));
    onCleanup(() => new Promise((r) => wss.close(() => r())));
    const port = (wss.address() as AddressInfo).port;
    const connection = new HomeAssistantConnection({
      url: `ws://127.0.0.1:${port}/api/websocket`,
      token: ADMIN,
      ...fast,
      authTimeoutMs: 100,
      reconnectDelayMs: 60_000,
    });
    onCleanup(() => connection.close());
    const error = (await connection.connect().catch((e: unknown) => e)) as HomeAssistantError;
    expect(error.code).toBe("ha-timeout");
    expect(error.message).toMatch(/did not complete authentication within 0\.1 s/);
    wss.clients.forEach((c) => {
      c.terminate();
    });
  });

  it("rejects connect after close", async () => {
    const sim = await startSimulator();
    const { connection } = connectionTo(sim);
    await connection.close();
    await expect(connection.connect()).rejects.toMatchObject({ code: "ha-closed" });
  });

  it("settles a pending connect when closed before it connected", async () => {
    const sim = await startSimulator();
    const { connection } = connectionTo(sim);
    const pending = connection.connect().catch((e: unknown) => e);
    await connection.close();
    expect(await pending).toBeInstanceOf(HomeAssistantError);
    await pause(50);
    expect(connection.connected).toBe(false);
  });
});

describe("events and subscriptions", () => {
  it("delivers subscribed events with their context", async () => {
    const sim = await startSimulator();
    const { connection } = connectionTo(sim);
    await connection.connect();
    const events: HaEvent[] = [];
    await connection.subscribeEvents("pattern_feedback", (e) => events.push(e));
    const fired = sim.fireEvent("pattern_feedback", { pattern_id: "p1", decision: "approve" }, { userId: "user-1" });
    await until(() => events.length === 1);
    expect(events[0]).toEqual(fired);
  });

  it("subscribes when connected later if subscribed before connecting", async () => {
    const sim = await startSimulator();
    const { connection, subscribed } = connectionTo(sim);
    const events: HaEvent[] = [];
    await connection.subscribeEvents("pattern_feedback", (e) => events.push(e));
    await connection.connect();
    await until(() => subscribed.length === 1, "the subscription");
    sim.fireEvent("pattern_feedback", {});
    await until(() => events.length === 1);
    expect(sim.subscriptionCount("pattern_feedback")).toBe(1);
  });

  it("stops delivering after unsubscribing", async () => {
    const sim = await startSimulator();
    const { connection } = connectionTo(sim);
    await connection.connect();
    const events: HaEvent[] = [];
    const unsubscribe = await connection.subscribeEvents("pattern_feedback", (e) => events.push(e));
    await unsubscribe();
    expect(sim.subscriptionCount("pattern_feedback")).toBe(0);
    await unsubscribe();
    sim.fireEvent("pattern_feedback", {});
    await connection.getStates();
    expect(events).toEqual([]);
  });

  it("shows a non-admin subscription to an admin-only event as refused, naming the event and the fix", async () => {
    const sim = await startSimulator();
    const { connection, statuses, warnings } = connectionTo(sim, { token: GUEST });
    await connection.connect();
    await expect(connection.subscribeEvents("mobile_app_notification_action", () => undefined)).resolves.toBeTypeOf(
      "function",
    );
    const [problem] = connection.subscriptionProblems;
    expect(problem!.eventType).toBe("mobile_app_notification_action");
    expect(problem!.error).toMatchObject({ code: "ha-unauthorized", haCode: "unauthorized" });
    for (const text of [problem!.error.message, statuses.at(-1)!.message, warnings.join("\n")]) {
      expect(text).toMatch(/refused the subscription to mobile_app_notification_action/);
      expect(text).toMatch(/non-admin user/);
      expect(text).toMatch(/admin user, or run as the Home Assistant add-on/);
    }
    expect(statuses.at(-1)).toMatchObject({ state: "unauthorized" });
    expect(warnings).toHaveLength(1);
    expect(sim.subscriptionCount("mobile_app_notification_action")).toBe(0);
  });

  it("retries a refused subscription slowly and on every reconnect, and restores it once the user is admin", async () => {
    const sim = await startSimulator();
    const { connection, statuses, warnings, subscribed } = connectionTo(sim, { token: GUEST, authRetryMs: 200 });
    await connection.connect();
    await connection.subscribeEvents("pattern_feedback", () => undefined);
    const refusals = () => sim.commandCount("subscribe_events");
    await pause(100);
    expect(refusals()).toBe(1);
    await until(() => refusals() === 2, "the slow retry");
    sim.dropConnections();
    await until(() => refusals() === 3, "the renewal after the reconnect");
    await until(() => connection.status.state === "unauthorized", "the refusal shown again");
    expect(warnings.filter((w) => /refused the subscription/.test(w))).toHaveLength(1);
    // Promoted to admin; Home Assistant applies it to new connections.
    sim.addToken({ token: GUEST, admin: true, name: "Promoted" });
    sim.dropConnections();
    await until(() => subscribed.length === 1, "the subscription");
    expect(statuses.at(-1)).toMatchObject({ state: "connected", message: expect.stringMatching(/holds again/) });
    expect(connection.subscriptionProblems).toEqual([]);
  });

  it("lets a non-admin token subscribe to state_changed", async () => {
    const sim = await startSimulator();
    const { connection } = connectionTo(sim, { token: GUEST });
    await connection.connect();
    const events: HaEvent[] = [];
    await connection.subscribeEvents("state_changed", (e) => events.push(e));
    sim.setState("input_select.pattern_decision", "approve", { pattern_id: "p1" });
    await until(() => events.length === 1);
    expect(events[0]!.data).toMatchObject({ entity_id: "input_select.pattern_decision" });
  });

  it("keeps the connection when an event handler throws, and says so", async () => {
    const sim = await startSimulator();
    const { connection, warnings } = connectionTo(sim);
    await connection.connect();
    const seen: string[] = [];
    await connection.subscribeEvents("pattern_feedback", () => {
      throw new Error("handler broke");
    });
    await connection.subscribeEvents("pattern_feedback", (e) => seen.push(e.event_type));
    sim.fireEvent("pattern_feedback", {});
    await until(() => seen.length === 1);
    expect(warnings.join()).toMatch(/handler for pattern_feedback failed: handler broke/);
    expect(connection.connected).toBe(true);
  });

  it("sends a subscription made while the connection comes up only once", async () => {
    const sim = await startSimulator();
    const { connection, subscribed } = connectionTo(sim);
    const events: HaEvent[] = [];
    let subscribing: Promise<unknown> | undefined;
    connection.on("status", (s) => {
      if (s.state === "connected" && subscribing === undefined)
        subscribing = connection.subscribeEvents("pattern_feedback", (e) => events.push(e));
    });
    await connection.connect();
    await subscribing;
    await until(() => subscribed.length === 1);
    expect(sim.subscriptionCount("pattern_feedback")).toBe(1);
    sim.fireEvent("pattern_feedback", {});
    await until(() => events.length === 1);
    await connection.getStates();
    expect(events).toHaveLength(1);
  });

  it("keeps a subscription whose request was cut off by a lost connection, and renews it", async () => {
    const sim = await startSimulator();
    const { connection, subscribed } = connectionTo(sim);
    await connection.connect();
    sim.freezeConnections();
    const pending = connection.subscribeEvents("pattern_feedback", () => undefined);
    sim.dropConnections();
    await expect(pending).resolves.toBeTypeOf("function");
    await until(() => subscribed.length === 1, "the renewed subscription");
    expect(sim.subscriptionCount("pattern_feedback")).toBe(1);
  });

  it("keeps and reports a subscription refused after a reconnect, without crashing", async () => {
    const sim = await startSimulator();
    const { connection, warnings } = connectionTo(sim);
    await connection.connect();
    await connection.subscribeEvents("mobile_app_notification_action", () => undefined);
    await connection.subscribeEvents("state_changed", () => undefined);
    // The user lost admin rights while the connection was down.
    sim.addToken({ token: ADMIN, admin: false, name: "Demoted" });
    sim.dropConnections();
    await until(
      () => warnings.some((w) => /refused the subscription to mobile_app_notification_action/.test(w)),
      "the warning",
    );
    expect(connection.status.state).toBe("unauthorized");
    await until(() => sim.subscriptionCount("state_changed") === 1);
    expect(sim.subscriptionCount("mobile_app_notification_action")).toBe(0);
    expect(connection.subscriptionProblems.map((p) => p.eventType)).toEqual(["mobile_app_notification_action"]);
  });

  it("keeps connecting and renewing when a status listener throws", async () => {
    const sim = await startSimulator();
    const { connection, warnings, subscribed } = connectionTo(sim);
    connection.on("status", () => {
      throw new Error("display broke");
    });
    await connection.subscribeEvents("pattern_feedback", () => undefined);
    await connection.connect();
    await until(() => subscribed.length === 1);
    expect(warnings).toContain("A status listener failed: display broke");
  });

  it("rejects a bad event type or handler naming the field", async () => {
    const sim = await startSimulator();
    const { connection } = connectionTo(sim);
    await expect(connection.subscribeEvents("", () => undefined)).rejects.toMatchObject({ field: "eventType" });
    await expect(connection.subscribeEvents("x", "nope" as never)).rejects.toMatchObject({ field: "handler" });
  });
});

describe("surviving restarts and lost connections", () => {
  it("comes back after dropped connections, renews the subscription and delivers later events once", async () => {
    const sim = await startSimulator();
    const { connection, subscribed, statuses } = connectionTo(sim);
    await connection.connect();
    const ids: string[] = [];
    await connection.subscribeEvents("pattern_feedback", (e) => ids.push(e.context!.id));
    sim.dropConnections();
    await until(() => subscribed.length === 2, "the renewed subscription");
    expect(statuses.map((s) => s.state)).toContain("disconnected");
    const fired = Array.from({ length: 50 }, (_, i) => sim.fireEvent("pattern_feedback", { i }).context.id);
    await until(() => ids.length >= 50);
    await connection.getStates();
    expect(ids).toEqual(fired);
    expect(sim.subscriptionCount("pattern_feedback")).toBe(1);
  });

  it("comes back after a Home Assistant restart mid-stream; events after it all arrive, none twice", async () => {
    const sim = await startSimulator();
    const { connection, subscribed } = connectionTo(sim);
    await connection.connect();
    const ids: string[] = [];
    await connection.subscribeEvents("pattern_feedback", (e) => ids.push(e.context!.id));
    const before = Array.from({ length: 20 }, (_, i) => sim.fireEvent("pattern_feedback", { i }).context.id);
    await until(() => ids.length === 20);
    await sim.restart(200);
    await until(() => subscribed.length === 2, "the renewed subscription");
    const after = Array.from({ length: 100 }, (_, i) => sim.fireEvent("pattern_feedback", { i }).context.id);
    await until(() => ids.length >= 120);
    await connection.getStates();
    expect(ids).toEqual([...before, ...after]);
    expect(new Set(ids).size).toBe(ids.length);
    expect(sim.connectionAttempts).toBeGreaterThan(1);
  });

  it("notices a token revoked during a reconnect, says so, and retries slowly instead of looping", async () => {
    const sim = await startSimulator();
    const { connection, statuses } = connectionTo(sim);
    await connection.connect();
    sim.revokeToken(ADMIN);
    await until(() => connection.status.state === "auth-failed", "auth-failed");
    const status = connection.status;
    expect(status.message).toMatch(/wrong, expired or was revoked/);
    expect(status.message).toMatch(/Retrying in 60 s/);
    const attempts = sim.authAttempts;
    await pause(300);
    expect(sim.authAttempts).toBe(attempts);
    expect(statuses.filter((s) => s.state === "auth-failed")).toHaveLength(1);
  });

  it("finds a half-open socket with its ping heartbeat and reconnects", async () => {
    const sim = await startSimulator();
    const { connection, subscribed, warnings } = connectionTo(sim, { pingIntervalMs: 30, pingTimeoutMs: 60 });
    await connection.connect();
    const ids: string[] = [];
    await connection.subscribeEvents("pattern_feedback", (e) => ids.push(e.context!.id));
    sim.freezeConnections();
    await until(() => subscribed.length === 2, "the renewed subscription");
    expect(warnings.join()).toMatch(/did not answer a ping/);
    const fired = sim.fireEvent("pattern_feedback", {}).context.id;
    await until(() => ids.includes(fired));
    expect(ids).toEqual([fired]);
  });

  it("answers pings while the connection is healthy", async () => {
    const sim = await startSimulator();
    const { connection, warnings } = connectionTo(sim, { pingIntervalMs: 10, pingTimeoutMs: 5_000 });
    await connection.connect();
    await pause(100);
    expect(warnings).toEqual([]);
    expect(connection.attempts).toBe(1);
  });
});

describe("faults in Home Assistant's replies", () => {
  it("keeps a subscription answered with an error, says so once and in the status, and restores it", async () => {
    const sim = await startSimulator();
    const { connection, statuses, warnings, subscribed } = connectionTo(sim);
    await connection.connect();
    sim.injectFault(
      "subscribe_events",
      { kind: "error", code: "unknown_error", message: "Bus overloaded" },
      { times: 3 },
    );
    const events: HaEvent[] = [];
    await connection.subscribeEvents("pattern_feedback", (e) => events.push(e));
    expect(connection.status).toMatchObject({
      state: "subscription-failed",
      message: expect.stringMatching(/subscribe_events pattern_feedback: Bus overloaded \(unknown_error\)/),
    });
    await until(() => subscribed.length === 1, "the restored subscription");
    expect(sim.commandCount("subscribe_events")).toBe(4);
    expect(warnings).toEqual([
      expect.stringMatching(/refused subscribe_events pattern_feedback: Bus overloaded.*kept/),
    ]);
    expect(statuses.map((s) => s.state)).toEqual(["connecting", "connected", "subscription-failed", "connected"]);
    sim.fireEvent("pattern_feedback", {});
    await until(() => events.length === 1, "the event");
  });

  it("renews a subscription that fails at a reconnect, and the other sources keep flowing", async () => {
    const sim = await startSimulator();
    const { connection, subscribed } = connectionTo(sim);
    await connection.connect();
    const seen: string[] = [];
    await connection.subscribeEvents("mobile_app_notification_action", (e) => seen.push(e.event_type));
    await connection.subscribeEvents("pattern_feedback", (e) => seen.push(e.event_type));
    sim.injectFault(
      "subscribe_events",
      { kind: "error", code: "unknown_error" },
      { where: { event_type: "mobile_app_notification_action" } },
    );
    sim.dropConnections();
    await until(() => connection.status.state === "subscription-failed", "the failing subscription");
    expect(sim.subscriptionCount("pattern_feedback")).toBe(1);
    sim.fireEvent("pattern_feedback", {});
    await until(() => seen.length === 1);
    // A later reconnect sends every subscription again, the failing one included.
    sim.clearFaults();
    sim.dropConnections();
    await until(
      () => connection.status.state === "connected" && sim.subscriptionCount("mobile_app_notification_action") === 1,
      "both subscriptions",
    );
    expect(subscribed).toHaveLength(5);
    sim.fireEvent("mobile_app_notification_action", {});
    await until(() => seen.length === 2);
    expect(seen).toEqual(["pattern_feedback", "mobile_app_notification_action"]);
  });

  it("restores every subscription once Home Assistant heals after refusing them all for a while", async () => {
    const sim = await startSimulator();
    const { connection, subscribed } = connectionTo(sim);
    await connection.connect();
    sim.injectFault("subscribe_events", { kind: "error", code: "unknown_error" });
    await connection.subscribeEvents("mobile_app_notification_action", () => undefined);
    await connection.subscribeEvents("pattern_feedback", () => undefined);
    sim.dropConnections();
    await pause(400);
    expect(sim.commandCount("subscribe_events")).toBeGreaterThan(6);
    expect(connection.subscriptionProblems).toHaveLength(2);
    sim.clearFaults();
    await until(() => subscribed.length === 2, "both subscriptions");
    expect(connection.status.state).toBe("connected");
    expect(sim.subscriptionCount("mobile_app_notification_action")).toBe(1);
    expect(sim.subscriptionCount("pattern_feedback")).toBe(1);
  });

  it("calls a result with neither success nor error malformed, not a lost connection", async () => {
    const sim = await startSimulator();
    const { connection, warnings, subscribed } = connectionTo(sim);
    await connection.connect();
    sim.injectFault("subscribe_events", { kind: "malformed" }, { times: 1 });
    sim.injectFault("get_states", { kind: "malformed" }, { times: 1 });
    await connection.subscribeEvents("pattern_feedback", () => undefined);
    await expect(connection.getStates()).rejects.toMatchObject({
      code: "ha-command-failed",
      message:
        "Home Assistant answered get_states with a malformed reply (a result with neither success nor an error).",
    });
    expect(warnings.join()).toMatch(/answered subscribe_events pattern_feedback with a malformed reply/);
    expect(warnings.join()).not.toMatch(/lost/);
    await until(() => subscribed.length === 1, "the restored subscription");
    expect(connection.connected).toBe(true);
  });

  it("gives up waiting for a reply that is not JSON, or none, and retries the subscription", async () => {
    const sim = await startSimulator();
    const { connection, warnings, subscribed } = connectionTo(sim, { commandTimeoutMs: 100 });
    await connection.connect();
    sim.injectFault("subscribe_events", { kind: "not-json" }, { times: 1 });
    sim.injectFault("get_states", { kind: "silence" }, { times: 1 });
    await connection.subscribeEvents("pattern_feedback", () => undefined);
    expect(connection.status.state).toBe("subscription-failed");
    await expect(connection.getStates()).rejects.toMatchObject({
      code: "ha-timeout",
      message: "Home Assistant did not answer get_states within 100 ms.",
    });
    await until(() => subscribed.length === 1, "the restored subscription");
    expect(warnings).toEqual([
      "Ignored a frame that is not a JSON object from Home Assistant.",
      expect.stringMatching(/did not answer subscribe_events pattern_feedback within 100 ms/),
    ]);
    await expect(connection.getStates()).resolves.toEqual([]);
  });

  it("stops retrying a failing subscription once unsubscribed or closed", async () => {
    const sim = await startSimulator();
    const { connection, statuses } = connectionTo(sim);
    await connection.connect();
    sim.injectFault("subscribe_events", { kind: "error" });
    const unsubscribe = await connection.subscribeEvents("pattern_feedback", () => undefined);
    await connection.subscribeEvents("state_changed", () => undefined);
    await unsubscribe();
    expect(connection.subscriptionProblems.map((p) => p.eventType)).toEqual(["state_changed"]);
    await connection.close();
    const sent = sim.commandCount("subscribe_events");
    await pause(250);
    expect(sim.commandCount("subscribe_events")).toBe(sent);
    expect(statuses.at(-1)!.state).toBe("disconnected");
  });
});

describe("commands", () => {
  it("calls services and reads states", async () => {
    const sim = await startSimulator();
    const { connection } = connectionTo(sim);
    await connection.connect();
    sim.setState("automation.pattern_p1", "on");
    await connection.callService("notify", "family", { message: "hello" });
    expect(sim.serviceCalls.at(-1)).toMatchObject({
      domain: "notify",
      service: "family",
      serviceData: { message: "hello" },
      userId: "user-admin",
    });
    await connection.callService("automation", "turn_off", {}, { entity_id: "automation.pattern_p1" });
    const states = await connection.getStates();
    expect(states.find((s) => s.entity_id === "automation.pattern_p1")?.state).toBe("off");
  });

  it("turns Home Assistant's error codes into errors that name the service", async () => {
    const sim = await startSimulator();
    const { connection } = connectionTo(sim);
    await connection.connect();
    const error = (await connection
      .callService("notify", "nobody_here", { message: "x" })
      .catch((e: unknown) => e)) as HomeAssistantError;
    expect(error.code).toBe("ha-command-failed");
    expect(error.haCode).toBe("not_found");
    expect(error.message).toMatch(/refused notify\.nobody_here: Action notify\.nobody_here not found\. \(not_found\)/);
    await expect(connection.command({ type: "no_such_command" })).rejects.toMatchObject({ haCode: "unknown_command" });
    await expect(connection.command({ type: "fire_event", event_type: "x" })).resolves.toMatchObject({ context: {} });
  });

  it("reports a command refused for lack of rights", async () => {
    const sim = await startSimulator();
    const { connection } = connectionTo(sim, { token: GUEST });
    await connection.connect();
    await expect(
      connection.command({ type: "fire_event", event_type: "pattern_feedback" }, "fire_event"),
    ).rejects.toMatchObject({
      code: "ha-unauthorized",
      message: expect.stringMatching(/refused fire_event/),
    });
  });

  it("refuses commands while not connected, saying why", async () => {
    const sim = await startSimulator();
    const { connection } = connectionTo(sim);
    await expect(connection.callService("notify", "family", {})).rejects.toMatchObject({ code: "ha-not-connected" });
    await expect(connection.callService("Notify!", "family", {})).rejects.toMatchObject({ field: "domain" });
  });

  it("holds a command sent while the connection is being made, and sends it once connected", async () => {
    const sim = await startSimulator();
    sim.setState("automation.pattern_p1", "on");
    const { connection } = connectionTo(sim);
    connection.connect().catch(() => undefined);
    expect(connection.status.state).toBe("connecting");
    const states = await connection.getStates();
    expect(states.map((s) => s.entity_id)).toContain("automation.pattern_p1");
  });

  it("fails a command held for a connection attempt that fails, with the attempt's reason", async () => {
    const sim = await startSimulator();
    const url = sim.url;
    await sim.stop();
    const connection = new HomeAssistantConnection({ url, token: ADMIN, ...fast, reconnectDelayMs: 60_000 });
    onCleanup(() => connection.close());
    connection.connect().catch(() => undefined);
    await expect(connection.getStates()).rejects.toMatchObject({
      code: "ha-not-connected",
      message: expect.stringMatching(/Retrying in .*get_states was not sent/),
    });
  });

  it("fails a command in flight when the connection drops", async () => {
    const sim = await startSimulator();
    const { connection } = connectionTo(sim);
    await connection.connect();
    sim.freezeConnections();
    const pending = connection.getStates().catch((e: unknown) => e);
    sim.dropConnections();
    expect(await pending).toMatchObject({ code: "ha-not-connected" });
  });
});

describe("configuration and secrecy", () => {
  it("derives the websocket URL from the address users know", () => {
    expect(websocketUrl("http://homeassistant.local:8123")).toBe("ws://homeassistant.local:8123/api/websocket");
    expect(websocketUrl("https://ha.example.org/")).toBe("wss://ha.example.org/api/websocket");
    expect(websocketUrl("ws://10.0.0.2:8123/api/websocket")).toBe("ws://10.0.0.2:8123/api/websocket");
    expect(() => websocketUrl("")).toThrow(InvalidInputError);
    expect(() => websocketUrl("not a url")).toThrow(/not a URL/);
    expect(() => websocketUrl("ftp://x")).toThrow(/http\(s\)/);
    expect(() => websocketUrl("http://me:secret@x")).toThrow(/credentials/);
  });

  it("requires a token in standalone mode and valid durations", () => {
    expect(() => new HomeAssistantConnection({ url: "http://x:8123" })).toThrow(/long-lived access token/);
    expect(() => new HomeAssistantConnection({ url: "http://x:8123", token: "t", pingIntervalMs: -1 })).toThrow(
      /pingIntervalMs/,
    );
    expect(() => new HomeAssistantConnection(null as never)).toThrow(/options/);
  });

  it("uses the Supervisor's websocket and token in add-on mode", async () => {
    expect(HomeAssistantConnection.fromEnvironment({})).toBeNull();
    const addon = HomeAssistantConnection.fromEnvironment({ SUPERVISOR_TOKEN: "supervisor-secret-1" })!;
    expect(addon.mode).toBe("addon");
    expect(addon.url).toBe(SUPERVISOR_WEBSOCKET_URL);
    expect(() => new HomeAssistantConnection({ addon: true, env: {} })).toThrow(/SUPERVISOR_TOKEN/);
    const sim = await startSimulator();
    sim.addToken({ token: "supervisor-secret-1", admin: true, name: "Supervisor" });
    const connection = new HomeAssistantConnection({
      addon: true,
      env: { SUPERVISOR_TOKEN: "supervisor-secret-1" },
      url: sim.url,
      ...fast,
    });
    onCleanup(() => connection.close());
    await connection.connect();
    await expect(connection.subscribeEvents("mobile_app_notification_action", () => undefined)).resolves.toBeTypeOf(
      "function",
    );
  });

  it("tells an add-on whose Supervisor token is refused to restart", async () => {
    const sim = await startSimulator();
    const connection = new HomeAssistantConnection({
      addon: true,
      env: { SUPERVISOR_TOKEN: "stale-supervisor-token" },
      url: sim.url,
      ...fast,
    });
    onCleanup(() => connection.close());
    await connection.connect().catch(() => undefined);
    expect(connection.status.message).toMatch(/restart the add-on/);
  });

  it("never shows the token in statuses, errors, warnings, JSON or inspection", async () => {
    const sim = await startSimulator();
    const secret = "very-secret-token-31337";
    const { connection, statuses } = connectionTo(sim, { token: secret });
    const error = await connection.connect().catch((e: unknown) => e);
    sim.addToken(secret);
    const seen = [
      JSON.stringify(statuses),
      String(error),
      (error as Error).stack,
      JSON.stringify(connection),
      inspect(connection, { depth: 5, showHidden: true }),
    ].join("\n");
    expect(seen).not.toContain(secret);
    expect(seen).toContain("auth-failed");
  });
});

describe("odd replies from Home Assistant", () => {
  it("ignores frames that are not JSON objects instead of crashing", async () => {
    const wss = new WebSocketServer({ port: 0, host: "127.0.0.1" });
    await new Promise((r) => wss.once("listening", r));
    onCleanup(() => new Promise((r) => wss.close(() => r())));
    wss.on("connection", (ws) => {
      ws.send(JSON.stringify({ type: "auth_required" }));
      ws.on("message", (raw) => {
        const m = JSON.parse(raw.toString()) as { type: string; id?: number };
        if (m.type === "auth") {
          ws.send("not json at all");
          ws.send(JSON.stringify({ type: "auth_ok" }));
          ws.send("{broken");
          ws.send("null");
          ws.send("[1, 2]");
          ws.send(Buffer.from([1, 2, 3]), { binary: true });
          // Large frames (a day of logbook) are not parsed twice: checked by their start, then by the library's parse.
          ws.send(`{"broken": "${"x".repeat(70_000)}`);
          ws.send(`<html>${"x".repeat(70_000)}</html>`);
        } else if (m.type === "get_states") {
          ws.send(JSON.stringify([{ id: m.id, type: "result", success: true, result: [] }]));
        }
      });
    });
    const port = (wss.address() as AddressInfo).port;
    const connection = new HomeAssistantConnection({ url: `ws://127.0.0.1:${port}`, token: ADMIN, ...fast });
    onCleanup(() => connection.close());
    const warnings: string[] = [];
    connection.on("warning", (w: string) => warnings.push(w));
    await connection.connect();
    await expect(connection.getStates()).resolves.toEqual([]);
    expect(connection.haVersion).toBe("0.0.0");
    expect(warnings).toEqual([
      "Ignored a frame that is not a JSON object from Home Assistant.",
      "Ignored a frame that is not a JSON object from Home Assistant.",
      "Ignored a frame that is not a JSON object from Home Assistant.",
      "Ignored a binary frame from Home Assistant.",
      "Ignored a frame that is not a JSON object from Home Assistant.",
      "Ignored a frame that is not a JSON object from Home Assistant.",
    ]);
    wss.clients.forEach((c) => {
      c.terminate();
    });
  });

  it("undoes a subscription answered after it was given up on, so that its events arrive once", async () => {
    const wss = new WebSocketServer({ port: 0, host: "127.0.0.1" });
    await new Promise((r) => wss.once("listening", r));
    onCleanup(() => new Promise((r) => wss.close(() => r())));
    const subscriptionIds: number[] = [];
    const unsubscribed: unknown[] = [];
    wss.on("connection", (ws) => {
      ws.send(JSON.stringify({ type: "auth_required" }));
      ws.on("message", (raw) => {
        const m = JSON.parse(raw.toString()) as { type: string; id: number; subscription?: number };
        const answer = () => ws.send(JSON.stringify({ id: m.id, type: "result", success: true, result: null }));
        if (m.type === "auth") ws.send(JSON.stringify({ type: "auth_ok", ha_version: "2026.11.0" }));
        else if (m.type === "unsubscribe_events") {
          unsubscribed.push(m.subscription);
          subscriptionIds.splice(subscriptionIds.indexOf(m.subscription!), 1);
          answer();
        } else if (m.type === "subscribe_events") {
          subscriptionIds.push(m.id);
          // The first request is answered late, after the second one.
          if (subscriptionIds.length === 1) setTimeout(answer, 400);
          else answer();
        } else if (m.type === "fire") {
          for (const id of subscriptionIds) {
            ws.send(JSON.stringify({ id, type: "event", event: { event_type: "pattern_feedback", data: {} } }));
          }
        }
      });
    });
    const port = (wss.address() as AddressInfo).port;
    const connection = new HomeAssistantConnection({
      url: `ws://127.0.0.1:${port}`,
      token: ADMIN,
      ...fast,
      commandTimeoutMs: 50,
    });
    onCleanup(() => connection.close());
    await connection.connect();
    const events: HaEvent[] = [];
    await connection.subscribeEvents("pattern_feedback", (e) => events.push(e));
    await until(() => connection.status.state === "connected" && subscriptionIds.length === 2, "the retry");
    const [late, renewed] = subscriptionIds;
    // Home Assistant holds both requests now: an event goes to each, and is handled once.
    connection.command({ type: "fire" }).catch(() => undefined);
    await until(() => events.length >= 1);
    await until(() => unsubscribed.length === 1, "the late subscription undone");
    expect(unsubscribed).toEqual([late]);
    expect(subscriptionIds).toEqual([renewed]);
    expect(events).toHaveLength(1);
    wss.clients.forEach((c) => {
      c.terminate();
    });
  });

  it("treats a server that closes during authentication as unreachable", async () => {
    const wss = new WebSocketServer({ port: 0, host: "127.0.0.1" });
    await new Promise((r) => wss.once("listening", r));
    onCleanup(() => new Promise((r) => wss.close(() => r())));
    wss.on("connection", (ws) => ws.close());
    const port = (wss.address() as AddressInfo).port;
    const connection = new HomeAssistantConnection({
      url: `ws://127.0.0.1:${port}`,
      token: ADMIN,
      ...fast,
      reconnectDelayMs: 60_000,
    });
    onCleanup(() => connection.close());
    await expect(connection.connect()).rejects.toMatchObject({
      code: "ha-cannot-connect",
      message: expect.stringMatching(/closed the connection during authentication/),
    });
  });
});
