// pattern-detect against the simulator serving a generated home with 28 days of logbook: the
// real websocket protocol, the real worker thread, the real Node-RED runtime (test helper).
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import registerDetect, { untilNext } from "../../nodes/pattern-detect/pattern-detect";
import registerHa from "../../nodes/pattern-quality-ha/pattern-quality-ha";
import type { NodeRedApi } from "../../nodes/shared/red";
import type { MinedPattern } from "../../src/mining/routine";
import { HomeAssistantSimulator, type SimulatorOptions } from "../../src/testing/ha-simulator/simulator";
import { generateHome } from "../../src/testing/simulation/home-history";
import { fast, onCleanup, until } from "../ha/fixtures";
import { allNodes, helper, initNodeRed, modelConfig, nextError, nextMessage, tempDir } from "./harness";

const nodes = [...allNodes, (RED: NodeRedApi) => registerHa(RED, fast), registerDetect];
// A home whose logbook ends now: the node mines up to the real clock.
const home = generateHome({ seed: 3 });
const supervisor = home.users.find((u) => u.name === "Supervisor")!;
const clara = home.users.find((u) => u.name === "Clara")!;

beforeAll(() => initNodeRed());
afterEach(() => helper.unload());

async function load(detect: Record<string, unknown> = {}, sim: Partial<SimulatorOptions> = {}, token = "app") {
  const simulator = await HomeAssistantSimulator.start({
    home,
    tokens: [
      { token: "app", userId: supervisor.id },
      { token: "clara", userId: clara.id },
    ],
    ...sim,
  });
  onCleanup(() => simulator.stop());
  const dir = await tempDir();
  await helper.load(
    nodes,
    [
      modelConfig("m1", dir),
      { id: "ha", type: "pattern-quality-ha", url: simulator.url },
      { id: "d1", type: "pattern-detect", ha: "ha", wires: [["out"]], ...detect },
      { id: "out", type: "helper" },
    ],
    { ha: { token } },
  );
  return { simulator, detect: helper.getNode("d1"), out: helper.getNode("out") };
}

/** Every status this node has shown so far. */
function shown(node: any): Array<{ fill?: string; text?: string }> {
  return node.status
    .getCalls()
    .filter((call: { thisValue: unknown }) => call.thisValue === node)
    .map((call: { args: any[] }) => call.args[0]);
}

describe("pattern-detect", () => {
  it("mines the logbook after deploy and sends the routines as pattern objects in words", async () => {
    const { detect, out } = await load();
    const msg = await nextMessage(out);
    const patterns = msg.payload as MinedPattern[];
    expect(patterns.length).toBeGreaterThanOrEqual(8);
    for (const pattern of patterns) {
      expect(pattern.id).toMatch(/^routine-[0-9a-f]{12}$/);
      expect(pattern.description.startsWith(`${pattern.title}: `)).toBe(true);
      expect(pattern.automation).toMatchObject({ alias: pattern.title, mode: "single" });
      expect(pattern.automation.triggers.length).toBeGreaterThan(0);
      expect(pattern.devices!.length).toBeGreaterThan(0);
    }
    expect(msg.mining).toMatchObject({ daysRead: 28, notice: null, problems: [] });
    expect(msg.mining.stats.byCause.automation).toBeGreaterThan(0);
    await until(() => /routines · 2\d days · next 03:00$/.test(shown(detect).at(-1)?.text ?? ""), "the status");
  });

  it("answers an input message with the routines, under the same ids as before", async () => {
    const { detect, out } = await load();
    const first = (await nextMessage(out)).payload as MinedPattern[];
    const again = nextMessage(out);
    detect.receive({ topic: "now", payload: "go" });
    const msg = await again;
    expect(msg.topic).toBe("routines");
    expect((msg.payload as MinedPattern[]).map((p) => p.id)).toEqual(first.map((p) => p.id));
    // The second run read only what was new since the first: part of today.
    expect(msg.mining.daysRead).toBe(1);
  });

  it("never suggests what the home's automations, scripts or apps did", async () => {
    const { out } = await load();
    const patterns = (await nextMessage(out)).payload as MinedPattern[];
    const automated = new Set(
      home.confounders
        .filter((c) => ["automation", "script", "supervisor"].includes(c.kind))
        .flatMap((c) => c.entityIds),
    );
    const touched = patterns.flatMap((p) => (p.metadata!.entity_ids as string[]).filter((e) => automated.has(e)));
    expect(touched).toEqual([]);
  });

  it("says Home Assistant has no logbook once, with a named status, and fails an input message clearly", async () => {
    const { detect } = await load({}, { components: ["config", "mobile_app", "websocket_api"] });
    await until(() => shown(detect).some((s) => s.text === "no logbook in HA"), "the no-logbook status");
    const error = nextError(detect);
    detect.receive({ payload: "now" });
    expect((await error).message).toMatch(/no logbook.*logbook and recorder integrations/);
    expect(
      detect.warn.getCalls().filter((c: any) => c.thisValue === detect && /no logbook/.test(c.args[0])),
    ).toHaveLength(1);
  });

  it("mines what a non-admin token can read and says what was refused", async () => {
    const { detect, out } = await load({}, {}, "clara");
    const msg = await nextMessage(out);
    expect(msg.mining.problems.join(" ")).toMatch(/refused the list of users/);
    expect((msg.payload as MinedPattern[]).length).toBeGreaterThan(0);
    expect(detect.warn.getCalls().some((c: any) => /refused the list of users/.test(c.args[0]))).toBe(true);
  });

  it("refuses a bad setting by name and ends every message with the error", async () => {
    const { detect } = await load({ dailyAt: "25:00" });
    const error = nextError(detect);
    detect.receive({ payload: "now" });
    expect((await error).message).toMatch(/dailyAt/);
  });

  it("tells the flow author to choose a Home Assistant connection", async () => {
    await helper.load(nodes, [{ id: "d2", type: "pattern-detect", wires: [[]] }]);
    const node = helper.getNode("d2");
    const error = nextError(node);
    node.receive({ payload: "now" });
    expect((await error).message).toMatch(/no Home Assistant connection chosen/);
  });
});

describe("the daily run", () => {
  it("waits until the set local time, tomorrow when today's has passed", () => {
    const now = new Date(2026, 11, 7, 2, 30, 0);
    expect(untilNext("03:00", now)).toBe(30 * 60_000);
    expect(untilNext("02:00", now)).toBe(23.5 * 3_600_000);
  });
});
