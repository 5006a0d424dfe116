import { createRequire } from "node:module";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import patternModel from "../../nodes/pattern-model/pattern-model";
import { allNodes, feedbackBatch, helper, initNodeRed, modelConfig, tempDir } from "./harness";

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
    expect(res.body).toMatchObject({ activeVersion: "v0002", feedbackCount: 90, pending: 0 });
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
    const res = await (await loadWithVersions(), helper.request())
      .post("/pattern-quality/m1/activate")
      .send({})
      .expect(400);
    expect(res.body.error).toMatch(/^id:/);
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
