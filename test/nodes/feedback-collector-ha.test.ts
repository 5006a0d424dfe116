// feedback-collector listening to Home Assistant itself: the simulator speaks HA's websocket
// protocol over a real socket; the connection node is this package's pattern-quality-ha.
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import registerHa from "../../nodes/pattern-quality-ha/pattern-quality-ha";
import { haRulesFromDefinition } from "../../nodes/feedback-collector/ha-rules";
import type { NodeRedApi } from "../../nodes/shared/red";
import { ADMIN, GUEST, fast, pause, startSimulator, until } from "../ha/fixtures";
import { allNodes, helper, initNodeRed, modelConfig, nextError, nextMessage, statusWith, tempDir } from "./harness";

const haNode = (RED: NodeRedApi) => registerHa(RED, fast);
const nodes = [...allNodes, haNode];

beforeAll(() => initNodeRed());
afterEach(() => helper.unload());

async function loadWithHa(token: string, collector: Record<string, unknown> = {}) {
  const sim = await startSimulator();
  const dir = await tempDir();
  await helper.load(
    nodes,
    [
      modelConfig("m1", dir),
      { id: "ha", type: "pattern-quality-ha", url: sim.url },
      { id: "c1", type: "feedback-collector", model: "m1", ha: "ha", wires: [["out"]], ...collector },
      { id: "out", type: "helper" },
    ],
    { ha: { token } },
  );
  return {
    sim,
    model: await helper.getNode("m1").model(),
    collector: helper.getNode("c1"),
    out: helper.getNode("out"),
  };
}

/** Every status this node has shown so far (the test helper records calls on a shared spy). */
function shown(node: any): Array<{ fill?: string; shape?: string; text?: string }> {
  return node.status
    .getCalls()
    .filter((call: { thisValue: unknown }) => call.thisValue === node)
    .map((call: { args: any[] }) => call.args[0]);
}

describe("feedback-collector with a Home Assistant connection", () => {
  it("stores a notification answer fired in Home Assistant and sends it on", async () => {
    const { sim, model, out } = await loadWithHa(ADMIN);
    await until(() => sim.subscriptionCount("mobile_app_notification_action") === 1, "the subscription");
    const received = nextMessage(out);
    sim.fireEvent(
      "mobile_app_notification_action",
      { action: "PATTERN_REJECT_porch-light" },
      { userId: "user-anna", origin: "REMOTE" },
    );
    const msg = await received;
    expect(msg.topic).toBe("ha:mobile_app_notification_action");
    expect(msg.payload.stored[0]).toMatchObject({ patternId: "porch-light", label: 0, user: "user-anna" });
    expect(model.metrics().feedbackCount).toBe(1);
  });

  it("stores the custom event under a configured event type, with its features", async () => {
    const { sim, out } = await loadWithHa(ADMIN, { customEventType: "household_answer" });
    await until(() => sim.subscriptionCount("household_answer") === 1, "the subscription");
    const received = nextMessage(out);
    sim.fireEvent("household_answer", {
      pattern_id: "p9",
      decision: "approve",
      features: { hour: 20, devices: 1, confidence: 0.7 },
    });
    const msg = await received;
    expect(msg.payload.stored[0]).toMatchObject({
      patternId: "p9",
      label: 1,
      features: { hour: 20, devices: 1, confidence: 0.7 },
    });
    expect(msg.payload.parked).toEqual([]);
  });

  it("stores decisions from a helper entity's state, which a non-admin token may follow", async () => {
    const { sim, out } = await loadWithHa(GUEST, {
      notificationAction: false,
      customEvent: false,
      helperEntities: true,
      entityIds: "input_select.pattern_answer",
    });
    await until(() => sim.subscriptionCount("state_changed") === 1, "the subscription");
    const received = nextMessage(out);
    sim.setState("input_select.pattern_answer", "approve", { pattern_id: "hall-dim" }, "user-guest");
    expect((await received).payload.stored[0]).toMatchObject({ patternId: "hall-dim", label: 1 });
  });

  it("warns, naming the event, and turns yellow when a non-admin token is refused a source", async () => {
    const sim = await startSimulator();
    const dir = await tempDir();
    const warnings: string[] = [];
    await helper.load(nodes, [modelConfig("m1", dir), { id: "ha", type: "pattern-quality-ha", url: sim.url }], {
      ha: { token: GUEST },
    });
    // Connected before the collector starts, so start() sees the refusal itself.
    const ha = helper.getNode("ha");
    // The connection node names the refused source, once for all the nodes using it.
    ha.on("call:warn", (call: { args: unknown[] }) => warnings.push(String(call.args[0])));
    ha.register({ id: "probe" });
    await until(() => ha.connection.connected, "the connection");
    await helper.setFlows(
      [
        modelConfig("m1", dir),
        { id: "ha", type: "pattern-quality-ha", url: sim.url },
        { id: "c1", type: "feedback-collector", model: "m1", ha: "ha", wires: [[]] },
      ],
      "nodes",
    );
    const collector = helper.getNode("c1");
    await statusWith(collector, (s) => s.fill === "yellow" && s.text === "needs admin token");
    await until(() => /mobile_app_notification_action/.test(warnings.join("\n")), "the warning");
  });

  it("shows when Home Assistant refuses the token, in a red ring", async () => {
    const { collector } = await loadWithHa("not-a-valid-token");
    await until(() => shown(collector).some((s) => s.text === "auth failed"), "the auth failed ring");
    expect(shown(collector).find((s) => s.text === "auth failed")).toEqual({
      fill: "red",
      shape: "ring",
      text: "auth failed",
    });
  });

  it("shows the pending count again once Home Assistant is connected", async () => {
    const { collector } = await loadWithHa(ADMIN);
    await until(() => shown(collector).some((s) => s.text === "connecting"), "the connecting ring");
    await until(() => helper.getNode("ha").connection.connected, "the connection");
    await until(() => shown(collector).at(-1)?.text === "0 pending · no model", "the pending count after connecting");
    const texts = shown(collector).map((s) => s.text);
    expect(texts.lastIndexOf("0 pending · no model")).toBeGreaterThan(texts.indexOf("connecting"));
  });

  it("applies its rules to Home Assistant events that arrive as messages, too", async () => {
    const { collector, out } = await loadWithHa(ADMIN, { approvePrefix: "YES_", rejectPrefix: "NO_" });
    const received = nextMessage(out);
    collector.receive({
      payload: { event_type: "mobile_app_notification_action", data: { action: "YES_p1" }, context: { id: "ctx-1" } },
    });
    expect((await received).payload.stored[0]).toMatchObject({ patternId: "p1", label: 1 });
  });

  it("refuses messages with a red ring when its Home Assistant rules are invalid", async () => {
    const { collector } = await loadWithHa(ADMIN, { implicit: true, entityTemplate: "automation.pattern" });
    const error = nextError(collector);
    collector.receive({ payload: { patternId: "p", label: 1 } });
    expect((await error).message).toMatch(/entityTemplate.*\{id\}/);
  });

  it("warns when the chosen connection no longer exists", async () => {
    const dir = await tempDir();
    await helper.load(nodes, [
      modelConfig("m1", dir),
      { id: "c1", type: "feedback-collector", model: "m1", ha: "gone", wires: [[]] },
    ]);
    const collector = helper.getNode("c1");
    // The test helper records every node's warn calls on a spy shared by all nodes.
    const calls: Array<{ thisValue: unknown; args: unknown[] }> = collector.warn.getCalls();
    expect(calls.some((call) => call.thisValue === collector && /no longer exists/.test(String(call.args[0])))).toBe(
      true,
    );
  });

  it("reports, naming the pattern, a Home Assistant decision the model refuses", async () => {
    const { sim, collector, model } = await loadWithHa(ADMIN);
    await until(() => sim.subscriptionCount("pattern_feedback") === 1, "the subscription");
    const error = nextError(collector);
    const red = statusWith(collector, (s) => s.fill === "red");
    sim.fireEvent("pattern_feedback", { pattern_id: "odd", decision: "approve", features: { colour: 3 } });
    // Logged as text: there is no message to hand to a catch node for an event from Home Assistant.
    expect(String(await error)).toMatch(/pattern odd not stored: .*colour/);
    await red;
    expect(model.metrics().feedbackCount).toBe(0);
  });

  it("says so when the chosen connection has no URL or token", async () => {
    const dir = await tempDir();
    delete process.env.SUPERVISOR_TOKEN;
    await helper.load(nodes, [
      modelConfig("m1", dir),
      { id: "ha", type: "pattern-quality-ha", url: "" },
      { id: "c1", type: "feedback-collector", model: "m1", ha: "ha", wires: [[]] },
    ]);
    const collector = helper.getNode("c1");
    // The connection node says what to enter, once; the collector shows it in its status.
    await until(() => shown(collector).at(-1)?.text === "HA not configured", "the not-configured ring");
    const ha = helper.getNode("ha");
    const said = ha.error.getCalls().filter((call: { thisValue: unknown }) => call.thisValue === ha);
    expect(said.length).toBe(1);
  });
});

describe("feedback-collector when Home Assistant misbehaves", () => {
  /** Loads the flow while Home Assistant is down, so that it connects after the model is open. */
  async function loadBeforeHomeAssistant(token: string, collector: Record<string, unknown> = {}) {
    const sim = await startSimulator();
    const dir = await tempDir();
    const down = sim.restart(300);
    await helper.load(
      nodes,
      [
        modelConfig("m1", dir),
        { id: "ha", type: "pattern-quality-ha", url: sim.url },
        { id: "c1", type: "feedback-collector", model: "m1", ha: "ha", wires: [["out"]], ...collector },
        { id: "out", type: "helper" },
      ],
      { ha: { token } },
    );
    const model = await helper.getNode("m1").model();
    await down;
    return { sim, model, collector: helper.getNode("c1"), out: helper.getNode("out"), ha: helper.getNode("ha") };
  }

  it("keeps a source whose subscription Home Assistant failed, shows it, and stores its decisions once healed", async () => {
    const sim = await startSimulator();
    sim.injectFault(
      "subscribe_events",
      { kind: "error", code: "unknown_error" },
      { times: 2, where: { event_type: "mobile_app_notification_action" } },
    );
    const dir = await tempDir();
    await helper.load(
      nodes,
      [
        modelConfig("m1", dir),
        { id: "ha", type: "pattern-quality-ha", url: sim.url },
        { id: "c1", type: "feedback-collector", model: "m1", ha: "ha", wires: [["out"]] },
        { id: "out", type: "helper" },
      ],
      { ha: { token: ADMIN } },
    );
    const collector = helper.getNode("c1");
    await until(() => shown(collector).some((s) => s.text === "subscription failed"), "the failing subscription");
    await until(() => sim.subscriptionCount("mobile_app_notification_action") === 1, "the restored subscription");
    await until(() => shown(collector).at(-1)?.text === "0 pending · no model", "the pending count again");
    const received = nextMessage(helper.getNode("out"));
    sim.fireEvent("mobile_app_notification_action", { action: "PATTERN_APPROVE_hall" }, { userId: "user-anna" });
    expect((await received).payload.stored[0]).toMatchObject({ patternId: "hall", label: 1 });
  });

  it("ends yellow, needing an admin token, when a non-admin token is refused sources, also after a reconnect", async () => {
    const { sim, collector, ha } = await loadBeforeHomeAssistant(GUEST);
    const needsAdmin = { fill: "yellow", shape: "ring", text: "needs admin token" };
    await until(() => shown(collector).at(-1)?.text === "needs admin token", "the refusal");
    expect(shown(collector).at(-1)).toEqual(needsAdmin);
    const attempts = ha.connection.attempts;
    sim.dropConnections();
    await until(() => ha.connection.attempts > attempts && ha.connection.connected, "the reconnect");
    await pause(100);
    expect(shown(collector).at(-1)).toEqual(needsAdmin);
  });

  it("reads the automations' states on deploy when implicit feedback is on", async () => {
    const { sim } = await loadBeforeHomeAssistant(ADMIN, { implicit: true });
    await until(() => sim.commandCount("get_states") === 1, "the automations' states");
  });

  it("stores a Home Assistant decision with the time it was made", async () => {
    const { collector, out } = await loadWithHa(ADMIN);
    const received = nextMessage(out);
    collector.receive({
      payload: {
        event_type: "mobile_app_notification_action",
        data: { action: "PATTERN_REJECT_porch" },
        time_fired: "2026-11-01T18:30:05.123+00:00",
        context: { id: "ctx-fired" },
      },
    });
    expect((await received).payload.stored[0]).toMatchObject({
      patternId: "porch",
      receivedAt: "2026-11-01T18:30:05.123Z",
    });
  });

  it("logs an unconfigured connection once for all the nodes that use it", async () => {
    delete process.env.SUPERVISOR_TOKEN;
    const dir = await tempDir();
    await helper.load(nodes, [
      modelConfig("m1", dir),
      { id: "ha", type: "pattern-quality-ha", url: "" },
      { id: "u1", type: "incremental-update", model: "m1", ha: "ha", wires: [[], []] },
      { id: "s1", type: "pattern-score", model: "m1", ha: "ha", wires: [[], []] },
    ]);
    // The test helper records the error calls of every node on one spy.
    const everyError = helper
      .getNode("ha")
      .error.getCalls()
      .map((call: { args: unknown[] }) => String(call.args[0]));
    expect(everyError).toEqual([expect.stringMatching(/^Home Assistant connection not configured: url: empty/)]);
  });
});

describe("Home Assistant rules from the feedback-collector form", () => {
  it("uses the defaults for empty fields", () => {
    const rules = haRulesFromDefinition({ id: "c", type: "feedback-collector" });
    expect(rules.notificationAction).toEqual({
      enabled: true,
      approvePrefix: "PATTERN_APPROVE_",
      rejectPrefix: "PATTERN_REJECT_",
    });
    expect(rules.customEvent).toEqual({ enabled: true, eventType: "pattern_feedback" });
    expect(rules.helperEntities.enabled).toBe(false);
    expect(rules.implicit).toMatchObject({ enabled: false, days: 7 });
  });

  it("reads every field the form offers", () => {
    const rules = haRulesFromDefinition({
      id: "c",
      type: "feedback-collector",
      notificationAction: false,
      customEvent: false,
      helperEntities: true,
      entityIds: "input_select.a, input_button.b",
      patternAttribute: "pid",
      decisionAttribute: "answer",
      implicit: true,
      entityTemplate: "automation.suggested_{id}",
      implicitDays: "3",
    });
    expect(rules.notificationAction.enabled).toBe(false);
    expect(rules.customEvent.enabled).toBe(false);
    expect(rules.helperEntities).toEqual({
      enabled: true,
      entityIds: ["input_select.a", "input_button.b"],
      patternAttribute: "pid",
      decisionAttribute: "answer",
    });
    expect(rules.implicit).toEqual({ enabled: true, entityTemplate: "automation.suggested_{id}", days: 3 });
  });

  it("refuses equal approve and reject prefixes, naming the rule", () => {
    expect(() =>
      haRulesFromDefinition({ id: "c", type: "feedback-collector", approvePrefix: "X_", rejectPrefix: "X_" }),
    ).toThrow(/rejectPrefix/);
  });

  it("refuses a non-positive number of days", () => {
    expect(() => haRulesFromDefinition({ id: "c", type: "feedback-collector", implicitDays: "0" })).toThrow(/days/);
  });
});
