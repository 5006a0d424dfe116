import { afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  allNodes,
  feedbackBatch,
  helper,
  initNodeRed,
  modelConfig,
  nextError,
  nextMessage,
  statusWith,
  tempDir,
} from "./harness";

const MODEL = "m1";
const COLLECTOR = "c1";
const OUT = "out";

beforeAll(() => initNodeRed());
afterEach(() => helper.unload());

/** An array with holes, as a flow can build one (`a[2] = x` on an empty array): only the given indexes are set. */
function sparse(length: number, items: Record<number, unknown> = {}): unknown[] {
  const array: unknown[] = new Array(length);
  for (const [index, item] of Object.entries(items)) array[Number(index)] = item;
  return array;
}

async function loadCollector(extra: Record<string, unknown> = {}) {
  const dir = await tempDir();
  await helper.load(allNodes, [
    modelConfig(MODEL, dir, extra),
    { id: COLLECTOR, type: "feedback-collector", model: MODEL, wires: [[OUT]] },
    { id: OUT, type: "helper" },
  ]);
  const model = await helper.getNode(MODEL).model();
  return { dir, model, collector: helper.getNode(COLLECTOR), out: helper.getNode(OUT) };
}

describe("feedback-collector", () => {
  it("stores one feedback object and sends it on with the pending count", async () => {
    const { collector, out, model } = await loadCollector();
    const received = nextMessage(out);
    collector.receive({
      payload: { patternId: "p1", label: "approve", features: { hour: 18, devices: 2, confidence: 0.8 }, user: "anna" },
    });
    const msg = await received;
    expect(msg.payload.stored).toHaveLength(1);
    expect(msg.payload.stored[0]).toMatchObject({ patternId: "p1", label: 1, user: "anna", source: "flow" });
    expect(msg.payload.pending).toBe(1);
    expect(msg.payload.updateTriggered).toBe(false);
    expect(model.metrics().feedbackCount).toBe(1);
  });

  it("stores an array of feedback in one go", async () => {
    const { collector, out, model } = await loadCollector();
    const received = nextMessage(out);
    collector.receive({ payload: feedbackBatch(25) });
    const msg = await received;
    expect(msg.payload.stored).toHaveLength(25);
    expect(model.metrics().feedbackCount).toBe(25);
  });

  it("accepts every label spelling: approve/reject, approved/rejected, 1/0, true/false", async () => {
    const { collector, out } = await loadCollector();
    const labels = ["approve", "reject", "approved", "rejected", 1, 0, true, false];
    const received = nextMessage(out);
    collector.receive({
      payload: labels.map((label, i) => ({
        patternId: `p${i}`,
        label,
        features: { hour: i, devices: 1, confidence: 0.5 },
      })),
    });
    const msg = await received;
    expect(msg.payload.stored.map((f: { label: number }) => f.label)).toEqual([1, 0, 1, 0, 1, 0, 1, 0]);
  });

  it("takes the user from msg.user when the feedback names none", async () => {
    const { collector, out } = await loadCollector();
    const received = nextMessage(out);
    collector.receive({
      user: "ben",
      payload: { patternId: "p1", label: 0, features: { hour: 1, devices: 1, confidence: 0 } },
    });
    expect((await received).payload.stored[0].user).toBe("ben");
  });

  it("stores the same feedback id once and reports the repeat as a duplicate", async () => {
    const { collector, out, model } = await loadCollector();
    const item = { id: "once", patternId: "p1", label: "approve", features: { hour: 1, devices: 1, confidence: 0 } };
    let received = nextMessage(out);
    collector.receive({ payload: item });
    await received;
    received = nextMessage(out);
    collector.receive({ payload: item });
    const msg = await received;
    expect(msg.payload.stored).toHaveLength(0);
    expect(msg.payload.duplicates).toEqual(["once"]);
    expect(model.metrics().feedbackCount).toBe(1);
  });

  it("parks feedback by pattern id until the pattern's features are known", async () => {
    const { collector, out } = await loadCollector();
    const received = nextMessage(out);
    collector.receive({ payload: { patternId: "unseen", label: "reject" } });
    const msg = await received;
    expect(msg.payload.parked).toEqual(["unseen"]);
  });

  it("maps a raw Home Assistant notification answer to feedback", async () => {
    const { collector, out } = await loadCollector();
    const received = nextMessage(out);
    collector.receive({
      payload: {
        event_type: "mobile_app_notification_action",
        data: { action: "PATTERN_APPROVE_evening-lights" },
        origin: "REMOTE",
        time_fired: "2026-11-26T17:00:00+00:00",
        context: { id: "01HCTX000000000000000001", parent_id: null, user_id: "u-anna" },
      },
    });
    const msg = await received;
    expect(msg.payload.stored[0]).toMatchObject({ patternId: "evening-lights", label: 1, user: "u-anna" });
    expect(msg.payload.stored[0].source).toMatch(/^ha:/);
  });

  it("maps the message shape of an events: all node (data under event) to feedback", async () => {
    const { collector, out } = await loadCollector();
    const received = nextMessage(out);
    // As node-red-contrib-home-assistant-websocket 0.80 emits it: msg.topic is the event type.
    collector.receive({
      topic: "pattern_feedback",
      payload: {
        event_type: "pattern_feedback",
        event: { pattern_id: "morning-heat", decision: "reject" },
        origin: "LOCAL",
        time_fired: "2026-11-26T06:30:00.000000+00:00",
        context: { id: "01HCTX000000000000000002", parent_id: null, user_id: null },
      },
    });
    const msg = await received;
    expect(msg.payload.stored[0]).toMatchObject({ patternId: "morning-heat", label: 0 });
  });

  it("answers a Home Assistant event that carries no decision, storing nothing and counting it as ignored", async () => {
    const { collector, out, model } = await loadCollector();
    const ignored = statusWith(collector, (s) => s.text === "not feedback");
    const received = nextMessage(out);
    const res = { stand: "in for http in's res" };
    collector.receive({
      payload: { event_type: "call_service", data: { domain: "light" }, context: { id: "x" } },
      res,
    });
    await ignored;
    const msg = await received;
    expect(msg.res).toBe(res);
    expect(msg.payload).toMatchObject({ stored: [], duplicates: [], parked: [], ignored: 1, updateTriggered: false });
    expect(model.metrics().feedbackCount).toBe(0);
  });

  it("stores the feedback of a batch and counts the events in it that carry no decision", async () => {
    const { collector, out } = await loadCollector();
    const received = nextMessage(out);
    const noDecision = { event_type: "mobile_app_notification_action", data: { action: "OPEN_APP" }, context: {} };
    collector.receive({ payload: [feedbackBatch(1)[0], noDecision, noDecision] });
    expect((await received).payload).toMatchObject({ stored: [expect.anything()], ignored: 2 });
  });

  it("shows the pending count and active version in its status", async () => {
    const { collector, out } = await loadCollector();
    const status = statusWith(collector, (s) => s.text === "3 pending · no model");
    collector.receive({ payload: feedbackBatch(3) });
    await nextMessage(out);
    expect(await status).toMatchObject({ fill: "green" });
  });

  describe("refuses bad input with an error naming the field, storing nothing", () => {
    const bad: Array<[string, unknown, RegExp]> = [
      ["a missing patternId", { label: "approve", features: { hour: 1, devices: 1, confidence: 0 } }, /patternId/],
      [
        "an unknown label",
        { patternId: "p", label: "maybe", features: { hour: 1, devices: 1, confidence: 0 } },
        /label.*approve or reject/,
      ],
      [
        "a non-finite feature",
        { patternId: "p", label: 1, features: { hour: Number.NaN, devices: 1, confidence: 0 } },
        /hour/,
      ],
      [
        "an infinite feature",
        { patternId: "p", label: 1, features: { hour: Infinity, devices: 1, confidence: 0 } },
        /hour/,
      ],
      [
        "an unknown feature name",
        { patternId: "p", label: 1, features: { hour: 1, devices: 1, confidence: 0, colour: 3 } },
        /colour/,
      ],
      ["a missing feature", { patternId: "p", label: 1, features: { hour: 1, devices: 1 } }, /confidence/],
      ["a text payload", "approve p1", /msg\.payload/],
      ["an empty array", [], /msg\.payload.*empty/],
      [
        "an array with one bad item",
        [...feedbackBatch(3), { patternId: "p", label: "perhaps" }],
        /payload\[3\]\.label/,
      ],
      [
        "a malformed event in an array",
        [feedbackBatch(1)[0], { event_type: "pattern_feedback", data: { pattern_id: "p" }, context: { id: "c" } }],
        /msg\.payload\[1\]\.data\.decision/,
      ],
      ["an array of holes", sparse(2), /msg\.payload\[0\].*got nothing/],
      ["an array with a hole after a feedback", sparse(3, { 0: feedbackBatch(1)[0], 2: feedbackBatch(2)[1] }), /\[1\]/],
      [
        "a malformed notification answer",
        { event_type: "mobile_app_notification_action", data: { action: 42 }, context: { id: "c" } },
        /msg\.payload\.data\.action/,
      ],
    ];
    for (const [what, payload, message] of bad) {
      it(`${what}`, async () => {
        const { collector, out, model } = await loadCollector();
        let sent = false;
        out.on("input", () => (sent = true));
        const error = nextError(collector);
        const red = statusWith(collector, (s) => s.fill === "red");
        collector.receive({ payload });
        expect((await error).message).toMatch(message);
        expect((await red).shape).toBe("ring");
        expect(model.metrics().feedbackCount).toBe(0);
        expect(sent).toBe(false);
      });
    }
  });

  it("tells the flow author to choose a model when none is configured", async () => {
    await helper.load(allNodes, [{ id: COLLECTOR, type: "feedback-collector", model: "", wires: [[]] }]);
    const collector = helper.getNode(COLLECTOR);
    const error = nextError(collector);
    collector.receive({ payload: { patternId: "p", label: 1 } });
    expect((await error).message).toMatch(/no pattern model.*pattern-model/);
  });
});
