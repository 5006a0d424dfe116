// The demo end to end in a real browser: `npm start` in a temporary directory, a simulated day
// every few seconds; the household answers the questions about its home's routines on its phone
// and undoes the automations it does not want until a few versions exist, then a person rolls
// back from the Dashboard 2 page; a restart keeps the version, the household's taste and its
// progress.
import { promises as fs } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import {
  artifactsDir,
  browserSkipReason,
  eventually,
  getJson,
  launchChromium,
  projectRoot,
  startDemo,
  type RunningDemo,
} from "./support";

const MODEL = "pq-home-model";
const skipReason = browserSkipReason();

interface VersionList {
  activeVersion: string | null;
  versions: { id: string; active: boolean }[];
}

interface Activation {
  at: string;
  from: string | null;
  to: string;
  reason: string;
  by: string;
}

/** The activation log, from the admin API. */
async function activations(demo: RunningDemo): Promise<Activation[]> {
  return (await getJson<{ activations: Activation[] }>(`${demo.url}/pattern-quality/${MODEL}/activations`)).activations;
}

/** The records of one of the model store's append-only JSON-lines files. */
async function storeLines<T>(demo: RunningDemo, name: string): Promise<T[]> {
  const files = await fs.readdir(demo.dir, { recursive: true });
  const log = files.find((file) => path.basename(file) === name);
  if (!log) throw new Error(`no ${name} in the model store`);
  const text = await fs.readFile(path.join(demo.dir, log), "utf8");
  return text
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => JSON.parse(line) as T);
}

async function openDashboard(browser: Browser, demo: RunningDemo, consoleErrors: string[]): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  page.on("console", (message) => {
    if (message.type() === "error") consoleErrors.push(message.text());
  });
  page.on("pageerror", (error) => consoleErrors.push(error.message));
  await page.goto(`${demo.url}/dashboard`);
  await page.getByText(/Active version: v\d+/).waitFor({ timeout: 60_000 });
  return page;
}

/** The widget's row of a version. */
const versionRow = (page: Page, version: string) => page.locator(`li[data-version="${version}"]`);

describe.skipIf(skipReason !== null)(`the demo's dashboard${skipReason ? ` (skipped: ${skipReason})` : ""}`, () => {
  let dir: string;
  let demo: RunningDemo;
  let browser: Browser;
  let rolledBackTo: string;
  const consoleErrors: string[] = [];

  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), "pattern-quality-demo-"));
    // A simulated day every 3 s: the household answers 3 questions a day; its taste changes after 10.
    demo = await startDemo(dir, { DEMO_DAY_SECONDS: "3", DEMO_SEED: "7" });
    browser = await launchChromium();
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    const code = await demo?.stop();
    const artifacts = await artifactsDir();
    if (demo) await fs.writeFile(path.join(artifacts, "demo-output.txt"), demo.output());
    if (dir) await fs.rm(dir, { recursive: true, force: true });
    expect(code).toBe(0);
  }, 60_000);

  it("mines the home, asks in words, creates the approved automations, and learns from the answers", async () => {
    await demo.waitForOutput(/mined: \d+ routines in the logbook/, 60_000);
    await demo.waitForOutput(/asked on the phone: "[A-Z].+\?"/, 60_000);
    await demo.waitForOutput(/automation created: ".+" \(automation\./, 60_000);
    await demo.waitForOutput(/learned from the automation's fate: ".+" undone \(reject\)/, 150_000);
    const list = await eventually(async () => {
      const body = await getJson<VersionList>(`${demo.url}/pattern-quality/${MODEL}/versions`);
      return body.versions.length >= 2 ? body : undefined;
    }, "two versions");
    // Every answer came the household's way: on its phone, or from what became of an automation.
    const sources = new Set(
      (await storeLines<{ source: string }>(demo, "feedback.jsonl")).map((feedback) => feedback.source),
    );
    expect([...sources].sort()).toEqual(["ha:implicit", "ha:mobile_app_notification_action"]);
    expect(list.activeVersion).not.toBeNull();
    // The terminal names each version when it is trained.
    for (const version of list.versions.slice(0, -1))
      await demo.waitForOutput(
        new RegExp(`version ${version.id} \\((initial|incremental|full)\\) trained on \\d+ answers`),
        10_000,
      );
  }, 240_000);

  it("switches to another version with its row's button, confirmed, recorded with the reason dashboard", async () => {
    const before = await getJson<VersionList>(`${demo.url}/pattern-quality/${MODEL}/versions`);
    const older = before.versions
      .filter((row) => row.id !== before.activeVersion)
      .sort((a, b) => a.id.localeCompare(b.id));
    expect(older.length).toBeGreaterThan(0);
    rolledBackTo = older[0]!.id;
    // Rollback on a version older than the active one, Activate on a newer one (the guardrail may have kept v0001).
    const button = rolledBackTo < before.activeVersion! ? "Rollback" : "Activate";
    const confirm = button === "Rollback" ? `Roll back to ${rolledBackTo}` : `Activate ${rolledBackTo}`;

    const page = await openDashboard(browser, demo, consoleErrors);
    await versionRow(page, rolledBackTo).getByRole("button", { name: button }).click();
    await page.getByRole("dialog").getByRole("button", { name: confirm }).click();

    const after = await eventually(
      async () => {
        const body = await getJson<VersionList>(`${demo.url}/pattern-quality/${MODEL}/versions`);
        return body.activeVersion === rolledBackTo ? body : undefined;
      },
      `${rolledBackTo} to become active`,
      30_000,
    );
    expect(after.activeVersion).toBe(rolledBackTo);

    const last = (await activations(demo)).at(-1)!;
    // Nobody is named on a plain dashboard: the log says "dashboard".
    expect(last).toMatchObject({ from: before.activeVersion, to: rolledBackTo, reason: "dashboard", by: "dashboard" });

    // The page marks the new active version and the hold at once, without a reload.
    await versionRow(page, rolledBackTo)
      .locator(".pq-badge", { hasText: /^active$/ })
      .waitFor({ timeout: 15_000 });
    await page.getByText(`Active version: ${rolledBackTo}`).waitFor({ timeout: 15_000 });
    await page.getByRole("button", { name: "Resume automatic updates" }).waitFor();

    const artifacts = await artifactsDir();
    const shot = await page.screenshot({ fullPage: true });
    await fs.writeFile(path.join(artifacts, "dashboard-after-rollback.png"), shot);
    const docsShot = path.join(projectRoot, "docs", "dashboard.png");
    if (process.env.UPDATE_DOCS_SCREENSHOT === "1" || !(await fs.stat(docsShot).catch(() => null)))
      await fs.writeFile(docsShot, shot);
    expect(consoleErrors).toEqual([]);
    await page.close();
  }, 120_000);

  it("keeps the rolled-back version active after Node-RED restarts", async () => {
    expect(await demo.stop()).toBe(0);
    const kept = JSON.parse(await fs.readFile(path.join(dir, "household.json"), "utf8"));
    demo = await startDemo(dir, { DEMO_ANSWERS: "0" });
    // The household's changed taste and its progress come back with it.
    expect(kept.taste).toBe("every-day");
    await demo.waitForOutput(
      new RegExp(`hidden taste: it now likes every-day routines.* \\(${kept.answers} answers so far\\)`),
      10_000,
    );
    await demo.waitForOutput(new RegExp(`stopped at simulated day ${kept.day + 1}`), 10_000);
    const list = await eventually(
      () => getJson<VersionList>(`${demo.url}/pattern-quality/${MODEL}/versions`),
      "the versions after the restart",
      60_000,
    );
    expect(list.activeVersion).toBe(rolledBackTo);
    expect((await activations(demo)).at(-1)).toMatchObject({ to: rolledBackTo, reason: "dashboard" });

    const page = await openDashboard(browser, demo, consoleErrors);
    await page.getByText(`Active version: ${rolledBackTo}`).waitFor({ timeout: 30_000 });
    await page.close();
  }, 180_000);

  it("trains a full version on all stored feedback when Retrain now is pressed", async () => {
    const before = await getJson<VersionList>(`${demo.url}/pattern-quality/${MODEL}/versions`);
    const page = await openDashboard(browser, demo, consoleErrors);
    await page.getByRole("button", { name: "Retrain now" }).click();

    const added = await eventually(
      async () => {
        const body = await getJson<Omit<VersionList, "versions"> & { versions: { id: string; kind: string }[] }>(
          `${demo.url}/pattern-quality/${MODEL}/versions`,
        );
        return body.versions.find((row) => !before.versions.some((old) => old.id === row.id));
      },
      "a new version",
      60_000,
    );
    expect(added.kind).toBe("full");
    // The page announces it (live, or on trial beside the active version) and lists it.
    await page
      .getByText(new RegExp(`Retrained on all \\d+ stored answers: ${added.id} \\(full\\)`))
      .waitFor({ timeout: 15_000 });
    await versionRow(page, added.id).getByText(/full/).waitFor({ timeout: 15_000 });
    expect(consoleErrors).toEqual([]);
    await page.close();
  }, 120_000);
});
