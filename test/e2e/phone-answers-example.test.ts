// The "learn from phone answers" example, as shipped, against the Home Assistant simulator: only
// the connection's URL and token and the store directory are changed, and Node-RED's core nodes
// (inject, debug, catch), which the test helper does not load, become observable helper nodes.
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import registerHa from "../../nodes/pattern-quality-ha/pattern-quality-ha";
import type { NodeRedApi } from "../../nodes/shared/red";
import { ADMIN, fast, startSimulator, until } from "../ha/fixtures";
import { allNodes, helper, initNodeRed, nextMessage, tempDir } from "../nodes/harness";

const example: Array<Record<string, any>> = JSON.parse(
  readFileSync(path.join(__dirname, "../../examples/phone-answers.json"), "utf8"),
);
const byName = (type: string, name: string) => example.find((n) => n.type === type && n.name === name)!;
const OURS = new Set([
  "tab",
  "pattern-model",
  "pattern-quality-ha",
  "pattern-score",
  "feedback-collector",
  "incremental-update",
]);
const nodes = [...allNodes, (RED: NodeRedApi) => registerHa(RED, fast)];

beforeAll(() => initNodeRed());
afterEach(() => helper.unload());

async function loadExample() {
  const sim = await startSimulator();
  const storeDir = await tempDir();
  const flow = example.map((node) => {
    if (node.type === "pattern-quality-ha") return { ...node, url: sim.url };
    if (node.type === "pattern-model") return { ...node, storeDir };
    if (!OURS.has(node.type)) return { id: node.id, z: node.z, type: "helper" };
    return node;
  });
  const ha = example.find((n) => n.type === "pattern-quality-ha")!;
  await helper.load(nodes, flow, { [ha.id]: { token: ADMIN } });
  return sim;
}

describe("the phone answers example", () => {
  it("asks about an uncertain pattern on the phone and learns the tapped answer", async () => {
    const sim = await loadExample();
    await until(() => sim.subscriptionCount("mobile_app_notification_action") === 1, "the feedback subscription");
    const suggest = byName("inject", "suggest a pattern");
    const pattern = JSON.parse(suggest.payload);

    const asked = nextMessage(helper.getNode(byName("debug", "asked on the phone").id));
    helper.getNode(suggest.wires[0][0]).receive({ payload: pattern }); // as the inject node sends it
    expect((await asked).payload).toMatchObject({ patternId: pattern.id, uncertainty: 1 });
    await until(
      () => sim.serviceCalls.some((c) => c.domain === "notify" && c.service === "mobile_app_phone"),
      "the question",
    );
    const question = sim.serviceCalls.find((c) => c.service === "mobile_app_phone")!;
    expect(JSON.stringify(question.serviceData)).toContain(`PATTERN_APPROVE_${pattern.id}`);

    const stored = nextMessage(helper.getNode(byName("debug", "stored answer").id));
    sim.fireEvent(
      "mobile_app_notification_action",
      { action: `PATTERN_APPROVE_${pattern.id}` },
      { userId: "user-anna", origin: "REMOTE" },
    );
    const answer = (await stored).payload;
    expect(answer.stored[0]).toMatchObject({ patternId: pattern.id, label: 1, user: "user-anna" });
    // The features remembered when the pattern was scored are matched: nothing is parked.
    expect(answer.parked).toEqual([]);
  });
});
