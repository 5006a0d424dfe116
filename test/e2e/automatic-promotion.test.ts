// End to end in the real red.js: updates run while trials promote versions (a low update
// threshold and short trials, feedback posted one at a time). An automatic promotion during an
// update used to be taken for a person's switch: the update's version was "saved but not
// activated: a version was activated by hand during the update" (59 such alerts against 105
// automatic promotions and no person in a load test). Now no such alert is raised, and every
// version saved has a verdict, or says why it has none.
import { existsSync } from "node:fs";
import * as fs from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { eventually } from "../support/eventually";
import { packageRoot, type RunningNodeRed, startNodeRed } from "../support/node-red";

const MODEL = "autopromo0000001";

function flows() {
  const z = "autopromo00000ff";
  return [
    { id: z, type: "tab", label: "automatic promotion" },
    {
      id: MODEL,
      type: "pattern-model",
      name: "busy model",
      storeDir: "model-store",
      schemaKind: "names",
      featureNames: "hour, devices, confidence",
      trees: 20,
      maxDepth: 6,
      incrementalTrees: 5,
      seed: 3,
      updateThreshold: 10,
      minSamples: 10,
      autoUpdate: true,
      guardrailSamples: 5,
      guardrailDropPoints: 60,
    },
    { id: "ap-in", type: "http in", z, url: "/feedback", method: "post", upload: false, wires: [["ap-collect"]] },
    { id: "ap-collect", type: "feedback-collector", z, model: MODEL, wires: [["ap-out"]] },
    { id: "ap-out", type: "http response", z, statusCode: "", headers: {}, wires: [] },
    { id: "ap-update", type: "incremental-update", z, model: MODEL, mode: "incremental", wires: [[], ["ap-keep"]] },
    {
      id: "ap-keep",
      type: "function",
      z,
      func: "const alerts = flow.get('alerts') || []; alerts.push(msg.payload); flow.set('alerts', alerts); return null;",
      outputs: 0,
      wires: [],
    },
    { id: "ap-alerts", type: "http in", z, url: "/alerts", method: "get", upload: false, wires: [["ap-read"]] },
    {
      id: "ap-read",
      type: "function",
      z,
      func: "msg.payload = flow.get('alerts') || []; return msg;",
      outputs: 1,
      wires: [["ap-alerts-out"]],
    },
    { id: "ap-alerts-out", type: "http response", z, statusCode: "", headers: {}, wires: [] },
  ];
}

function feedback(i: number) {
  const hour = (i * 7) % 24;
  const devices = 1 + ((i * 5) % 6);
  return {
    id: `ap-${i}`,
    patternId: `pattern-${i}`,
    label: hour >= 17 && devices <= 3 ? "approve" : "reject",
    features: { hour, devices, confidence: ((i * 37) % 100) / 100 },
  };
}

async function json(url: string, init: RequestInit = {}): Promise<{ status: number; body: any }> {
  const res = await fetch(url, init);
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

const built = existsSync(path.join(packageRoot, "dist", "nodes", "pattern-model", "pattern-model.js"));

describe.skipIf(!built && !process.env.CI)("automatic promotions while updates run, in red.js", () => {
  let red: RunningNodeRed | undefined;

  afterEach(async () => {
    await red?.stop();
    if (red) await fs.rm(red.userDir, { recursive: true, force: true });
    red = undefined;
  });

  it("raises no false 'activated by hand' and gives every version a verdict or says why not", async () => {
    const userDir = await fs.mkdtemp(path.join(os.tmpdir(), "pattern-quality-promotion-"));
    await fs.mkdir(path.join(userDir, "model-store"));
    red = await startNodeRed({ flows: flows(), userDir });
    const running = red;
    for (let i = 0; i < 300; i++) {
      const posted = await json(`${running.url}/feedback`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(feedback(i)),
      });
      expect(posted.status).toBe(200);
    }
    const metrics = async () => (await json(`${running.url}/pattern-quality/${MODEL}/metrics`)).body;
    await eventually("updates idle", async () => ((await metrics()).updating ? undefined : true), 60_000);
    const activations = (await json(`${running.url}/pattern-quality/${MODEL}/activations`)).body.activations;
    const automatic = activations.filter((a: { by: string }) => a.by === "pattern-model");
    // Busy enough for promotions to land during updates: many versions went live by themselves.
    expect(automatic.length).toBeGreaterThanOrEqual(5);
    const alerts: Array<{ type: string; message: string }> = (await json(`${running.url}/alerts`)).body;
    expect(alerts.filter((a) => /activated by hand/.test(a.message))).toEqual([]);
    const versions = (await json(`${running.url}/pattern-quality/${MODEL}/versions`)).body.versions;
    expect(versions.length).toBeGreaterThanOrEqual(10);
    for (const row of versions as Array<{ id: string; verdict: string }>) {
      expect(row.verdict, row.id).toMatch(
        /^(better|not-worse|worse|unproven|judged alone|superseded by v\d+|interrupted|rejected|on trial|waiting for the trial of v\d+|live, not judged yet)/,
      );
    }
  }, 180_000);
});
