// End to end: the real red.js loading this package's compiled build (npm run build), with
// adminAuth on, a flow that takes feedback over HTTP, automatic updates, a rollback through the
// admin API, and a restart that must keep everything.
import { existsSync } from "node:fs";
import * as fs from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import { createRequire } from "node:module";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { packageRoot, startNodeRed, type RunningNodeRed } from "../support/node-red";
import { eventually } from "../support/eventually";

const require = createRequire(import.meta.url);
const bcrypt = require(
  require.resolve("bcryptjs", {
    paths: [
      path.dirname(require.resolve("@node-red/editor-api/package.json", { paths: [require.resolve("node-red")] })),
    ],
  }),
);

const MODEL = "e2e0000000000001";
const FEEDBACK = 300;

function flows() {
  const z = "e2e00000000000ff";
  return [
    { id: z, type: "tab", label: "end to end" },
    {
      id: MODEL,
      type: "pattern-model",
      name: "e2e model",
      // Relative to the user directory, which the test creates (PatternModel.open needs an existing directory).
      storeDir: "model-store",
      schemaKind: "names",
      featureNames: "hour, devices, confidence",
      trees: 20,
      maxDepth: 8,
      incrementalTrees: 4,
      seed: 3,
      updateThreshold: 50,
      minSamples: 10,
      autoUpdate: true,
      updateBudgetMs: 60000,
      accuracyDropPoints: 50,
      driftAlerts: false,
      keepVersions: 50,
      keepFeedback: 100000,
      guardrailDropPoints: 100,
      guardrailSamples: 50,
    },
    { id: "e2e-in", type: "http in", z, url: "/feedback", method: "post", upload: false, wires: [["e2e-collector"]] },
    { id: "e2e-collector", type: "feedback-collector", z, model: MODEL, wires: [["e2e-ack"]] },
    {
      id: "e2e-ack",
      type: "function",
      z,
      func: "msg.payload = { stored: msg.payload.stored.length, pending: msg.payload.pending }; return msg;",
      outputs: 1,
      wires: [["e2e-out"]],
    },
    { id: "e2e-out", type: "http response", z, statusCode: "", headers: {}, wires: [] },
    { id: "e2e-catch", type: "catch", z, scope: ["e2e-collector"], uncaught: false, wires: [["e2e-refuse"]] },
    {
      id: "e2e-refuse",
      type: "function",
      z,
      func: "msg.statusCode = 400; msg.payload = { error: msg.error.message }; return msg;",
      outputs: 1,
      wires: [["e2e-out"]],
    },
    {
      id: "e2e-update",
      type: "incremental-update",
      z,
      model: MODEL,
      mode: "incremental",
      reportOthers: true,
      wires: [["e2e-metrics"], ["e2e-alerts"]],
    },
    {
      id: "e2e-metrics",
      type: "function",
      z,
      func: "const seen = global.get('metrics') || []; seen.push(msg.payload); global.set('metrics', seen); return null;",
      outputs: 1,
      wires: [[]],
    },
    {
      id: "e2e-alerts",
      type: "function",
      z,
      func: "const seen = global.get('alerts') || []; seen.push(msg.payload); global.set('alerts', seen); return null;",
      outputs: 1,
      wires: [[]],
    },
    { id: "e2e-seen-in", type: "http in", z, url: "/seen", method: "get", upload: false, wires: [["e2e-seen"]] },
    {
      id: "e2e-seen",
      type: "function",
      z,
      func: "msg.payload = { metrics: global.get('metrics') || [], alerts: global.get('alerts') || [] }; return msg;",
      outputs: 1,
      wires: [["e2e-seen-out"]],
    },
    { id: "e2e-seen-out", type: "http response", z, statusCode: "", headers: {}, wires: [] },
  ];
}

function feedback(i: number) {
  const hour = (i * 7) % 24;
  const devices = 1 + ((i * 5) % 6);
  return {
    id: `e2e-${i}`,
    patternId: `pattern-${i}`,
    label: hour >= 17 && devices <= 3 ? "approve" : "reject",
    features: { hour, devices, confidence: ((i * 37) % 100) / 100 },
  };
}

async function json(url: string, init: RequestInit = {}): Promise<{ status: number; body: any }> {
  const res = await fetch(url, init);
  const text = await res.text();
  let body: any = text;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    // Node-RED answers a refused permission with plain text ("Unauthorized").
  }
  return { status: res.status, body };
}

async function token(red: RunningNodeRed, username: string, password: string): Promise<string> {
  const res = await json(`${red.url}/auth/token`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      client_id: "node-red-admin",
      grant_type: "password",
      scope: username === "admin" ? "*" : "read",
      username,
      password,
    }),
  });
  expect(res.status).toBe(200);
  return res.body.access_token;
}

const built = existsSync(path.join(packageRoot, "dist", "nodes", "pattern-model", "pattern-model.js"));

describe.skipIf(!built && !process.env.CI)(
  "Node-RED end to end (red.js with the compiled package; skipped before `npm run build`)",
  () => {
    let red: RunningNodeRed;
    const settings = {
      adminAuth: {
        type: "credentials",
        users: [
          { username: "admin", password: bcrypt.hashSync("admin-secret", 8), permissions: "*" },
          { username: "viewer", password: bcrypt.hashSync("viewer-secret", 8), permissions: "read" },
        ],
      },
    };

    beforeAll(async () => {
      const userDir = await fs.mkdtemp(path.join(os.tmpdir(), "pattern-quality-e2e-"));
      await fs.mkdir(path.join(userDir, "model-store"));
      red = await startNodeRed({ flows: flows(), settings, userDir });
    }, 120_000);

    afterAll(async () => {
      await red?.stop();
      if (red) await fs.rm(red.userDir, { recursive: true, force: true });
    });

    it(`learns from ${FEEDBACK} feedback posted to an http in endpoint, creating versions and emitting metrics`, async () => {
      for (let i = 0; i < FEEDBACK; i++) {
        const res = await json(`${red.url}/feedback`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(feedback(i)),
        });
        expect(res).toMatchObject({ status: 200, body: { stored: 1 } });
      }
      const bad = await json(`${red.url}/feedback`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ patternId: "x", label: "maybe", features: { hour: 1, devices: 1, confidence: 0 } }),
      });
      expect(bad.status).toBe(400);
      expect(bad.body.error).toMatch(/label/);

      const admin = await token(red, "admin", "admin-secret");
      const auth = { authorization: `Bearer ${admin}` };
      const metrics = await eventually("all feedback learned and updates idle", async () => {
        const res = await json(`${red.url}/pattern-quality/${MODEL}/metrics`, { headers: auth });
        return res.body.feedbackCount === FEEDBACK && !res.body.updating && res.body.pending < 50
          ? res.body
          : undefined;
      });
      expect(metrics.activeVersion).toMatch(/^v\d{4}$/);

      const versions = await json(`${red.url}/pattern-quality/${MODEL}/versions`, { headers: auth });
      expect(versions.body.versions.length).toBeGreaterThanOrEqual(3);

      const seen = await eventually("metrics from the incremental-update node", async () => {
        const res = await json(`${red.url}/seen`);
        return res.body.metrics.length >= versions.body.versions.length ? res.body : undefined;
      });
      expect(seen.metrics[0]).toMatchObject({ version: "v0001", kind: "full" });
      expect(seen.metrics.at(-1)).toMatchObject({ kind: "incremental" });
      expect(seen.metrics.at(-1).prequentialAccuracy).toBeGreaterThan(0.6);
    });

    it("rolls back through the admin API, refusing a reader and an anonymous caller", async () => {
      const before = (
        await json(`${red.url}/pattern-quality/${MODEL}/versions`, {
          headers: { authorization: `Bearer ${await token(red, "admin", "admin-secret")}` },
        })
      ).body;
      const viewer = await token(red, "viewer", "viewer-secret");
      expect((await json(`${red.url}/pattern-quality/${MODEL}/versions`)).status).toBe(401);
      expect(
        (await json(`${red.url}/pattern-quality/${MODEL}/versions`, { headers: { authorization: `Bearer ${viewer}` } }))
          .status,
      ).toBe(200);
      const refused = await json(`${red.url}/pattern-quality/${MODEL}/rollback`, {
        method: "POST",
        headers: { authorization: `Bearer ${viewer}`, "content-type": "application/json" },
        body: "{}",
      });
      expect(refused.status).toBe(401);

      const admin = await token(red, "admin", "admin-secret");
      const rolled = await json(`${red.url}/pattern-quality/${MODEL}/rollback`, {
        method: "POST",
        headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" },
        body: JSON.stringify({ reason: "end-to-end rollback" }),
      });
      expect(rolled.status).toBe(200);
      expect(rolled.body.id).not.toBe(before.activeVersion);
      const after = (
        await json(`${red.url}/pattern-quality/${MODEL}/versions`, { headers: { authorization: `Bearer ${admin}` } })
      ).body;
      expect(after.activeVersion).toBe(rolled.body.id);
    });

    it("keeps the rollback and every feedback across a restart of Node-RED", async () => {
      const admin = await token(red, "admin", "admin-secret");
      const before = (
        await json(`${red.url}/pattern-quality/${MODEL}/versions`, { headers: { authorization: `Bearer ${admin}` } })
      ).body;
      const stopped = await red.stop();
      expect(stopped.signal ?? stopped.code).not.toBe("SIGKILL");
      expect(red.output()).not.toMatch(/close timed out|timed out/i);

      red = await startNodeRed({ settings, userDir: red.userDir, port: red.port });
      const again = await token(red, "admin", "admin-secret");
      const versions = (
        await json(`${red.url}/pattern-quality/${MODEL}/versions`, { headers: { authorization: `Bearer ${again}` } })
      ).body;
      expect(versions.activeVersion).toBe(before.activeVersion);
      // The same versions and figures; only a verdict may move on: the newest version not yet judged
      // goes on trial after a restart ("never judged" → "on trial").
      const withoutVerdict = (rows: Array<{ verdict: string }>) => rows.map(({ verdict: _verdict, ...row }) => row);
      expect(withoutVerdict(versions.versions)).toEqual(withoutVerdict(before.versions));
      versions.versions.forEach((row: { verdict: string }, i: number) => {
        if (row.verdict !== before.versions[i].verdict)
          expect([before.versions[i].verdict, row.verdict]).toEqual(["never judged", "on trial"]);
      });
      const metrics = (
        await json(`${red.url}/pattern-quality/${MODEL}/metrics`, { headers: { authorization: `Bearer ${again}` } })
      ).body;
      expect(metrics.feedbackCount).toBe(FEEDBACK);
    });
  },
);
