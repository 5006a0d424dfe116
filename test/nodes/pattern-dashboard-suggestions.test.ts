// The dashboard's suggestions: pending ones in words with Approve / Reject / Not now, the press
// recorded with who pressed (twice: one decision), the answer learned, and answered ones shown
// with whether the model guessed right.
import { createRequire } from "node:module";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import patternDashboard from "../../nodes/pattern-dashboard/pattern-dashboard";
import type { DashboardSnapshot } from "../../nodes/pattern-dashboard/snapshot";
import patternModel from "../../nodes/pattern-model/pattern-model";
import { holdBook } from "../../nodes/shared/suggestions";
import type { PatternModel } from "../../src/model/pattern-model";
import { helper, initNodeRed, modelConfig, tempDir } from "./harness";

const require = createRequire(import.meta.url);
const dashboardNodes = ["ui_base", "ui_page", "ui_group", "ui_theme"].map((name) =>
  require(`@flowfuse/node-red-dashboard/nodes/config/${name}.js`),
);

beforeAll(() => initNodeRed());
afterEach(() => helper.unload());

const kitchen = {
  id: "routine-kitchen",
  title: "Turn on Kitchen light at about 06:45 on weekdays",
  description: "Turn on Kitchen light at about 06:45 on weekdays: done by hand on 17 of 20 weekdays, last 2 days ago",
  confidence: 0.8,
  automation: { alias: "Turn on Kitchen light", triggers: [], conditions: [], actions: [], mode: "single" },
  routine: { kind: "time_of_day", change: { entityId: "light.kitchen", to: "on" }, minute: 405, dayClass: "weekdays" },
};

async function load() {
  const dir = await tempDir();
  await helper.load(
    [patternModel, patternDashboard, ...dashboardNodes],
    [
      modelConfig("m1", dir),
      { id: "base1", type: "ui-base", name: "dash", path: "/dashboard", includeClientData: true },
      { id: "theme1", type: "ui-theme", name: "theme", colors: {}, sizes: {} },
      { id: "page1", type: "ui-page", name: "Page", ui: "base1", path: "/page", theme: "theme1", layout: "grid" },
      { id: "group1", type: "ui-group", name: "Group", page: "page1", width: 12 },
      { id: "w1", type: "pattern-dashboard", group: "group1", model: "m1", order: 1, wires: [[]] },
    ],
  );
  const model = (await helper.getNode("m1").model()) as PatternModel;
  const held = await holdBook(model);
  await held.book.offer([
    { pattern: kitchen, score: 0.7, reasons: ["Done regularly (85 % of the time): speaks for it"] },
  ]);
  await held.book.recordAsked(["routine-kitchen"], "phone");
  const base = helper.getNode("base1") as any;
  const stored = () => base.stores.data.get("w1")?.payload as DashboardSnapshot | undefined;
  const press = (payload: unknown) =>
    base.ui.widgets
      .get("w1")
      .hooks.beforeSend({ payload, topic: "", _client: { socketId: "s1", user: { username: "anna" } } });
  return { model, held, stored, press };
}

async function until<T>(probe: () => T | undefined | null | false, what: string): Promise<T> {
  for (let i = 0; i < 500; i++) {
    const value = probe();
    if (value) return value;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe("pattern-dashboard: suggestions", () => {
  it("lists a pending suggestion by its words, with its score and reasons in plain words", async () => {
    const { stored } = await load();
    const pending = await until(() => stored()?.suggestions?.pending[0], "the suggestion on the dashboard");
    expect(pending).toMatchObject({
      patternId: "routine-kitchen",
      title: "Turn on Kitchen light at about 06:45 on weekdays",
      score: 0.7,
      reasons: ["Done regularly (85 % of the time): speaks for it"],
      state: "asked",
    });
  });

  it("records Approve with who pressed, learns it, sends it on for the automation; pressed twice, one decision", async () => {
    const { model, held, stored, press } = await load();
    await until(() => stored()?.suggestions, "the suggestions");
    const first = await press({ action: "approve", patternId: "routine-kitchen" });
    expect(first).toMatchObject({
      topic: "approve",
      payload: { patternId: "routine-kitchen", answer: "approve", by: "anna", label: 1, decision: "new" },
      pattern: { id: "routine-kitchen", automation: { alias: "Turn on Kitchen light" } },
    });
    const second = await press({ action: "approve", patternId: "routine-kitchen" });
    expect(second.payload.decision).toBe("repeat");
    expect(model.decisions().recent.filter((d) => d.patternId === "routine-kitchen")).toHaveLength(1);
    expect(held.book.get("routine-kitchen")?.answer).toMatchObject({
      answer: "approve",
      by: "anna",
      source: "dashboard",
    });
    const answered = await until(() => stored()?.suggestions?.answered[0], "the answered suggestion");
    expect(answered).toMatchObject({
      title: kitchen.title,
      guessedRight: true,
      answer: { answer: "approve", by: "anna" },
    });
    expect(stored()?.suggestions?.pending).toEqual([]);
    await held.release();
  });

  it("snoozes Not now without teaching the model anything", async () => {
    const { model, held, press } = await load();
    const out = await press({ action: "snooze", patternId: "routine-kitchen" });
    expect(out.payload).toMatchObject({ answer: "snooze", label: null });
    expect(model.decisions().recent).toEqual([]);
    expect(held.book.stateOf(held.book.get("routine-kitchen")!)).toBe("snoozed");
    await held.release();
  });

  it("refuses a press without a suggestion id, saying so", async () => {
    const { held, press } = await load();
    expect(await press({ action: "reject" })).toBeNull();
    await held.release();
  });
});
