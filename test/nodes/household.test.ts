// Alerts and questions to the household through Home Assistant: the simulator records the
// service calls the nodes make over a real websocket.
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import registerHa from "../../nodes/pattern-quality-ha/pattern-quality-ha";
import type { NodeRedApi } from "../../nodes/shared/red";
import { ADMIN, fast, startSimulator, until } from "../ha/fixtures";
import { allNodes, feedbackBatch, helper, initNodeRed, modelConfig, nextError, nextMessage, tempDir } from "./harness";

const haNode = (RED: NodeRedApi) => registerHa(RED, fast);
const nodes = [...allNodes, haNode];

beforeAll(() => initNodeRed());
afterEach(() => helper.unload());

async function load(flow: Record<string, unknown>[], model: Record<string, unknown> = {}) {
  const sim = await startSimulator();
  const dir = await tempDir();
  await helper.load(
    nodes,
    [modelConfig("m1", dir, model), { id: "ha", type: "pattern-quality-ha", url: sim.url }, ...flow],
    { ha: { token: ADMIN } },
  );
  return { sim, model: await helper.getNode("m1").model() };
}

describe("alerts to the household (incremental-update)", () => {
  it("shows each alert as a persistent notification per type, and on the notify service", async () => {
    const { sim, model } = await load(
      [
        {
          id: "u1",
          type: "incremental-update",
          model: "m1",
          ha: "ha",
          notifyService: "notify.family",
          wires: [[], ["alerts"]],
        },
        { id: "alerts", type: "helper" },
      ],
      { updateBudgetMs: 1 },
    );
    await until(() => helper.getNode("ha").connection.connected, "the connection");
    await model.addFeedback(feedbackBatch(60));
    const alert = nextMessage(helper.getNode("alerts"));
    helper.getNode("u1").receive({});
    expect((await alert).payload.type).toBe("slow-update");
    await until(() => sim.serviceCalls.length >= 2, "the service calls");
    expect(sim.serviceCalls.map((c) => `${c.domain}.${c.service}`)).toEqual([
      "persistent_notification.create",
      "notify.family",
    ]);
    expect(sim.serviceCalls[0].serviceData).toMatchObject({
      notification_id: "pattern_quality_slow_update",
      message: expect.stringContaining("v0001"),
    });
  });

  it("sends no sidebar notification when that option is off", async () => {
    const { sim, model } = await load(
      [
        {
          id: "u1",
          type: "incremental-update",
          model: "m1",
          ha: "ha",
          persistentNotifications: false,
          notifyService: "family",
          wires: [[], ["alerts"]],
        },
        { id: "alerts", type: "helper" },
      ],
      { updateBudgetMs: 1 },
    );
    await until(() => helper.getNode("ha").connection.connected, "the connection");
    await model.addFeedback(feedbackBatch(60));
    const alert = nextMessage(helper.getNode("alerts"));
    helper.getNode("u1").receive({});
    await alert;
    await until(() => sim.serviceCalls.length >= 1, "the service call");
    expect(sim.serviceCalls.map((c) => `${c.domain}.${c.service}`)).toEqual(["notify.family"]);
  });

  it("reports a bad notify service name, naming the option", async () => {
    await load([
      {
        id: "u1",
        type: "incremental-update",
        model: "m1",
        ha: "ha",
        notifyService: "notify.Family Phone",
        wires: [[], []],
      },
    ]);
    const calls: Array<{ thisValue: unknown; args: unknown[] }> = helper.getNode("u1").error.getCalls();
    expect(calls.some((c) => c.thisValue === helper.getNode("u1") && /notifyService/.test(String(c.args[0])))).toBe(
      true,
    );
  });
});

describe("questions to the household (pattern-score)", () => {
  it("asks about an uncertain pattern on the phone with Approve/Reject actions carrying its id", async () => {
    const { sim } = await load([
      {
        id: "s1",
        type: "pattern-score",
        model: "m1",
        threshold: 0.5,
        ha: "ha",
        questionService: "notify.mobile_app_phone",
        wires: [[], ["ask"]],
      },
      { id: "ask", type: "helper" },
    ]);
    await until(() => helper.getNode("ha").connection.connected, "the connection");
    const asked = nextMessage(helper.getNode("ask"));
    helper.getNode("s1").receive({
      payload: {
        patternId: "porch-light",
        description: "porch light at dusk",
        features: { hour: 18, devices: 1, confidence: 0.5 },
      },
    });
    await asked;
    await until(() => sim.serviceCalls.length >= 1, "the question");
    const call = sim.serviceCalls[0];
    expect(`${call.domain}.${call.service}`).toBe("notify.mobile_app_phone");
    expect(call.serviceData).toMatchObject({
      message: expect.stringContaining("porch light at dusk"),
      data: { actions: [{ action: "PATTERN_APPROVE_porch-light" }, { action: "PATTERN_REJECT_porch-light" }] },
    });
  });

  it("does not ask about a certain pattern or one without an id", async () => {
    const { sim } = await load([
      {
        id: "s1",
        type: "pattern-score",
        model: "m1",
        threshold: 1,
        ha: "ha",
        questionService: "mobile_app_phone",
        wires: [["scored"], []],
      },
      { id: "scored", type: "helper" },
    ]);
    await until(() => helper.getNode("ha").connection.connected, "the connection");
    const scored = nextMessage(helper.getNode("scored"));
    helper
      .getNode("s1")
      .receive({ payload: [{ patternId: "a", features: { hour: 1, devices: 1, confidence: 0 } }], threshold: 1 });
    await scored;
    const unsure = nextMessage(helper.getNode("scored"));
    helper.getNode("s1").receive({ payload: { hour: 1, devices: 1, confidence: 0 }, threshold: 0 });
    await unsure;
    // A round trip to Home Assistant after both: any question would have been recorded before it.
    await helper.getNode("ha").connection.getStates();
    expect(sim.serviceCalls).toEqual([]);
  });

  it("refuses to score with a bad question service, naming the option", async () => {
    await load([
      { id: "s1", type: "pattern-score", model: "m1", ha: "ha", questionService: "mobile app", wires: [[], []] },
    ]);
    const node = helper.getNode("s1");
    const shown = node.status
      .getCalls()
      .filter((c: { thisValue: unknown }) => c.thisValue === node)
      .map((c: { args: any[] }) => c.args[0]);
    expect(shown.at(-1)).toEqual({ fill: "red", shape: "ring", text: "bad questionService" });
    const error = nextError(node);
    node.receive({ payload: { hour: 1, devices: 1, confidence: 0 } });
    expect((await error).message).toMatch(/questionService/);
  });
});

describe("a node whose Home Assistant connection is missing or unconfigured", () => {
  function logged(node: any, level: "warn" | "error"): string {
    return node[level]
      .getCalls()
      .filter((c: { thisValue: unknown }) => c.thisValue === node)
      .map((c: { args: unknown[] }) => String(c.args[0]))
      .join("\n");
  }

  it("warns when the chosen connection no longer exists, and keeps working without it", async () => {
    const dir = await tempDir();
    await helper.load(nodes, [
      modelConfig("m1", dir),
      { id: "u1", type: "incremental-update", model: "m1", ha: "gone", wires: [[], []] },
    ]);
    expect(logged(helper.getNode("u1"), "warn")).toMatch(/no longer exists/);
  });

  it("says so when the connection has no URL or token", async () => {
    const dir = await tempDir();
    delete process.env.SUPERVISOR_TOKEN;
    await helper.load(nodes, [
      modelConfig("m1", dir),
      { id: "ha", type: "pattern-quality-ha", url: "" },
      {
        id: "s1",
        type: "pattern-score",
        model: "m1",
        ha: "ha",
        questionService: "mobile_app_phone",
        wires: [["scored"], []],
      },
      { id: "scored", type: "helper" },
    ]);
    expect(logged(helper.getNode("ha"), "error")).toMatch(/Home Assistant connection not configured/);
    const scored = nextMessage(helper.getNode("scored"));
    helper.getNode("s1").receive({ payload: { hour: 1, devices: 1, confidence: 0 } });
    expect((await scored).payload.score).toBe(0.5);
  });
});
