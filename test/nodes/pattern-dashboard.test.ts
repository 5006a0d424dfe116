// The pattern-dashboard widget's runtime side in Node-RED with the real Dashboard 2 config nodes
// (ui-base, ui-page, ui-group): it registers with its group, publishes the model's snapshot to
// the dashboard, and carries out the widget's button presses as Dashboard 2 hands them over.
import { createRequire } from "node:module";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import registerPlugin, { ingressUser, relativeAdminRoot } from "../../nodes/pattern-dashboard/dashboard-plugin";
import patternDashboard, { NO_GROUP_MESSAGE } from "../../nodes/pattern-dashboard/pattern-dashboard";
import type { DashboardSnapshot } from "../../nodes/pattern-dashboard/snapshot";
import patternModel from "../../nodes/pattern-model/pattern-model";
import { feedbackBatch, helper, initNodeRed, modelConfig, nextError, promote, tempDir, type TestNode } from "./harness";

const require = createRequire(import.meta.url);
const dashboardNodes = ["ui_base", "ui_page", "ui_group", "ui_theme"].map((name) =>
  require(`@flowfuse/node-red-dashboard/nodes/config/${name}.js`),
);
const nodes = [patternModel, patternDashboard, ...dashboardNodes];

beforeAll(() => initNodeRed());
afterEach(() => helper.unload());

/** A dashboard page with one group, and the widget `w1` on it showing model `m1` (unless told otherwise). */
function flow(dir: string, widget: Record<string, unknown> = {}) {
  return [
    modelConfig("m1", dir),
    { id: "base1", type: "ui-base", name: "dash", path: "/dashboard", includeClientData: true },
    { id: "theme1", type: "ui-theme", name: "theme", colors: {}, sizes: {} },
    { id: "page1", type: "ui-page", name: "Page", ui: "base1", path: "/page", theme: "theme1", layout: "grid" },
    { id: "group1", type: "ui-group", name: "Group", page: "page1", width: 12 },
    { id: "w1", type: "pattern-dashboard", group: "group1", model: "m1", order: 1, wires: [[]], ...widget },
  ];
}

interface Registered {
  src?: Record<string, unknown>;
  hooks: { beforeSend(msg: object): Promise<any>; onAction: unknown };
}

/** What the widget registered with Dashboard 2's ui-base, and the messages it sends to the pages. */
function dashboard(widgetId = "w1") {
  const base = helper.getNode("base1") as any;
  const sent: Array<{ event: string; msg: any }> = [];
  const emit = base.emit;
  base.emit = (event: string, msg: unknown, ...rest: unknown[]) => {
    sent.push({ event, msg });
    return emit.call(base, event, msg, ...rest);
  };
  return {
    widget: () => base.ui.widgets.get(widgetId) as Registered | undefined,
    stored: () => base.stores.data.get(widgetId)?.payload as DashboardSnapshot | undefined,
    sent,
    notices: () => sent.filter((s) => s.msg.notice).map((s) => s.msg.notice),
  };
}

/** The arguments of every call the node made to one of its methods (the test helper spies on them all). */
function callsOf(node: TestNode, method: "status" | "error"): any[] {
  return node[method]
    .getCalls()
    .filter((call: any) => call.thisValue === node)
    .map((call: any) => call.args[0]);
}

async function until<T>(probe: () => T | undefined, what: string): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The flow loaded and its model with three versions, v0003 active and nothing held. */
async function withVersions(widget: Record<string, unknown> = {}) {
  const dir = await tempDir();
  await helper.load(nodes, flow(dir, widget));
  const model = await helper.getNode("m1").model();
  const view = dashboard();
  await model.addFeedback(feedbackBatch(60));
  await model.update("full", "first");
  await model.addFeedback(feedbackBatch(30));
  await model.update("incremental", "second");
  await promote(model, "v0002");
  await model.addFeedback(feedbackBatch(30));
  await model.update("incremental", "third");
  await promote(model, "v0003");
  return { model, view, node: helper.getNode("w1") as TestNode };
}

/** A press of a button as Dashboard 2's widget-action hands it to the widget (client data added). */
function press(view: ReturnType<typeof dashboard>, payload: unknown, user?: Record<string, unknown>) {
  const msg = { payload, topic: "", _client: { socketId: "socket-1", socketIp: "127.0.0.1", ...(user && { user }) } };
  return view.widget()!.hooks.beforeSend(msg);
}

describe("pattern-dashboard", () => {
  it("registers with its group and tells Dashboard 2 where its bundle is", async () => {
    const { view } = await withVersions();
    const widget = await until(() => view.widget(), "the widget registered");
    // This package's name has no "node-red-dashboard-2-" in it: Dashboard 2 would not find the bundle itself.
    expect(widget.src).toMatchObject({
      package: "node-red-contrib-pattern-quality",
      name: "pattern-dashboard",
      src: "pattern-dashboard.umd.js",
      component: "PatternDashboard",
    });
    expect(widget.hooks.onAction).toBe(true);
  });

  it("keeps the model's snapshot for pages that open: versions newest first, activations, the model's state", async () => {
    const { view } = await withVersions();
    const snapshot = await until(() => {
      const stored = view.stored();
      return stored?.model?.activeVersion === "v0003" ? stored : undefined;
    }, "a snapshot with v0003 active");
    expect(snapshot.problem).toBeNull();
    expect(snapshot.versions.map((row) => [row.id, row.active])).toEqual([
      ["v0003", true],
      ["v0002", false],
      ["v0001", false],
    ]);
    expect(snapshot.versions[0]).toMatchObject({ kind: "incremental", held: false, pinned: false });
    expect(snapshot.versions[0]!.evaluatedOn).toBeGreaterThan(0);
    expect(snapshot.activations[0]).toMatchObject({ from: "v0002", to: "v0003" });
    expect(snapshot.model).toMatchObject({ name: "test model", hold: null, feedbackCount: 130 });
    expect(snapshot.feed!.accuracy.marks.map((mark) => mark.label)).toContain("v0003");
  });

  it("rolls back on a Rollback press, recording the dashboard user, and sends the press on", async () => {
    const { model, view } = await withVersions();
    const out = await press(view, { action: "rollback", version: "v0001" }, { username: "anna", name: "Anna" });
    expect(out).toMatchObject({
      topic: "rollback",
      payload: { action: "rollback", version: "v0001", activeVersion: "v0001", by: "anna" },
      _client: { socketId: "socket-1" },
    });
    expect(model.activeVersion).toBe("v0001");
    expect(model.versions.activations().at(-1)).toMatchObject({
      from: "v0003",
      to: "v0001",
      reason: "dashboard",
      by: "anna",
    });
    // The page that pressed gets the new state at once, with a notice for it alone.
    const last = view.sent.at(-1)!;
    expect(last.event).toBe("msg-input:w1");
    expect(last.msg.notice).toMatchObject({ to: "socket-1", level: "success", text: expect.stringMatching(/v0001/) });
    expect(last.msg.payload.model.hold).toMatchObject({ version: "v0001", by: "anna" });
    expect(view.stored()!.model!.hold).toMatchObject({ version: "v0001" });
  });

  it('records "dashboard" as who when Dashboard 2 names nobody', async () => {
    const { model, view } = await withVersions();
    const out = await press(view, { action: "activate", version: "v0002" });
    expect(out.payload).toMatchObject({ action: "activate", by: "dashboard", activeVersion: "v0002" });
    expect(model.versions.activations().at(-1)).toMatchObject({ to: "v0002", reason: "dashboard", by: "dashboard" });
  });

  it("ends the hold on Resume, and says so when nothing is held", async () => {
    const { model, view, node } = await withVersions();
    await press(view, { action: "rollback", version: "v0001" }, { username: "anna" });
    const out = await press(view, { action: "resume" }, { username: "anna" });
    expect(out).toMatchObject({ topic: "resume", payload: { hold: null, by: "anna" } });
    expect(model.metrics().hold).toBeNull();
    expect(view.stored()!.model!.hold).toBeNull();
    // The held alert of the rollback stays listed after the hold ended.
    expect(view.stored()!.feed!.alerts.map((alert) => alert.type)).toContain("held");

    const error = nextError(node);
    expect(await press(view, { action: "resume" })).toBeNull();
    expect((await error).message).toMatch(/nothing is held/);
    expect(view.notices().at(-1)).toMatchObject({ level: "error", text: expect.stringMatching(/^Could not resume/) });
  });

  it("refuses a rollback to a version deleted meanwhile: nothing changes, the page is told and refreshed", async () => {
    const { model, view, node } = await withVersions();
    await model.versions.delete("v0002");
    const activations = model.versions.activations().length;
    const error = nextError(node);
    expect(await press(view, { action: "rollback", version: "v0002" }, { username: "anna" })).toBeNull();
    expect((await error).message).toMatch(/v0002/);
    expect(model.activeVersion).toBe("v0003");
    expect(model.metrics().hold).toBeNull();
    expect(model.versions.activations()).toHaveLength(activations);
    const last = view.sent.at(-1)!.msg;
    expect(last.notice).toMatchObject({
      to: "socket-1",
      level: "error",
      text: expect.stringMatching(/v0002 is no longer there/),
    });
    expect(last.payload.versions.map((row: { id: string }) => row.id)).toEqual(["v0003", "v0001"]);
  });

  it("retrains in full on Retrain now and sends the new version on", async () => {
    const { model, view } = await withVersions();
    const out = await press(view, { action: "retrain" });
    expect(out).toMatchObject({
      topic: "retrain",
      payload: { action: "retrain", update: { version: "v0004", kind: "full" } },
    });
    expect(model.versions.get("v0004").kind).toBe("full");
    expect(view.notices().at(-1)).toMatchObject({ level: "success", text: expect.stringMatching(/v0004 \(full\)/) });
  });

  it("names the version really on trial when Retrain now comes while another is", async () => {
    const { model, view } = await withVersions();
    await model.addFeedback(feedbackBatch(30));
    await model.update("incremental", "fourth");
    expect(model.metrics().trial).toMatchObject({ version: "v0004", against: "v0003" });
    await press(view, { action: "retrain" });
    expect(model.metrics().trial).toMatchObject({ version: "v0004" });
    expect(view.notices().at(-1)).toMatchObject({
      level: "success",
      text: expect.stringMatching(/: v0005 \(full\) is waiting for the trial of v0004 to end\.$/),
    });
  });

  it("refuses a press it does not know, naming the field, and changes nothing", async () => {
    const { model, view, node } = await withVersions();
    for (const [payload, field] of [
      [{ action: "delete", version: "v0001" }, "msg.payload.action"],
      [{ action: "rollback", version: "../v0001" }, "msg.payload.version"],
      ["rollback", "msg.payload"],
    ] as const) {
      const error = nextError(node);
      expect(await press(view, payload)).toBeNull();
      expect((await error).message).toContain(field);
    }
    expect(model.activeVersion).toBe("v0003");
    expect(model.versions.list()).toHaveLength(3);
  });

  it("without a model: a red status, and the page shows what to choose", async () => {
    const dir = await tempDir();
    await helper.load(nodes, flow(dir, { model: "" }).slice(1));
    const node = helper.getNode("w1");
    const view = dashboard();
    await until(() => view.widget(), "the widget registered");
    expect(view.stored()!.problem).toMatch(/no pattern model: open it, choose or add a "pattern-model"/);
    expect(callsOf(node, "status")).toContainEqual({ fill: "red", shape: "ring", text: "no model configured" });
  });

  it("with a model that cannot open: a red status, the page says why, and a press is refused", async () => {
    const dir = await tempDir();
    await helper.load(
      nodes,
      flow(dir).map((n) => (n.id === "m1" ? { ...n, maxDepth: 99 } : n)),
    );
    const node = helper.getNode("w1");
    const view = dashboard();
    const stored = await until(() => view.stored()?.problem ?? undefined, "a snapshot saying why");
    expect(stored).toMatch(/^The pattern model could not be opened: .*maxDepth/);
    expect(callsOf(node, "status").at(-1)).toEqual({ fill: "red", shape: "ring", text: "bad maxDepth" });
    const error = nextError(node);
    expect(await press(view, { action: "resume" })).toBeNull();
    await error;
    expect(view.notices().at(-1)).toMatchObject({ level: "error", text: expect.stringMatching(/^Could not resume/) });
  });

  it("without a group: a red status and an error naming what to choose; nothing registers", async () => {
    const dir = await tempDir();
    await helper.load(nodes, flow(dir, { group: "" }));
    const node = helper.getNode("w1");
    expect(callsOf(node, "status")).toContainEqual({ fill: "red", shape: "ring", text: "no group configured" });
    expect(callsOf(node, "error").map((error) => error.message)).toContain(NO_GROUP_MESSAGE);
    expect((helper.getNode("base1") as any).ui.widgets.has("w1")).toBe(false);
  });
});

describe("the Dashboard 2 plugin", () => {
  it("gives the admin root relative to the dashboard's scripts, so a proxy's prefix is kept", () => {
    const cases = [
      { settings: { httpAdminRoot: "/", httpNodeRoot: "/" }, path: "/dashboard" },
      { settings: { httpAdminRoot: "/admin", httpNodeRoot: "/" }, path: "/dashboard" },
      { settings: { httpAdminRoot: "/red/", httpNodeRoot: "/api/" }, path: "/ui/home" },
      { settings: {}, path: "dashboard" },
    ];
    for (const { settings, path } of cases) {
      const relative = relativeAdminRoot(settings, path);
      const admin = (settings.httpAdminRoot ?? "/").replace(/\/$/, "");
      for (const prefix of ["", "/api/hassio_ingress/XyZ"]) {
        // The page's script, as the browser loaded it (through the proxy's prefix, or not).
        const script = new URL(
          `http://home${prefix}/${settings.httpNodeRoot ?? "/"}/${path}/assets/index.js`
            .replace(/\/+/g, "/")
            .replace(":/", "://"),
        );
        const bundle = new URL(`${relative}/resources/pkg/widget.umd.js`.replace(/\/+/g, "/"), script);
        expect(bundle.pathname, JSON.stringify({ settings, path, prefix })).toBe(
          `${prefix}${admin}/resources/pkg/widget.umd.js`,
        );
      }
    }
  });

  it("registers Dashboard 2 hooks: the relative admin root for _setup, the ingress user in msg._client", () => {
    const registered: Array<{ id: string; definition: any }> = [];
    const RED = {
      settings: { httpAdminRoot: "/", httpNodeRoot: "/" },
      plugins: { registerPlugin: (id: string, definition: object) => registered.push({ id, definition }) },
    };
    registerPlugin(RED as never);
    const [{ definition }] = registered as [{ id: string; definition: any }];
    expect(definition.type).toBe("node-red-dashboard-2");
    expect(definition.hooks.onSetup({ path: "/dashboard" })).toEqual({
      RED: { httpAdminRoot: "../..", httpNodeRoot: "/" },
    });
    const connection = { handshake: { headers: { "x-remote-user-name": "anna" } } };
    const msg = definition.hooks.onAddConnectionCredentials(connection, { payload: 1, _client: { socketId: "s" } });
    expect(msg._client).toEqual({ socketId: "s", user: { userId: null, username: "anna", name: "anna" } });
    // Without Home Assistant's headers, what Dashboard 2 (or another plugin) put there stays as it is.
    const plain = { payload: 1, _client: { user: { username: "bob" } } };
    expect(definition.hooks.onAddConnectionCredentials({ handshake: { headers: {} } }, plain)).toBe(plain);
    expect(plain._client.user).toEqual({ username: "bob" });
  });

  it("names the Home Assistant user of an ingress connection, and nobody elsewhere", () => {
    const headers = {
      "x-remote-user-id": "5e1d0f6a2b",
      "x-remote-user-name": "anna",
      "x-remote-user-display-name": "Anna",
    };
    expect(ingressUser({ handshake: { headers } })).toEqual({ userId: "5e1d0f6a2b", username: "anna", name: "Anna" });
    expect(ingressUser({ handshake: { headers: { "x-remote-user-name": "  " } } })).toBeNull();
    expect(ingressUser({ handshake: { headers: {} } })).toBeNull();
    expect(ingressUser(undefined)).toBeNull();
  });
});

describe("pattern-dashboard while its model closes", () => {
  it("shows the model as unavailable instead of failing when a last event comes as the model closes", async () => {
    const dir = await tempDir();
    // Every update over a budget of 0 ms: two updates raise the same alert twice, and the model's
    // gate holds the second back until the model closes, when it lets it out.
    await helper.load(
      nodes,
      flow(dir).map((n) => (n.id === "m1" ? { ...n, updateBudgetMs: 0 } : n)),
    );
    const model = await helper.getNode("m1").model();
    const view = dashboard();
    await model.addFeedback(feedbackBatch(60));
    await model.update("full", "first");
    await model.addFeedback(feedbackBatch(20));
    await model.update("incremental", "second");
    await until(() => view.stored()?.model, "a snapshot of the open model");
    await model.close();
    const stored = await until(() => {
      const snapshot = view.stored();
      return snapshot?.problem ? snapshot : undefined;
    }, "a snapshot saying the model is not available");
    expect(stored.problem).toMatch(/^The pattern model is not available: .*closed/);
  });
});
