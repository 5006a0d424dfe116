/// <reference lib="dom" />
// (callbacks given to page.evaluate run in the browser)
// Answering a suggestion on the dashboard as a household member does, on a 390 px phone: the
// suggestion in words with its score and plain-word reasons, Approve tapped (twice, quickly: one
// decision), the press sent on for create automation, and the answer shown with whether the
// model guessed right.
import { promises as fs, symlinkSync } from "node:fs";
import { createRequire } from "node:module";
import * as os from "node:os";
import * as path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { settingsFromDefinition } from "../../nodes/pattern-model/settings";
import { SuggestionBook } from "../../src/suggestions/book";
import { packageRoot, type RunningNodeRed, startNodeRed } from "../support/node-red";
import { artifactsDir, browserSkipReason, eventually, getJson, launchChromium } from "./support";

const require = createRequire(import.meta.url);
const skipReason = browserSkipReason();
const PACKAGE = "node-red-contrib-pattern-quality";
const TITLE = "Turn on Kitchen light at about 06:45 on weekdays";

function flows(storeDir: string) {
  const tab = "t1";
  const model = { id: "m1", type: "pattern-model", name: "household", storeDir, schemaKind: "standard" };
  return {
    model,
    nodes: [
      { id: tab, type: "tab", label: "suggestions" },
      model,
      {
        id: "base1",
        type: "ui-base",
        name: "Home",
        path: "/dashboard",
        includeClientData: true,
        navigationStyle: "none",
      },
      { id: "theme1", type: "ui-theme", name: "Theme", colors: { primary: "#1f6f5c" }, sizes: {} },
      {
        id: "page1",
        type: "ui-page",
        name: "Suggestions",
        ui: "base1",
        path: "/home",
        layout: "grid",
        theme: "theme1",
        order: 1,
      },
      {
        id: "g1",
        type: "ui-group",
        name: "Suggestions",
        page: "page1",
        width: "12",
        height: "1",
        order: 1,
        showTitle: false,
      },
      {
        id: "w1",
        type: "pattern-dashboard",
        z: tab,
        group: "g1",
        model: "m1",
        order: 1,
        width: 0,
        height: 0,
        wires: [["rec"]],
      },
      {
        id: "rec",
        type: "function",
        z: tab,
        outputs: 0,
        wires: [],
        func: 'flow.set("presses", [...(flow.get("presses") || []), { topic: msg.topic, payload: msg.payload, pattern: msg.pattern }]);\nreturn null;',
      },
      { id: "in", type: "http in", z: tab, url: "/test/presses", method: "get", wires: [["out"]] },
      {
        id: "out",
        type: "function",
        z: tab,
        outputs: 1,
        wires: [["res"]],
        func: 'msg.payload = flow.get("presses") || [];\nreturn msg;',
      },
      { id: "res", type: "http response", z: tab, statusCode: "", headers: {}, wires: [] },
    ],
  };
}

describe.skipIf(skipReason !== null)(
  `suggestions on the dashboard at 390 px${skipReason ? ` (skipped: ${skipReason})` : ""}`,
  () => {
    let work: string;
    let red: RunningNodeRed;
    let browser: Browser;
    let page: Page;

    beforeAll(async () => {
      work = await fs.mkdtemp(path.join(os.tmpdir(), "pattern-quality-suggestions-"));
      const userDir = path.join(work, "user");
      await fs.mkdir(path.join(userDir, "node_modules"), { recursive: true });
      symlinkSync(packageRoot, path.join(userDir, "node_modules", PACKAGE));
      const manifest = { name: "node-red-project", version: "0.0.1", private: true, dependencies: { [PACKAGE]: "*" } };
      await fs.writeFile(path.join(userDir, "package.json"), JSON.stringify(manifest));
      const { model, nodes } = flows(path.join(work, "store"));
      // A suggestion asked this morning, scored 0.72 with its reasons, as ask household leaves it in the book.
      const book = await SuggestionBook.open(settingsFromDefinition({ ...model }, userDir).storeDir);
      await book.offer([
        {
          pattern: {
            id: "routine-kitchen",
            title: TITLE,
            description: `${TITLE}: done by hand on 17 of 20 weekdays, last 2 days ago`,
            confidence: 0.8,
            automation: {
              alias: TITLE,
              triggers: [{ trigger: "time", at: "06:45:00" }],
              conditions: [],
              actions: [],
              mode: "single",
            },
          },
          score: 0.72,
          uncertainty: 0.56,
          reasons: ["Done regularly (85 % of the time): speaks for it", "Last done 2 days ago: speaks for it"],
        },
      ]);
      await book.recordAsked(["routine-kitchen"], "phone");
      await book.close();
      red = await startNodeRed({
        flows: nodes,
        userDir,
        nodesDir: [path.dirname(require.resolve("@flowfuse/node-red-dashboard/package.json"))],
      });
      browser = await launchChromium();
      page = await browser.newPage({ viewport: { width: 390, height: 844 } });
      await page.goto(`${red.url}/dashboard/home`);
    }, 180_000);

    afterAll(async () => {
      await browser?.close();
      await red?.stop();
      if (red) await fs.writeFile(path.join(await artifactsDir(), "dashboard-suggestions-node-red.txt"), red.output());
      if (work) await fs.rm(work, { recursive: true, force: true });
    }, 60_000);

    it("shows the suggestion as a question with its score and reasons in plain words, within 390 px", async () => {
      const card = page.locator('li[data-suggestion="routine-kitchen"]');
      await card.getByText(`${TITLE}?`).waitFor({ timeout: 60_000 });
      await expect(card.textContent()).resolves.toContain("done by hand on 17 of 20 weekdays");
      await expect(card.textContent()).resolves.toContain("How likely you are to say yes: 72 %");
      await expect(card.textContent()).resolves.toContain("Done regularly (85 % of the time): speaks for it");
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      expect(width).toBeLessThanOrEqual(390);
      for (const name of ["Approve", "Reject", "Not now"]) {
        const box = await card.getByRole("button", { name }).boundingBox();
        expect(box!.x + box!.width).toBeLessThanOrEqual(390);
        expect(box!.height).toBeGreaterThanOrEqual(32);
      }
      await page.screenshot({ path: path.join(await artifactsDir(), "dashboard-suggestions-390.png"), fullPage: true });
    }, 90_000);

    it("records one decision for Approve tapped twice, sends it on with the automation, and shows the answer", async () => {
      const approve = page.locator('li[data-suggestion="routine-kitchen"]').getByRole("button", { name: "Approve" });
      await approve.click();
      await approve.click({ force: true, timeout: 2_000 }).catch(() => undefined);
      await page.getByText(`Approved: "${TITLE}".`).waitFor({ timeout: 30_000 });
      const presses = await eventually(async () => {
        const got = await getJson<Array<{ topic: string; payload: Record<string, unknown>; pattern: any }>>(
          `${red.url}/test/presses`,
        );
        return got.length > 0 ? got : undefined;
      }, "the press sent on");
      expect(presses.filter((p) => p.payload.decision === "new")).toHaveLength(1);
      expect(presses[0]).toMatchObject({
        topic: "approve",
        payload: { patternId: "routine-kitchen", answer: "approve", label: 1 },
        pattern: { id: "routine-kitchen", automation: { alias: TITLE } },
      });
      const answered = page.locator('li[data-answered="routine-kitchen"]');
      await answered.getByText("The model guessed right.").waitFor({ timeout: 30_000 });
      await expect(answered.textContent()).resolves.toContain("Approved by");
      await expect(page.locator('li[data-suggestion="routine-kitchen"]').count()).resolves.toBe(0);
    }, 90_000);
  },
);
