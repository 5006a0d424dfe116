// The pattern-dashboard widget with a Home Assistant connection chosen: the decisions per person
// carry the names of the household's person entities (read over the connection) instead of ids.
import { createRequire } from "node:module";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import patternDashboard from "../../nodes/pattern-dashboard/pattern-dashboard";
import type { DashboardSnapshot } from "../../nodes/pattern-dashboard/snapshot";
import patternModel from "../../nodes/pattern-model/pattern-model";
import registerHa from "../../nodes/pattern-quality-ha/pattern-quality-ha";
import type { NodeRedApi } from "../../nodes/shared/red";
import { ADMIN, fast, startSimulator, until } from "../ha/fixtures";
import { feedbackBatch, helper, initNodeRed, modelConfig, tempDir } from "./harness";

const require = createRequire(import.meta.url);
const dashboardNodes = ["ui_base", "ui_page", "ui_group", "ui_theme"].map((name) =>
  require(`@flowfuse/node-red-dashboard/nodes/config/${name}.js`),
);
const nodes = [patternModel, patternDashboard, (RED: NodeRedApi) => registerHa(RED, fast), ...dashboardNodes];

beforeAll(() => initNodeRed());
afterEach(() => helper.unload());

describe("pattern-dashboard with a Home Assistant connection", () => {
  it("shows people by the names of their person entities", async () => {
    const sim = await startSimulator();
    sim.addPerson({ name: "Anna", userId: "user-anna" });
    const dir = await tempDir();
    await helper.load(
      nodes,
      [
        modelConfig("m1", dir),
        { id: "ha", type: "pattern-quality-ha", url: sim.url },
        { id: "base1", type: "ui-base", name: "dash", path: "/dashboard" },
        { id: "theme1", type: "ui-theme", name: "theme", colors: {}, sizes: {} },
        { id: "page1", type: "ui-page", name: "Page", ui: "base1", path: "/page", theme: "theme1", layout: "grid" },
        { id: "group1", type: "ui-group", name: "Group", page: "page1", width: 12 },
        { id: "w1", type: "pattern-dashboard", group: "group1", model: "m1", ha: "ha", wires: [[]] },
      ],
      { ha: { token: ADMIN } },
    );
    const model = await helper.getNode("m1").model();
    await model.addFeedback(feedbackBatch(4).map((f) => ({ ...f, user: "user-anna" })));
    await model.addFeedback(feedbackBatch(2).map((f) => ({ ...f, user: "user-unknown" })));
    const base = helper.getNode("base1") as any;
    const stored = () => base.stores.data.get("w1")?.payload as DashboardSnapshot | undefined;
    // Both batches and the names: the page may get a snapshot in between (each change is pushed).
    const shown = () => stored()?.decisions.people ?? [];
    await until(
      () => shown().some((p) => p.name === "Anna") && shown().some((p) => p.user === "user-unknown"),
      "Anna's name and the unknown user's decisions",
    );
    const people = stored()!.decisions.people;
    expect(people.find((p) => p.user === "user-anna")).toMatchObject({ name: "Anna", approved: expect.any(Number) });
    // Someone Home Assistant does not know keeps their id.
    expect(people.find((p) => p.user === "user-unknown")).toMatchObject({ name: null });
  });
});
