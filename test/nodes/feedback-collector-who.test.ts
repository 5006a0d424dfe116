import { afterEach, beforeAll, describe, expect, it } from "vitest";
import type { PatternModel } from "../../src/model/pattern-model";
import { allNodes, helper, initNodeRed, modelConfig, nextMessage, tempDir } from "./harness";

beforeAll(() => initNodeRed());
afterEach(() => helper.unload());

describe("feedback-collector keeps who decided", () => {
  it("from msg.user, the feedback's own user, and a Home Assistant event's context, for model.decisions", async () => {
    const dir = await tempDir();
    await helper.load(allNodes, [
      modelConfig("m1", dir),
      { id: "c1", type: "feedback-collector", model: "m1", wires: [["stored"]] },
      { id: "stored", type: "helper" },
    ]);
    const collector = helper.getNode("c1");
    const stored = helper.getNode("stored");
    const model: PatternModel = await helper.getNode("m1").model();
    const send = async (msg: object) => {
      const received = nextMessage(stored);
      collector.receive(msg);
      await received;
    };
    const features = { hour: 19, devices: 2, confidence: 0.8 };
    await send({ payload: { patternId: "p1", label: "approve", features }, user: "dashboard" });
    await send({ payload: { patternId: "p2", label: "reject", features, user: "ben" }, user: "dashboard" });
    // An "events: all" node's message: the decision's user is in the event's context.
    await send({
      payload: {
        event_type: "pattern_feedback",
        event: { pattern_id: "p3", decision: "approve" },
        context: { id: "01HCTX00000000000000000WHO", parent_id: null, user_id: "user-anna" },
      },
    });
    await send({ payload: { patternId: "p4", label: "reject", features } });
    const { recent } = model.decisions({ names: new Map([["user-anna", "Anna"]]) });
    expect(recent.map((d) => [d.patternId, d.user, d.name])).toEqual([
      ["p4", null, null],
      ["p3", "user-anna", "Anna"],
      ["p2", "ben", null],
      ["p1", "dashboard", null],
    ]);
  });
});
