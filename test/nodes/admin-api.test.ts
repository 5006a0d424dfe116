import { createRequire } from "node:module";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import patternModel from "../../nodes/pattern-model/pattern-model";
import { allNodes, feedbackBatch, helper, initNodeRed, modelConfig, promote, TRIAL_SAMPLES, tempDir } from "./harness";

const require = createRequire(import.meta.url);

beforeAll(() => initNodeRed());
afterEach(() => helper.unload());

async function loadWithVersions(nodes: unknown[] = allNodes) {
  const dir = await tempDir();
  await helper.load(nodes, [modelConfig("m1", dir)]);
  const model = await helper.getNode("m1").model();
  await model.addFeedback(feedbackBatch(60));
  await model.update("full", "first");
  await model.addFeedback(feedbackBatch(30));
  await model.update("incremental", "second");
  await promote(model, "v0002");
  return model;
}

describe("admin HTTP API", () => {
  it("lists the versions with the active one", async () => {
    await loadWithVersions();
    const res = await helper.request().get("/pattern-quality/m1/versions").expect(200);
    expect(res.body.activeVersion).toBe("v0002");
    expect(res.body.versions.map((v: { id: string; active: boolean }) => [v.id, v.active])).toEqual([
      ["v0002", true],
      ["v0001", false],
    ]);
  });

  it("gives the live metrics", async () => {
    await loadWithVersions();
    const res = await helper.request().get("/pattern-quality/m1/metrics").expect(200);
    expect(res.body).toMatchObject({
      activeVersion: "v0002",
      feedbackCount: 90 + TRIAL_SAMPLES,
      pending: TRIAL_SAMPLES,
    });
    expect(res.body.monitor).toHaveProperty("accuracy");
  });

  it("gives the activation log: who switched to which version, when and why", async () => {
    const model = await loadWithVersions();
    await model.activate("v0001", { reason: "dashboard", by: "anna" });
    const res = await helper.request().get("/pattern-quality/m1/activations").expect(200);
    expect(res.body.activeVersion).toBe("v0001");
    expect(res.body.activations.at(-1)).toMatchObject({ from: "v0002", to: "v0001", reason: "dashboard", by: "anna" });
    expect(Number.isNaN(Date.parse(res.body.activations.at(-1).at))).toBe(false);
  });

  it("activates a version, recording who and why", async () => {
    const model = await loadWithVersions();
    const res = await helper
      .request()
      .post("/pattern-quality/m1/activate")
      .send({ id: "v0001", reason: "dashboard" })
      .expect(200);
    expect(res.body.id).toBe("v0001");
    expect(model.activeVersion).toBe("v0001");
    expect(model.versions.activations().at(-1)).toMatchObject({ to: "v0001", reason: "dashboard", by: "admin" });
  });

  it("rolls back to the previous version", async () => {
    const model = await loadWithVersions();
    await helper.request().post("/pattern-quality/m1/rollback").send({}).expect(200);
    expect(model.activeVersion).toBe("v0001");
    expect(model.versions.activations().at(-1)).toMatchObject({ reason: "admin API" });
  });

  it("holds after a rollback, shows the hold in the metrics and versions, and resumes on POST resume", async () => {
    const model = await loadWithVersions();
    await helper.request().post("/pattern-quality/m1/rollback").send({}).expect(200);
    const metrics = await helper.request().get("/pattern-quality/m1/metrics").expect(200);
    expect(metrics.body.hold).toMatchObject({ version: "v0001", reason: "admin API" });
    const versions = await helper.request().get("/pattern-quality/m1/versions").expect(200);
    expect(versions.body.versions.find((row: { id: string }) => row.id === "v0001")).toMatchObject({
      held: true,
      active: true,
    });
    const resumed = await helper.request().post("/pattern-quality/m1/resume").send({}).expect(200);
    expect(resumed.body).toEqual({ activeVersion: "v0001", hold: null });
    expect(model.metrics().hold).toBeNull();
    const again = await helper.request().post("/pattern-quality/m1/resume").send({}).expect(400);
    expect(again.body).toMatchObject({ code: "invalid-input", error: expect.stringContaining("nothing is held") });
    await helper.request().post("/pattern-quality/m1/resume").send({ by: "x" }).expect(400);
  });

  it("answers 404 for an unknown model", async () => {
    await loadWithVersions();
    const res = await helper.request().get("/pattern-quality/nope/versions").expect(404);
    expect(res.body.error).toMatch(/no pattern-model configuration/);
  });

  it("answers 404 for an unknown version, changing nothing", async () => {
    const model = await loadWithVersions();
    const res = await helper.request().post("/pattern-quality/m1/activate").send({ id: "v0042" }).expect(404);
    expect(res.body.code).toBe("unknown-version");
    expect(model.activeVersion).toBe("v0002");
  });

  it("answers 400 when the version to activate is missing", async () => {
    await loadWithVersions();
    const res = await helper.request().post("/pattern-quality/m1/activate").send({}).expect(400);
    expect(res.body.error).toMatch(/^body\.id:/);
  });

  describe("refuses a body field of the wrong type with 400 naming it, changing nothing", () => {
    const bad: Array<[string, string, unknown, RegExp]> = [
      ["rollback", "to = 1", { to: 1 }, /^body\.to: /],
      ["rollback", "to = null", { to: null }, /^body\.to: /],
      ["rollback", "to = true", { to: true }, /^body\.to: /],
      ["rollback", "to = []", { to: [] }, /^body\.to: /],
      ["rollback", "to = {}", { to: {} }, /^body\.to: /],
      ["rollback", 'to = ""', { to: "" }, /^body\.to: /],
      ["rollback", 'to = "v1"', { to: "v1" }, /^body\.to: expected "previous" or a version id like v0001/],
      ["rollback", "reason = 7", { reason: 7 }, /^body\.reason: /],
      ["rollback", "an unknown field", { version: "v0001" }, /^body\.version: unknown field; expected only to, reason/],
      ["rollback", "a body that is a list", ["v0001"], /^body: expected an object/],
      ["activate", "id = 1", { id: 1 }, /^body\.id: /],
      ["activate", "id = null", { id: null }, /^body\.id: /],
      ["activate", "id = {}", { id: {} }, /^body\.id: /],
      ["activate", "reason = []", { id: "v0001", reason: [] }, /^body\.reason: /],
      ["activate", "an unknown field", { id: "v0001", by: "mallory" }, /^body\.by: unknown field; expected only id/],
    ];
    for (const [route, what, body, message] of bad) {
      it(`${route} with ${what}`, async () => {
        const model = await loadWithVersions();
        const res = await helper.request().post(`/pattern-quality/m1/${route}`).send(body).expect(400);
        expect(res.body).toMatchObject({ code: "invalid-input", error: expect.stringMatching(message) });
        expect(model.activeVersion).toBe("v0002");
        expect(model.versions.activations().at(-1)).toMatchObject({ to: "v0002" });
      });
    }

    it("while a missing to still means the previous version", async () => {
      const model = await loadWithVersions();
      await helper.request().post("/pattern-quality/m1/rollback").send({ reason: "by hand" }).expect(200);
      expect(model.activeVersion).toBe("v0001");
      await helper.request().post("/pattern-quality/m1/rollback").send({ to: "previous" }).expect(200);
      expect(model.activeVersion).toBe("v0002");
      await helper.request().post("/pattern-quality/m1/rollback").send({ to: "v0001" }).expect(200);
      expect(model.activeVersion).toBe("v0001");
    });
  });

  it("repeats a long model id in its 404 cut short, saying so", async () => {
    await loadWithVersions();
    const id = "m".repeat(10_000);
    const res = await helper.request().get(`/pattern-quality/${id}/versions`).expect(404);
    expect(res.body.error.length).toBeLessThan(200);
    expect(res.body.error).toMatch(/no pattern-model configuration with id "m+"… \(10000 characters, cut to 80\)/);
  });

  it("answers 500 with the message of an unexpected failure", async () => {
    const model = await loadWithVersions();
    model.metrics = () => {
      throw new TypeError("boom");
    };
    const res = await helper.request().get("/pattern-quality/m1/metrics").expect(500);
    expect(res.body.error).toBe("boom");
  });

  describe("with Node-RED's adminAuth on", () => {
    // The test helper stubs RED.auth to allow everything; here the nodes get Node-RED's real
    // editor-api auth module, initialised with adminAuth settings, as red.js would give them.
    function withRealAuth(adminAuth: object) {
      const auth = require(require.resolve("@node-red/editor-api/lib/auth", { paths: [require.resolve("node-red")] }));
      const sessions: Record<string, unknown> = {};
      auth.init({ adminAuth }, { getSessions: async () => sessions, saveSessions: async () => undefined });
      const wrapped = (RED: any) => {
        RED.auth = auth;
        return patternModel(RED);
      };
      return wrapped;
    }

    it("lets a read-only user read versions but refuses activate and rollback with 401", async () => {
      const node = withRealAuth({ type: "credentials", users: [], default: { permissions: "read" } });
      const model = await loadWithVersions([node]);
      await helper.request().get("/pattern-quality/m1/versions").expect(200);
      await helper.request().get("/pattern-quality/m1/metrics").expect(200);
      await helper.request().get("/pattern-quality/m1/activations").expect(200);
      await helper.request().post("/pattern-quality/m1/activate").send({ id: "v0001" }).expect(401);
      await helper.request().post("/pattern-quality/m1/rollback").send({}).expect(401);
      expect(model.activeVersion).toBe("v0002");
    });

    it("refuses everything to an anonymous visitor when there is no default user", async () => {
      const node = withRealAuth({ type: "credentials", users: [] });
      await loadWithVersions([node]);
      await helper.request().get("/pattern-quality/m1/versions").expect(401);
      await helper.request().post("/pattern-quality/m1/rollback").send({}).expect(401);
    });

    it("lets a user with pattern-model.write roll back", async () => {
      const node = withRealAuth({
        type: "credentials",
        users: [],
        default: { permissions: ["pattern-model.read", "pattern-model.write"] },
      });
      const model = await loadWithVersions([node]);
      await helper.request().post("/pattern-quality/m1/rollback").send({ reason: "by hand" }).expect(200);
      expect(model.activeVersion).toBe("v0001");
    });
  });
});
