// The dashboard's record of a model's events: alerts that stay listed with how often they came,
// and the recent accuracy over the feedback with version switches and drifts marked.
import { EventEmitter } from "node:events";
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { AlertGate, type GatedAlert } from "../../src/model/alert-gate";
import { driftAlert, heldAlert, slowUpdateAlert } from "../../src/model/alerts";
import { CHART_FROM_SAMPLES, DashboardFeed, FEED_LIMITS } from "../../src/model/dashboard-feed";
import { PatternModel } from "../../src/model/pattern-model";
import type { ModelMetrics } from "../../src/model/results";

/** Metrics as the model emits them, with the monitor's figures that matter to the chart. */
function metrics(samples: number, fadingAccuracy: number): ModelMetrics {
  return { monitor: { samples, fadingAccuracy } } as ModelMetrics;
}

describe("DashboardFeed", () => {
  it("lists alerts newest first and keeps them", () => {
    const feed = new DashboardFeed();
    feed.alert(slowUpdateAlert("v0001", 1500, 1000)!, 10);
    feed.alert(driftAlert("v0001", { samples: 12 }), 12);
    const { alerts } = feed.view();
    expect(alerts.map((a) => a.type)).toEqual(["drift", "slow-update"]);
    expect(alerts.every((a) => a.count === 1)).toBe(true);
    expect(feed.view().alerts).toHaveLength(2);
  });

  it("counts a coalesced alert as the repeats it stands for, in the entry of the alert it repeats", async () => {
    const feed = new DashboardFeed();
    const gate = new AlertGate((alert: GatedAlert) => feed.alert(alert, 0), 20);
    // Messages differ (the version, the time), the gate's key (the budget) does not: one alert, counted.
    for (let i = 1; i <= 4; i++) gate.offer(slowUpdateAlert(`v000${i}`, 1000 + i, 1000)!);
    await new Promise((resolve) => setTimeout(resolve, 60));
    gate.close();
    const [entry] = feed.view().alerts;
    expect(feed.view().alerts).toHaveLength(1);
    expect(entry).toMatchObject({ type: "slow-update", count: 4 });
    expect(entry!.message).toMatch(/v0004 .*3 more times/);
  });

  it("merges a repeated alert whose gate key is its message, though the repeat's message says how often", () => {
    const feed = new DashboardFeed();
    const held = heldAlert({ version: "v0002", by: "anna", reason: "dashboard" }, "better");
    feed.alert(held, 0);
    feed.alert({ ...held, message: `${held.message} (2 more times within 60 s)`, repeats: 2 }, 0);
    expect(feed.view().alerts).toEqual([expect.objectContaining({ type: "held", count: 3 })]);
  });

  it("keeps at most FEED_LIMITS.alerts alerts, dropping the oldest", () => {
    const feed = new DashboardFeed();
    // Different budgets: different alerts to the gate, so none merge.
    for (let i = 0; i < FEED_LIMITS.alerts + 5; i++) feed.alert(slowUpdateAlert("v0001", 5000, 1000 + i)!, i);
    const { alerts } = feed.view();
    expect(alerts).toHaveLength(FEED_LIMITS.alerts);
    expect(alerts[0]!.message).toContain(`budget of ${1000 + FEED_LIMITS.alerts + 4} ms`);
    expect(alerts.at(-1)!.message).toContain("budget of 1005 ms");
  });

  it("keeps alerts the gate tells apart apart, though their messages are the same", () => {
    const feed = new DashboardFeed();
    feed.alert(driftAlert("v0001", { samples: 10 }), 10);
    feed.alert(driftAlert("v0002", { samples: 90 }), 90);
    feed.alert(driftAlert("v0002", { samples: 150 }), 150);
    expect(feed.view().alerts.map((a) => a.count)).toEqual([2, 1]);
  });

  it("charts the recent accuracy once per new answer count, from CHART_FROM_SAMPLES answers on", () => {
    const feed = new DashboardFeed();
    feed.metrics(metrics(CHART_FROM_SAMPLES - 1, 0));
    feed.metrics(metrics(CHART_FROM_SAMPLES, 0.6));
    feed.metrics(metrics(CHART_FROM_SAMPLES, 0.6));
    feed.metrics(metrics(CHART_FROM_SAMPLES + 5, 0.7));
    expect(feed.view().accuracy.points).toEqual([
      { samples: CHART_FROM_SAMPLES, accuracy: 0.6 },
      { samples: CHART_FROM_SAMPLES + 5, accuracy: 0.7 },
    ]);
  });

  it("halves the chart's resolution when it is full, keeping its first and latest points", () => {
    const feed = new DashboardFeed();
    const n = FEED_LIMITS.points + 1;
    for (let i = 0; i < n; i++) feed.metrics(metrics(CHART_FROM_SAMPLES + i, 0.5));
    const { points } = feed.view().accuracy;
    expect(points.length).toBeLessThanOrEqual(FEED_LIMITS.points / 2 + 2);
    expect(points[0]!.samples).toBe(CHART_FROM_SAMPLES);
    expect(points.at(-1)!.samples).toBe(CHART_FROM_SAMPLES + n - 1);
  });

  it("starts the chart afresh when the model's answer count goes back (its figures were reset)", () => {
    const feed = new DashboardFeed();
    feed.metrics(metrics(500, 0.8));
    feed.metrics(metrics(20, 0.6));
    expect(feed.view().accuracy.points).toEqual([{ samples: 20, accuracy: 0.6 }]);
  });

  it("marks version switches at the answer count they happened and drifts where the detector fired", () => {
    const feed = new DashboardFeed();
    feed.activated({ from: "v0001", to: "v0002", reason: "rollback", by: "anna" }, 120);
    feed.alert(driftAlert("v0002", { samples: 180 }), 185);
    expect(feed.view().accuracy.marks).toEqual([
      expect.objectContaining({ samples: 120, kind: "version", label: "v0002" }),
      expect.objectContaining({ samples: 180, kind: "drift", label: "v0002" }),
    ]);
  });

  it("follows a model's events until told to stop", () => {
    const model = Object.assign(new EventEmitter(), { metrics: () => metrics(40, 0.75) });
    const feed = new DashboardFeed();
    const stop = feed.follow(model);
    expect(feed.view().accuracy.points).toEqual([{ samples: 40, accuracy: 0.75 }]);
    model.emit("activated", { from: null, to: "v0001", reason: "auto-update", by: "pattern-model" });
    model.emit("alert", slowUpdateAlert("v0001", 2000, 1000));
    stop();
    model.emit("alert", driftAlert("v0001", { samples: 41 }));
    expect(feed.view().alerts.map((a) => a.type)).toEqual(["slow-update"]);
    expect(feed.view().accuracy.marks).toEqual([expect.objectContaining({ kind: "version", samples: 40 })]);
    expect(model.listenerCount("alert")).toBe(0);
  });
});

describe("DashboardFeed following a PatternModel", () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await fs.rm(dir, { recursive: true, force: true });
  });

  it("lists the model's real alerts and charts its answered feedback", async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), "pq-feed-"));
    const model = await PatternModel.open({
      storeDir: dir,
      schema: { kind: "names", names: ["hour", "devices"] },
      forest: { trees: 5, maxDepth: 4, seed: 1 },
      autoUpdate: false,
      minSamples: 10,
      // Every update is over a budget of 0 ms: a slow-update alert each time.
      alerts: { updateBudgetMs: 0 },
    });
    try {
      const feed = new DashboardFeed();
      feed.follow(model);
      const batch = (from: number) =>
        Array.from({ length: 30 }, (_, i) => ({
          patternId: `p${from + i}`,
          label: (from + i) % 24 >= 17 ? "approve" : "reject",
          features: { hour: (from + i) % 24, devices: 1 + (i % 4) },
        }));
      await model.addFeedback(batch(0));
      await model.update("full", "test");
      await model.addFeedback(batch(30));
      const view = feed.view();
      expect(view.alerts.map((a) => a.type)).toContain("slow-update");
      expect(view.accuracy.points.at(-1)!.samples).toBe(model.metrics().monitor.samples);
      expect(view.accuracy.marks).toEqual([expect.objectContaining({ kind: "version", label: "v0001" })]);
    } finally {
      await model.close();
    }
  });
});
