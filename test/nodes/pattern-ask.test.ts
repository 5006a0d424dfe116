// ask household and create automation against the simulator: questions in words on the phone,
// at most N a day, answers from the phone's buttons, and the approved automation made in Home
// Assistant (the real websocket and REST protocols, the real Node-RED runtime through the helper).
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import registerCreate from "../../nodes/automation-create/automation-create";
import registerAsk from "../../nodes/pattern-ask/pattern-ask";
import registerHa from "../../nodes/pattern-quality-ha/pattern-quality-ha";
import type { NodeRedApi } from "../../nodes/shared/red";
import type { HomeAssistantSimulator } from "../../src/testing/ha-simulator/simulator";
import { ADMIN, fast, GUEST, startSimulator, until } from "../ha/fixtures";
import { allNodes, helper, initNodeRed, modelConfig, nextMessage, tempDir } from "./harness";

const nodes = [...allNodes, (RED: NodeRedApi) => registerHa(RED, fast), registerAsk, registerCreate];

beforeAll(() => initNodeRed());
afterEach(() => helper.unload());

/** A mined time-of-day routine as the miner writes it. */
function routine(n: number, confidence = 0.5 + n / 100) {
  const clock = `0${6 + (n % 4)}:${10 + n}`.slice(-5);
  const title = `Turn on Light ${n} at about ${clock} on weekdays`;
  return {
    id: `routine-${n}`,
    title,
    description: `${title}: done by hand on ${10 + n} of 20 weekdays, last 2 days ago`,
    confidence,
    automation: {
      alias: title,
      description: `Suggested by pattern-quality from routine routine-${n}: done by hand.`,
      triggers: [{ trigger: "time", at: `${clock}:00` }],
      conditions: [{ condition: "time", weekday: ["mon", "tue", "wed", "thu", "fri"] }],
      actions: [{ action: "light.turn_on", target: { entity_id: `light.light_${n}` } }],
      mode: "single",
    },
    routine: {
      kind: "time_of_day",
      change: { entityId: `light.light_${n}`, to: "on" },
      minute: 400 + n,
      dayClass: "weekdays",
    },
  };
}

async function load(ask: Record<string, unknown> = {}, token = ADMIN) {
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
        notifyService: "notify.mobile_app_phone",
        wires: [["asked"], ["create"]],
        ...ask,
      },
      { id: "create", type: "automation-create", ha: "ha", model: "m1", wires: [["made"], ["learned"]] },
      { id: "asked", type: "helper" },
      { id: "made", type: "helper" },
      { id: "learned", type: "helper" },
    ],
    { ha: { token } },
  );
  const askNode = helper.getNode("ask");
  // A non-admin token may not subscribe to the answers: then only the connection is awaited.
  if (token === ADMIN) await until(() => sim.subscriptionCount("mobile_app_notification_action") > 0, "the answers");
  else await until(() => sim.connectionCount > 0, "the connection");
  return {
    sim,
    ask: askNode,
    asked: helper.getNode("asked"),
    made: helper.getNode("made"),
    learned: helper.getNode("learned"),
  };
}

const questions = (sim: HomeAssistantSimulator) => sim.serviceCalls.filter((c) => c.domain === "notify");
const press = (sim: HomeAssistantSimulator, action: string) =>
  sim.fireEvent("mobile_app_notification_action", { action }, { origin: "REMOTE", userId: "user-admin" });

describe("ask household", () => {
  it("asks the day's best three on the phone in words, with Approve, Reject and Not now", async () => {
    const { sim, ask, asked } = await load();
    const out = nextMessage(asked);
    ask.receive({ payload: [1, 2, 3, 4, 5].map((n) => routine(n)) });
    const msg = await out;
    // No model version yet: the miner's most confident first.
    expect(msg.payload.map((s: { patternId: string }) => s.patternId)).toEqual(["routine-5", "routine-4", "routine-3"]);
    expect(msg.pending).toBe(5);
    const [first] = questions(sim);
    expect(first).toMatchObject({
      service: "mobile_app_phone",
      serviceData: {
        message: "Turn on Light 5 at about 07:15 on weekdays?\nDone by hand on 15 of 20 weekdays, last 2 days ago.",
        data: {
          actions: [
            { action: "PATTERN_APPROVE_routine-5", title: "Approve" },
            { action: "PATTERN_REJECT_routine-5", title: "Reject" },
            { action: "PATTERN_SNOOZE_routine-5", title: "Not now" },
          ],
        },
      },
    });
    // The day's questions are used up: the next run asks nothing.
    const again = nextMessage(asked);
    ask.receive({ payload: [1, 2, 3, 4, 5].map((n) => routine(n)) });
    expect((await again).payload).toEqual([]);
    expect(questions(sim)).toHaveLength(3);
  });

  it("creates the automation when Approve is pressed on the phone, under the suggestion's id", async () => {
    const { sim, ask, asked, made } = await load({ asksPerDay: 1 });
    const out = nextMessage(asked);
    ask.receive({ payload: [routine(7)] });
    await out;
    const outcome = nextMessage(made);
    press(sim, "PATTERN_APPROVE_routine-7");
    const msg = await outcome;
    expect(msg.payload).toMatchObject({
      patternId: "routine-7",
      outcome: "created",
      automationId: "pattern_quality_routine-7",
      entityId: "automation.turn_on_light_7_at_about_09_17_on_weekdays",
    });
    expect(sim.automation("pattern_quality_routine-7")).toMatchObject({
      alias: "Turn on Light 7 at about 09:17 on weekdays",
      triggers: [{ trigger: "time", at: "09:17:00" }],
      actions: [{ action: "light.turn_on", target: { entity_id: "light.light_7" } }],
    });
  });

  it("never asks a rejected suggestion again, and asks a snoozed one later", async () => {
    const { sim, ask, asked, made } = await load();
    const first = nextMessage(asked);
    ask.receive({ payload: [routine(1), routine(2)] });
    await first;
    const skipped = nextMessage(made);
    press(sim, "PATTERN_REJECT_routine-1");
    expect((await skipped).payload).toMatchObject({ patternId: "routine-1", outcome: "skipped" });
    const snoozed = nextMessage(made);
    press(sim, "PATTERN_SNOOZE_routine-2");
    expect((await snoozed).payload.outcome).toBe("skipped");
    const again = nextMessage(asked);
    ask.receive({ payload: [routine(1), routine(2)] });
    expect((await again).payload).toEqual([]);
    expect(questions(sim).map((c) => (c.serviceData.data as { tag: string }).tag)).toEqual([
      "pattern_question_routine-2",
      "pattern_question_routine-1",
    ]);
  });
});

describe("create automation", () => {
  it("says Home Assistant refused a non-admin token, keeps the answer and does not retry", async () => {
    const { sim, ask, asked, made } = await load({ asksPerDay: 1 }, GUEST);
    const out = nextMessage(asked);
    ask.receive({ payload: [routine(3)] });
    await out;
    helper.getNode("create").receive({ payload: { patternId: "routine-3", label: "approve" } });
    const msg = await nextMessage(made);
    expect(msg.payload).toMatchObject({ outcome: "refused", code: "ha-unauthorized" });
    expect(msg.payload.message).toContain("needs an admin user's token");
    expect(JSON.stringify(msg)).not.toContain(GUEST);
    expect(sim.automation("pattern_quality_routine-3")).toBeUndefined();
  });

  it("refuses an id another automation holds, saying so", async () => {
    const { sim, made } = await load();
    await fetch(`${sim.url}/api/config/automation/config/pattern_quality_routine-9`, {
      method: "POST",
      headers: { authorization: `Bearer ${ADMIN}` },
      body: JSON.stringify({ ...routine(9).automation, alias: "Hand made", description: "mine" }),
    });
    helper.getNode("create").receive({ payload: routine(9) });
    const msg = await nextMessage(made);
    expect(msg.payload).toMatchObject({ outcome: "refused", code: "automation-id-in-use" });
    expect(sim.automation("pattern_quality_routine-9")).toMatchObject({ alias: "Hand made" });
  });

  it("passes on Home Assistant's 400 Message malformed", async () => {
    const { made } = await load();
    const bad = routine(4);
    bad.automation.triggers = [{ trigger: "sometimes", at: "" }];
    helper.getNode("create").receive({ payload: bad });
    const msg = await nextMessage(made);
    expect(msg.payload).toMatchObject({ outcome: "refused", code: "ha-refused" });
    expect(msg.payload.message).toContain("Message malformed: Invalid trigger 'sometimes' specified");
  });

  it("learns a reject when the created automation is turned off within the days it is watched", async () => {
    const { sim, made, learned } = await load();
    helper.getNode("create").receive({ payload: routine(6) });
    const { payload } = await nextMessage(made);
    const lesson = nextMessage(learned);
    sim.setState(payload.entityId, "off", {}, "user-admin");
    expect((await lesson).payload).toMatchObject({
      patternId: "routine-6",
      label: 0,
      source: "ha:implicit",
      user: "user-admin",
    });
  });

  it("ends a message it cannot read in an error a catch node sees", async () => {
    await load();
    const create = helper.getNode("create");
    const error = new Promise<Error>((resolve) =>
      create.on("call:error", (call: { args: [Error] }) => resolve(call.args[0])),
    );
    create.receive({ payload: "approve it" });
    expect((await error).message).toMatch(/msg.payload: expected a pattern/);
  });
});
