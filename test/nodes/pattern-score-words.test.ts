// score pattern's own questions read a mined routine's words, as ask household's do.
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import registerHa from "../../nodes/pattern-quality-ha/pattern-quality-ha";
import type { NodeRedApi } from "../../nodes/shared/red";
import { ADMIN, fast, startSimulator, until } from "../ha/fixtures";
import { allNodes, helper, initNodeRed, modelConfig, nextMessage, tempDir } from "./harness";

beforeAll(() => initNodeRed());
afterEach(() => helper.unload());

describe("pattern-score asking on a phone", () => {
  it("asks a mined routine by its title as a question, with its evidence", async () => {
    const sim = await startSimulator();
    await helper.load(
      [...allNodes, (RED: NodeRedApi) => registerHa(RED, fast)],
      [
        modelConfig("m1", await tempDir(), { schemaKind: "standard" }),
        { id: "ha", type: "pattern-quality-ha", url: sim.url },
        {
          id: "score",
          type: "pattern-score",
          model: "m1",
          ha: "ha",
          questionService: "mobile_app_phone",
          wires: [["out"], []],
        },
        { id: "out", type: "helper" },
      ],
      { ha: { token: ADMIN } },
    );
    await until(() => sim.connectionCount > 0, "the connection");
    const out = nextMessage(helper.getNode("out"));
    helper.getNode("score").receive({
      payload: {
        id: "routine-hall",
        pattern_type: "time_of_day",
        confidence: 0.7,
        title: "Turn on Hall light at about 19:30 every day",
        description: "Turn on Hall light at about 19:30 every day: done by hand on 20 of 28 days, last today",
      },
    });
    await out;
    await until(() => sim.serviceCalls.some((c) => c.service === "mobile_app_phone"), "the question");
    expect(sim.serviceCalls.find((c) => c.service === "mobile_app_phone")?.serviceData.message).toBe(
      "Turn on Hall light at about 19:30 every day?\nDone by hand on 20 of 28 days, last today.",
    );
  });
});
