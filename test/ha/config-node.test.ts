import { createRequire } from "node:module";
import helperModule from "node-red-node-test-helper";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Feedback } from "../../src/feedback/feedback";
import { HaFeedbackSource } from "../../src/ha/feedback-source";
import register, { type HaConnectionNode } from "../../nodes/pattern-quality-ha/pattern-quality-ha";
import { haStatusRing, notConfiguredRing } from "../../nodes/pattern-quality-ha/status";
import { withConnectionStatus } from "../../nodes/shared/home-assistant";
import type { NodeRedApi } from "../../nodes/shared/red";
import { ADMIN, GUEST, fast, startSimulator, until } from "./fixtures";

const helper = helperModule as unknown as {
  init(path: string): void;
  load(nodes: unknown[], flow: object[], credentials?: object): Promise<void>;
  unload(): Promise<void>;
  getNode(id: string): HaConnectionNode & { on(e: string, l: (...a: any[]) => void): void };
};

const configNode = (RED: NodeRedApi) => register(RED, fast);

beforeAll(() => helper.init(createRequire(import.meta.url).resolve("node-red")));
afterEach(async () => {
  await helper.unload();
  delete process.env.SUPERVISOR_TOKEN;
});

/** Everything the node wrote to the log, as text. */
function logOf(node: { on(e: string, l: (...a: any[]) => void): void }): string[] {
  const lines: string[] = [];
  for (const level of ["log", "warn", "error"])
    node.on(`call:${level}`, (call: { args: unknown[] }) => lines.push(`${level}: ${String(call.args[0])}`));
  return lines;
}

describe("pattern-quality-ha config node", () => {
  it("connects when the first node registers, and shares one connection among its users", async () => {
    const sim = await startSimulator();
    await helper.load([configNode], [{ id: "ha", type: "pattern-quality-ha", name: "Home", url: sim.url }], {
      ha: { token: ADMIN },
    });
    const ha = helper.getNode("ha");
    const log = logOf(ha);
    expect(ha.connection!.connected).toBe(false);
    ha.register({ id: "collector" });
    ha.register({ id: "score" });
    await until(() => ha.connection!.connected, "the connection");
    expect([...ha.users]).toEqual(["collector", "score"]);
    expect(sim.connectionAttempts).toBe(1);
    ha.deregister({ id: "score" });
    expect([...ha.users]).toEqual(["collector"]);
    await until(() => log.length > 0);
    expect(log).toEqual([`log: Connected to Home Assistant ${sim.haVersion}.`]);
  });

  it("delivers household decisions to a feedback source on its connection", async () => {
    const sim = await startSimulator();
    await helper.load([configNode], [{ id: "ha", type: "pattern-quality-ha", url: sim.url }], { ha: { token: ADMIN } });
    const ha = helper.getNode("ha");
    ha.register({ id: "collector" });
    const source = new HaFeedbackSource(ha.connection!);
    const feedback: Feedback[] = [];
    source.on("feedback", (f: Feedback) => feedback.push(f));
    await source.start();
    await until(() => sim.subscriptionCount("mobile_app_notification_action") === 1, "the subscription");
    sim.fireEvent("mobile_app_notification_action", { action: "PATTERN_APPROVE_p1" }, { userId: "user-anna" });
    await until(() => feedback.length === 1);
    expect(feedback[0]).toMatchObject({ patternId: "p1", label: 1, user: "user-anna" });
  });

  it("says what is wrong with a refused token, without showing it, and does not retry in a loop", async () => {
    const sim = await startSimulator();
    const secret = "refused-token-8e1f2a";
    await helper.load([configNode], [{ id: "ha", type: "pattern-quality-ha", url: sim.url }], {
      ha: { token: secret },
    });
    const ha = helper.getNode("ha");
    const log = logOf(ha);
    ha.register({ id: "collector" });
    await until(() => ha.connection!.status.state === "auth-failed", "auth-failed");
    expect(haStatusRing(ha.connection!.status)).toEqual({ fill: "red", shape: "ring", text: "auth failed" });
    await until(() => log.length > 0);
    expect(log.join("\n")).toMatch(/warn: Home Assistant rejected the access token/);
    expect(log.join("\n")).not.toContain(secret);
    expect(JSON.stringify(ha.connection)).not.toContain(secret);
    expect(sim.authAttempts).toBe(1);
  });

  it("reports a missing token, naming the field, without crashing", async () => {
    await helper.load([configNode], [{ id: "ha", type: "pattern-quality-ha", url: "http://127.0.0.1:1" }]);
    const ha = helper.getNode("ha");
    expect(ha.connection).toBeNull();
    expect(ha.configError).toMatchObject({ field: "token" });
    ha.register({ id: "collector" });
    expect([...ha.users]).toEqual(["collector"]);
  });

  it("reports a missing URL, naming the field", async () => {
    await helper.load([configNode], [{ id: "ha", type: "pattern-quality-ha" }], { ha: { token: ADMIN } });
    expect(helper.getNode("ha").configError).toMatchObject({ field: "url" });
  });

  it("uses add-on mode when no URL is set and SUPERVISOR_TOKEN exists", async () => {
    process.env.SUPERVISOR_TOKEN = "supervisor-token-in-env";
    await helper.load([configNode], [{ id: "ha", type: "pattern-quality-ha", url: "" }]);
    const ha = helper.getNode("ha");
    expect(ha.connection!.toJSON()).toEqual({
      url: "ws://supervisor/core/websocket",
      mode: "addon",
      state: "disconnected",
    });
  });

  it("closes its connection when the flow stops", async () => {
    const sim = await startSimulator();
    await helper.load([configNode], [{ id: "ha", type: "pattern-quality-ha", url: sim.url }], { ha: { token: ADMIN } });
    const ha = helper.getNode("ha");
    ha.register({ id: "collector" });
    await until(() => sim.connectionCount === 1, "the connection");
    const connection = ha.connection!;
    await helper.unload();
    expect(connection.connected).toBe(false);
    await until(() => sim.connectionCount === 0, "the closed socket");
  });

  it("logs repeated states once, and warnings as they come", async () => {
    const sim = await startSimulator();
    await helper.load([configNode], [{ id: "ha", type: "pattern-quality-ha", url: sim.url }], { ha: { token: ADMIN } });
    const ha = helper.getNode("ha");
    const log = logOf(ha);
    ha.register({ id: "collector" });
    await until(() => ha.connection!.connected);
    await sim.stop();
    await until(
      () => log.filter((l) => l.startsWith("warn")).length >= 1 && ha.connection!.attempts >= 3,
      "a few failed attempts",
    );
    expect(log.filter((l) => /warn: Lost the connection|warn: Cannot reach/.test(l))).toHaveLength(1);
    ha.connection!.emit("warning", "something odd");
    await until(() => log.length === 3, "the warning in the log");
    expect(log.at(-1)).toBe("warn: something odd");
  });

  it("shows each connection state as a short ring", () => {
    const states = [
      "connecting",
      "connected",
      "subscription-failed",
      "unauthorized",
      "disconnected",
      "auth-failed",
    ] as const;
    const rings = states.map((state) => haStatusRing({ state, message: "" }));
    expect(rings.map((r) => `${r.fill}/${r.text}`)).toEqual([
      "yellow/connecting",
      "green/connected",
      "yellow/subscription failed",
      "yellow/needs admin token",
      "red/disconnected",
      "red/auth failed",
    ]);
    for (const ring of [...rings, notConfiguredRing]) expect(ring.text!.length).toBeLessThan(20);
  });

  it("logs a subscription refused to a non-admin token once, then the connection's own changes", async () => {
    const sim = await startSimulator();
    await helper.load([configNode], [{ id: "ha", type: "pattern-quality-ha", url: sim.url }], { ha: { token: GUEST } });
    const ha = helper.getNode("ha");
    const log = logOf(ha);
    ha.register({ id: "collector" });
    await ha.connection!.subscribeEvents("mobile_app_notification_action", () => undefined);
    await until(() => ha.connection!.status.state === "unauthorized", "the refusal");
    const refusals = () => log.filter((l) => /refused the subscription to mobile_app_notification_action/.test(l));
    expect(refusals()).toHaveLength(1);
    expect(refusals()[0]).toMatch(/^warn: .*non-admin user/);
    sim.dropConnections();
    await until(() => log.some((l) => /Lost the connection/.test(l)), "the lost connection");
    await until(() => ha.connection!.status.state === "unauthorized", "the refusal after the reconnect");
    // Back, and still refused: said once more as the state of the new connection, not twice.
    expect(refusals()).toHaveLength(2);
    expect(log[0]).toBe(`log: Connected to Home Assistant ${sim.haVersion}.`);
  });

  it("says once, naming the fix, that an empty URL needs the Home Assistant app, and its users show it", async () => {
    delete process.env.SUPERVISOR_TOKEN;
    await helper.load([configNode], [{ id: "ha", type: "pattern-quality-ha", url: " " }], { ha: { token: ADMIN } });
    const ha = helper.getNode("ha");
    expect(ha.connection).toBeNull();
    expect(ha.configError).toMatchObject({ field: "url" });
    expect(ha.configError!.message).toMatch(/does not run as the Home Assistant app.*address.*access token/);
    const green = { fill: "green", shape: "dot", text: "0 pending · v0001" } as const;
    expect(withConnectionStatus(green, ha)).toEqual(notConfiguredRing);
    expect(withConnectionStatus(green, null)).toEqual(green);
  });

  it("lets a node's own status show only while its connection is connected with every subscription", async () => {
    const sim = await startSimulator();
    await helper.load([configNode], [{ id: "ha", type: "pattern-quality-ha", url: sim.url }], { ha: { token: ADMIN } });
    const ha = helper.getNode("ha");
    const own = { fill: "grey", shape: "dot", text: "idle · v0001" } as const;
    expect(withConnectionStatus(own, ha)).toMatchObject({ fill: "red", text: "disconnected" });
    ha.register({ id: "collector" });
    await until(() => ha.connection!.connected, "the connection");
    expect(withConnectionStatus(own, ha)).toEqual(own);
    sim.injectFault("subscribe_events", { kind: "error" }, { times: 1 });
    await ha.connection!.subscribeEvents("pattern_feedback", () => undefined);
    expect(withConnectionStatus(own, ha)).toMatchObject({ fill: "yellow", text: "subscription failed" });
  });
});
