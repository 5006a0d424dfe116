import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { StoreWriteError } from "../../src/errors";
import { PrequentialMonitor } from "../../src/learning/monitor";
import { loadMonitor, MONITOR_FILE, saveMonitor } from "../../src/model/monitor-file";
import { type Alert, PatternModel } from "../../src/model/pattern-model";

const dirs: string[] = [];

async function storeDir(): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "pq-monitor-"));
  dirs.push(dir);
  return dir;
}

afterEach(async () => {
  for (const dir of dirs.splice(0)) await fs.rm(dir, { recursive: true, force: true });
});

describe("the saved live metrics (monitor.json)", () => {
  it("reads back what was saved", async () => {
    const dir = await storeDir();
    await saveMonitor(dir, 4, new PrequentialMonitor());
    const { saved, problem } = await loadMonitor(dir, 4);
    expect(saved?.seq).toBe(4);
    expect(saved?.monitor).toBeInstanceOf(PrequentialMonitor);
    expect(problem).toBeNull();
  });

  it("reads as none when there is no file", async () => {
    expect(await loadMonitor(await storeDir(), 0)).toEqual({ saved: null, problem: null });
  });

  it("sets a damaged file aside, keeping its content, and reports it", async () => {
    const dir = await storeDir();
    await fs.writeFile(path.join(dir, MONITOR_FILE), "{ not json");
    const { saved, problem } = await loadMonitor(dir, 10);
    expect(saved).toBeNull();
    expect(problem).toMatchObject({ file: MONITOR_FILE, kind: "corrupt-monitor" });
    expect(problem!.setAsideAs).toMatch(/^monitor\.json\.corrupt-\d{8}T\d{9}Z$/);
    expect(problem!.message).toMatch(/^monitor\.json is damaged \(.*\); set aside as monitor\.json\.corrupt-/);
    expect(await fs.readFile(path.join(dir, problem!.setAsideAs!), "utf8")).toBe("{ not json");
    expect(await fs.readdir(dir)).toEqual([problem!.setAsideAs]);
  });

  it("sets aside a file that claims feedback beyond the log, naming its seq", async () => {
    const dir = await storeDir();
    await saveMonitor(dir, 999, new PrequentialMonitor());
    const { saved, problem } = await loadMonitor(dir, 5);
    expect(saved).toBeNull();
    expect(problem!.message).toMatch(/seq 999 does not fit the feedback log \(watermark 5\)/);
    expect(await fs.readdir(dir)).toEqual([problem!.setAsideAs]);
  });

  it("sets aside a file whose monitor state is not one", async () => {
    const dir = await storeDir();
    await fs.writeFile(path.join(dir, MONITOR_FILE), JSON.stringify({ seq: 0, monitor: { format: "other" } }));
    expect((await loadMonitor(dir, 0)).problem).toMatchObject({ kind: "corrupt-monitor" });
  });

  it("reports a file it cannot read as a store error and moves nothing", async () => {
    const dir = await storeDir();
    await fs.mkdir(path.join(dir, MONITOR_FILE));
    await expect(loadMonitor(dir, 0)).rejects.toBeInstanceOf(StoreWriteError);
    expect(await fs.readdir(dir)).toEqual([MONITOR_FILE]);
  });

  it("is set aside by a model that finds it damaged, not overwritten by the next save", async () => {
    const dir = await storeDir();
    const settings = { storeDir: dir, schema: { kind: "names" as const, names: ["a", "b"] }, autoUpdate: false };
    const before = await PatternModel.open(settings);
    await before.addFeedback([{ id: "f1", patternId: "p1", label: 1, features: { a: 1, b: 2 } }]);
    await before.close();
    await fs.writeFile(path.join(dir, MONITOR_FILE), "{ not json");
    const after = await PatternModel.open(settings);
    const alerts: Alert[] = after.openAlerts;
    const alert = alerts.find((candidate) => candidate.details.kind === "corrupt-monitor");
    expect(alert).toMatchObject({ type: "store-error", severity: "warning" });
    const setAsideAs = alert!.details.setAsideAs as string;
    await after.close();
    expect(await fs.readFile(path.join(dir, setAsideAs), "utf8")).toBe("{ not json");
    expect((await loadMonitor(dir, 1)).problem).toBeNull();
  });
});
