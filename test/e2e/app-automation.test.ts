// Inside the Home Assistant app: with the connection's URL and token left empty, create
// automation reaches Home Assistant's REST API through the Supervisor (http://supervisor/core/api
// with SUPERVISOR_TOKEN), and the token never shows in what the flow gets or the log.
import { existsSync } from "node:fs";
import * as fs from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { HomeAssistantSimulator } from "../../src/testing/ha-simulator/simulator";
import { packageRoot, type RunningNodeRed, startNodeRed } from "../support/node-red";
import { SimulatedSupervisor, supervisorNetworkHook } from "../support/supervisor";

const APP_TOKEN = "app-token-5c7d1e9f0a3b";
const PATTERN = {
  id: "routine-hall",
  title: "Turn on Hall light at about 19:30 every day",
  automation: {
    alias: "Turn on Hall light at about 19:30 every day",
    description: "Suggested by pattern-quality from routine routine-hall: done by hand on 20 of 28 days.",
    triggers: [{ trigger: "time", at: "19:30:00" }],
    conditions: [],
    actions: [{ action: "light.turn_on", target: { entity_id: "light.hall" } }],
    mode: "single",
  },
};

function flows() {
  const z = "app0000000000001";
  return [
    { id: z, type: "tab", label: "app" },
    { id: "app-ha", type: "pattern-quality-ha", name: "Home Assistant", url: "" },
    { id: "in", type: "http in", z, url: "/create", method: "post", wires: [["create"]] },
    { id: "create", type: "automation-create", z, ha: "app-ha", wires: [["res"], []] },
    { id: "res", type: "http response", z, statusCode: "", headers: {}, wires: [] },
  ];
}

const built = existsSync(path.join(packageRoot, "dist", "nodes", "automation-create", "automation-create.js"));

describe.skipIf(!built && !process.env.CI)("create automation inside the Home Assistant app", () => {
  let red: RunningNodeRed | undefined;
  let home: HomeAssistantSimulator | undefined;
  let supervisor: SimulatedSupervisor | undefined;

  afterEach(async () => {
    await red?.stop();
    await supervisor?.stop();
    await home?.stop();
    if (red) await fs.rm(red.userDir, { recursive: true, force: true });
    red = undefined;
  });

  it("creates the automation through the Supervisor's REST proxy", async () => {
    home = await HomeAssistantSimulator.start();
    supervisor = await SimulatedSupervisor.start({ home, appToken: APP_TOKEN });
    const userDir = await fs.mkdtemp(path.join(os.tmpdir(), "pattern-quality-app-"));
    red = await startNodeRed({
      flows: flows(),
      userDir,
      env: {
        SUPERVISOR_TOKEN: APP_TOKEN,
        PATTERN_QUALITY_TEST_SUPERVISOR: supervisor.address,
        NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --require ${supervisorNetworkHook}`.trim(),
      },
    });
    const answer = await fetch(`${red.url}/create`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(PATTERN),
    });
    expect(answer.status).toBe(200);
    const outcome = (await answer.json()) as Record<string, unknown>;
    expect(outcome).toMatchObject({
      patternId: "routine-hall",
      outcome: "created",
      automationId: "pattern_quality_routine-hall",
    });
    expect(supervisor.restCalls).toEqual([
      "GET config/automation/config/pattern_quality_routine-hall",
      "POST config/automation/config/pattern_quality_routine-hall",
    ]);
    expect(home.automation("pattern_quality_routine-hall")).toMatchObject({ alias: PATTERN.title });
    expect(JSON.stringify(outcome)).not.toContain(APP_TOKEN);
    expect(red.output()).not.toContain(APP_TOKEN);
  }, 120_000);
});
