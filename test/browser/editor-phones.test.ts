/// <reference lib="dom" />
// (callbacks given to page.evaluate run in the browser)
// Choosing the phone in the editor: ask household's "Ask on" offers Home Assistant's
// notify.mobile_app_* services, read through the deployed connection (typing stays possible).
import * as fs from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HomeAssistantSimulator } from "../../src/testing/ha-simulator/simulator";
import { type RunningNodeRed, startNodeRed } from "../support/node-red";
import { browserSkipReason, launchChromium } from "./support";

const skipReason = browserSkipReason();

describe.skipIf(skipReason !== null)(
  `choosing the phone in the editor${skipReason ? ` (skipped: ${skipReason})` : ""}`,
  () => {
    let red: RunningNodeRed;
    let sim: HomeAssistantSimulator;
    let browser: Browser;
    let page: Page;

    beforeAll(async () => {
      sim = await HomeAssistantSimulator.start({
        tokens: [{ token: "admin", admin: true }],
        notifyServices: ["mobile_app_anna", "mobile_app_ben", "family"],
      });
      const userDir = await fs.mkdtemp(path.join(os.tmpdir(), "pattern-quality-phones-"));
      red = await startNodeRed({
        userDir,
        flows: [
          { id: "t1", type: "tab", label: "ask" },
          { id: "m1", type: "pattern-model", name: "m", storeDir: "store", schemaKind: "standard" },
          { id: "ha1", type: "pattern-quality-ha", name: "home", url: sim.url },
          { id: "ask1", type: "pattern-ask", z: "t1", model: "m1", ha: "ha1", x: 200, y: 100, wires: [[], []] },
        ],
        credentials: { ha1: { token: "admin" } },
        settings: { externalModules: { palette: { allowInstall: false } } },
      });
      browser = await launchChromium();
      page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
      await page.goto(red.url);
      await page.locator(".red-ui-palette-node").first().waitFor({ timeout: 60_000 });
    }, 120_000);

    afterAll(async () => {
      await browser?.close();
      await red?.stop();
      await sim?.stop();
      if (red) await fs.rm(red.userDir, { recursive: true, force: true });
    }, 60_000);

    it("lists the household's phones from Home Assistant in Ask on", async () => {
      await page.evaluate(() => {
        const RED = (window as any).RED;
        RED.editor.edit(RED.nodes.node("ask1"));
      });
      const options = page.locator("#pattern-ask-phones option");
      await expect
        .poll(async () => options.evaluateAll((all) => all.map((o) => (o as HTMLOptionElement).value)), {
          timeout: 30_000,
        })
        .toEqual(["notify.mobile_app_anna", "notify.mobile_app_ben"]);
      await page.fill("#node-input-notifyService", "notify.mobile_app_anna");
      await page.click("#node-dialog-ok");
      const saved = await page.evaluate(() => (window as any).RED.nodes.node("ask1").notifyService);
      expect(saved).toBe("notify.mobile_app_anna");
    }, 60_000);
  },
);
