// create automation's settings, what it cannot do, and what it remembers across a redeploy.
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import registerCreate from "../../nodes/automation-create/automation-create";
import registerAsk from "../../nodes/pattern-ask/pattern-ask";
import registerHa from "../../nodes/pattern-quality-ha/pattern-quality-ha";
import type { NodeRedApi } from "../../nodes/shared/red";
import { ADMIN, fast, startSimulator, until } from "../ha/fixtures";
import { allNodes, helper, initNodeRed, modelConfig, nextMessage, tempDir } from "./harness";

const nodes = [...allNodes, (RED: NodeRedApi) => registerHa(RED, fast), registerAsk, registerCreate];

beforeAll(() => initNodeRed());
afterEach(() => helper.unload());

const AUTOMATION = {
  alias: "Turn on Porch light at about 18:00 every day",
  description: "Suggested by pattern-quality from routine routine-porch: done by hand.",
  triggers: [{ trigger: "time", at: "18:00:00" }],
  conditions: [],
  actions: [{ action: "light.turn_on", target: { entity_id: "light.porch" } }],
  mode: "single",
};

/** The error a node reports for its message (done(err)), for a catch node. */
function nextError(node: any): Promise<Error> {
  return new Promise((resolve) => node.on("call:error", (call: { args: [Error] }) => resolve(call.args[0])));
}

function flow(simUrl: string, dir: string, create: Record<string, unknown> = {}) {
  return [
    modelConfig("m1", dir, { schemaKind: "standard" }),
    { id: "ha", type: "pattern-quality-ha", url: simUrl },
    { id: "create", type: "automation-create", ha: "ha", model: "m1", wires: [["made"], ["learned"]], ...create },
    { id: "made", type: "helper" },
    { id: "learned", type: "helper" },
  ];
}

describe("automation-create", () => {
  it("refuses every message when no Home Assistant connection is chosen, saying so", async () => {
    await helper.load(nodes, [{ id: "create", type: "automation-create", wires: [[], []] }]);
    const create = helper.getNode("create");
    const error = nextError(create);
    create.receive({ payload: { id: "p", automation: AUTOMATION } });
    expect((await error).message).toMatch(/no Home Assistant connection chosen/);
  });

  it("refuses a bad setting, naming it", async () => {
    const sim = await startSimulator();
    await helper.load(nodes, flow(sim.url, await tempDir(), { keptDays: "-1" }), { ha: { token: ADMIN } });
    const create = helper.getNode("create");
    const error = nextError(create);
    create.receive({ payload: { id: "p", automation: AUTOMATION } });
    expect((await error).message).toMatch(/automation-create.keptDays/);
  });

  it("says which suggestion has no proposed automation to create", async () => {
    const sim = await startSimulator();
    await helper.load(nodes, flow(sim.url, await tempDir(), { model: "" }), { ha: { token: ADMIN } });
    const create = helper.getNode("create");
    const error = nextError(create);
    create.receive({ payload: { patternId: "routine-unknown", label: "approve" } });
    expect((await error).message).toMatch(/no proposed automation known for suggestion routine-unknown/);
  });

  it("skips an approval for a suggestion that is no longer there, saying so", async () => {
    const sim = await startSimulator();
    await helper.load(nodes, flow(sim.url, await tempDir()), { ha: { token: ADMIN } });
    const made = nextMessage(helper.getNode("made"));
    helper.getNode("create").receive({ payload: { patternId: "routine-gone", label: "approve" } });
    expect((await made).payload).toMatchObject({
      patternId: "routine-gone",
      outcome: "skipped",
      message: "Suggestion routine-gone is no longer known: nothing created.",
    });
  });

  it("creates without a model, and updates the same automation when approved again", async () => {
    const sim = await startSimulator();
    await helper.load(nodes, [...flow(sim.url, await tempDir(), { model: "" })], { ha: { token: ADMIN } });
    const create = helper.getNode("create");
    const made = helper.getNode("made");
    const first = nextMessage(made);
    create.receive({ payload: { id: "routine-porch", automation: AUTOMATION } });
    expect((await first).payload.outcome).toBe("created");
    const second = nextMessage(made);
    create.receive({ payload: { id: "routine-porch", automation: AUTOMATION } });
    expect((await second).payload.outcome).toBe("updated");
    expect(sim.automation("pattern_quality_routine-porch")).toMatchObject({ alias: AUTOMATION.alias });
  });

  it("after a redeploy, still watches the automations it made, found in the registry by their id", async () => {
    const sim = await startSimulator();
    const dir = await tempDir();
    await helper.load(nodes, flow(sim.url, dir), { ha: { token: ADMIN } });
    const made = nextMessage(helper.getNode("made"));
    helper.getNode("create").receive({ payload: { id: "routine-porch", automation: AUTOMATION } });
    const { payload } = await made;
    await helper.unload();
    await helper.load(nodes, flow(sim.url, dir), { ha: { token: ADMIN } });
    await until(() => sim.subscriptionCount("automation_triggered") > 0, "the watch");
    await new Promise((resolve) => setTimeout(resolve, 300));
    const learned = nextMessage(helper.getNode("learned"));
    sim.removeEntity(payload.entityId);
    expect((await learned).payload).toMatchObject({ patternId: "routine-porch", label: 0, source: "ha:implicit" });
  });
});

describe("pattern-ask without a phone", () => {
  it("asks on the dashboard only, and says a bad setting's name", async () => {
    const dir = await tempDir();
    await helper.load(nodes, [
      modelConfig("m1", dir, { schemaKind: "standard" }),
      { id: "ask", type: "pattern-ask", model: "m1", wires: [["asked"], []] },
      { id: "bad", type: "pattern-ask", model: "m1", asksPerDay: "lots", wires: [[], []] },
      { id: "asked", type: "helper" },
    ]);
    const out = nextMessage(helper.getNode("asked"));
    helper.getNode("ask").receive({
      payload: {
        id: "routine-porch",
        title: "Turn on Porch light",
        description: "x",
        automation: AUTOMATION,
        confidence: 0.6,
      },
    });
    const msg = await out;
    expect(msg.payload).toMatchObject([
      { patternId: "routine-porch", askedVia: "dashboard", question: "Turn on Porch light?\nX." },
    ]);
    const bad = helper.getNode("bad");
    const error = nextError(bad);
    bad.receive({ payload: [] });
    expect((await error).message).toMatch(/pattern-ask.asksPerDay/);
  });

  it("keeps a question Home Assistant would not send as a candidate for the next run", async () => {
    const sim = await startSimulator();
    const dir = await tempDir();
    await helper.load(
      nodes,
      [
        modelConfig("m1", dir, { schemaKind: "standard" }),
        { id: "ha", type: "pattern-quality-ha", url: sim.url },
        {
          id: "ask",
          type: "pattern-ask",
          model: "m1",
          ha: "ha",
          notifyService: "mobile_app_gone",
          wires: [["asked"], []],
        },
        { id: "asked", type: "helper" },
      ],
      { ha: { token: ADMIN } },
    );
    await until(() => sim.subscriptionCount("mobile_app_notification_action") > 0, "the answers");
    const ask = helper.getNode("ask");
    const out = nextMessage(helper.getNode("asked"));
    ask.receive({
      payload: { id: "routine-porch", title: "Turn on Porch light", description: "x", automation: AUTOMATION },
    });
    expect((await out).payload).toEqual([]);
    expect(
      ask.warn
        .getCalls()
        .map((c: { args: unknown[] }) => String(c.args[0]))
        .join("\n"),
    ).toMatch(/could not ask about routine-porch on the phone/);
  });
});
