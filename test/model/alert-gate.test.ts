// Identical alerts coalesced: a burst of the same failure reaches a flow (and a phone) as the
// first alert and one that counts the rest, not once per failure.
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { AlertGate, alertKey, type GatedAlert } from "../../src/model/alert-gate";
import { driftAlert, slowUpdateAlert, storeErrorAlert, type Alert } from "../../src/model/alerts";
import { PatternModel } from "../../src/model/pattern-model";

const WINDOW_MS = 40;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const timers = () => process.getActiveResourcesInfo().filter((what) => what === "Timeout").length;

function gate(windowMs = WINDOW_MS) {
  const sent: GatedAlert[] = [];
  return { sent, gate: new AlertGate((alert) => sent.push(alert), windowMs) };
}

const diskFull = () => storeErrorAlert("storing feedback", Object.assign(new Error("disk full"), { code: "ENOSPC" }));

describe("AlertGate", () => {
  it("lets the first alert out at once and counts the identical ones of its window in one alert after it", async () => {
    const { gate: alerts, sent } = gate();
    for (let i = 0; i < 40; i++) alerts.offer(diskFull());
    expect(sent).toHaveLength(1);
    expect(sent[0]).not.toHaveProperty("repeats");
    await sleep(WINDOW_MS * 3);
    expect(sent).toHaveLength(2);
    expect(sent[1]).toMatchObject({
      type: "store-error",
      repeats: 39,
      message: "storing feedback failed: disk full (39 more times within 40 ms)",
    });
    alerts.close();
  });

  it("keeps alerts of another type, or of the same type about something else, apart", () => {
    const { gate: alerts, sent } = gate();
    alerts.offer(driftAlert("v0001", { samples: 10 }));
    alerts.offer(driftAlert("v0001", { samples: 11 }));
    alerts.offer(driftAlert("v0002", { samples: 12 }));
    alerts.offer(diskFull());
    alerts.offer(storeErrorAlert("saving the live metrics", new Error("disk full")));
    expect(sent.map((a) => [a.type, a.details.version ?? a.details.action])).toEqual([
      ["drift", "v0001"],
      ["drift", "v0002"],
      ["store-error", "storing feedback"],
      ["store-error", "saving the live metrics"],
    ]);
    alerts.close();
  });

  it("sends nothing more for a window without repeats, and the next identical alert goes out at once", async () => {
    const { gate: alerts, sent } = gate();
    alerts.offer(diskFull());
    await sleep(WINDOW_MS * 3);
    expect(sent).toHaveLength(1);
    alerts.offer(diskFull());
    expect(sent).toHaveLength(2);
    expect(sent[1]).not.toHaveProperty("repeats");
    alerts.close();
  });

  it("gives a steady stream one alert per window", async () => {
    const { gate: alerts, sent } = gate(100);
    const started = Date.now();
    while (Date.now() - started < 350) {
      alerts.offer(diskFull());
      await sleep(5);
    }
    alerts.close();
    // About 60 offered over 3.5 windows: the first, one per elapsed window, one on close.
    expect(sent.length).toBeGreaterThanOrEqual(3);
    expect(sent.length).toBeLessThanOrEqual(6);
    expect(sent.slice(1).every((a) => (a.repeats ?? 0) > 0)).toBe(true);
  });

  it("tells identical alerts by their key details, and alerts of a type it does not know by their message", () => {
    const slow = (version: string) => slowUpdateAlert(version, 2000, 1000) as Alert;
    expect(alertKey(slow("v0001"))).toBe(alertKey(slow("v0002")));
    const other = (message: string): Alert => ({ type: "new-kind" as never, severity: "info", message, details: {} });
    expect(alertKey(other("a"))).toBe(alertKey(other("a")));
    expect(alertKey(other("a"))).not.toBe(alertKey(other("b")));
  });

  it("never keeps the process alive, lets out what it holds on close, and then stops gating", () => {
    const before = timers();
    const { gate: alerts, sent } = gate(60_000);
    alerts.offer(diskFull());
    alerts.offer(diskFull());
    expect(timers()).toBe(before);
    alerts.close();
    expect(sent.map((a) => a.repeats)).toEqual([undefined, 1]);
    expect(sent[1]!.message).toMatch(/\(once more within 60 s\)$/);
    alerts.offer(diskFull());
    expect(sent).toHaveLength(3);
  });
});

describe("a pattern model's alerts", () => {
  const dirs: string[] = [];
  afterEach(async () => {
    await Promise.all(dirs.splice(0).map((dir) => fs.rm(dir, { recursive: true, force: true })));
  });

  it("are two for 40 identical failures: the first, then one counting the other 39", async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), "alert-gate-"));
    dirs.push(dir);
    const settings = { storeDir: dir, forest: { trees: 4, maxDepth: 3, seed: 1 }, autoUpdate: false };
    const before = await PatternModel.open({ ...settings, schema: { kind: "names", names: ["a", "b"] } });
    await before.rememberPattern("porch", { a: 1, b: 1 });
    await before.close();
    // The remembered features no longer fit: every feedback for the pattern is stored, not learned.
    const model = await PatternModel.open({ ...settings, schema: { kind: "names", names: ["c", "d"] } });
    const alerts: GatedAlert[] = [];
    model.on("alert", (alert: GatedAlert) => alerts.push(alert));
    for (let i = 0; i < 40; i++) await model.addFeedback([{ id: `f${i}`, patternId: "porch", label: 1 }]);
    expect(alerts).toHaveLength(1);
    await model.close();
    expect(alerts).toHaveLength(2);
    expect(alerts[1]).toMatchObject({ type: "store-error", repeats: 39 });
    expect(alerts[1]!.message).toMatch(/\(39 more times within 60 s\)$/);
  });
});
